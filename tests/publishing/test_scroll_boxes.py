"""What may be wider than a phone scrolls in a box that the keyboard reaches and that has a name.

Through the preview, which runs pandoc and the web edition's allowlist as the book does.
"""

from __future__ import annotations

import re
from pathlib import Path

from textbook.projections.publishing.cache import PreviewCache
from textbook.projections.publishing.preview import preview

TEXT = """## Sums {#sums}

A short formula $x + 1$, and a long one
$y_{n+1} = \\big(y_n + h(1000\\cos t_{n+1} - \\sin t_{n+1})\\big)/(1 + 1000h)$ in the text.

$$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$

| n | sum |
|---|-----|
| 1 | 1   |

: Small sums {#tbl-sums}

```python
print(sum(range(10)))
```

<span tabindex="0" role="region">Her own box</span>
"""


def test_display_math_long_inline_math_tables_and_code_scroll_in_focusable_boxes(
    tmp_path: Path,
) -> None:
    html = str(preview(TEXT, None, PreviewCache(tmp_path)))
    equations = re.findall(
        r'<span class="(equation[^"]*)" role="region" tabindex="0" aria-label="Equation">'
        r'<math display="(block|inline)"',
        html,
    )
    # The display formula and the long inline one; the short inline one stays as it is.
    assert sorted(equations) == [("equation", "block"), ("equation inline", "inline")]
    assert html.count('<math display="inline"') == 2
    assert re.search(
        r'<div class="table-scroll" role="region" tabindex="0" aria-label="Small sums">\s*<table',
        html,
    )
    assert html.count("<table") == html.count("</table></div>") == 1
    assert re.search(r'<pre tabindex="0"[^>]*><code', html)
    # An author's attributes are dropped: her words stay, without a box or a tabindex.
    assert "<p><span>Her own box</span></p>" in html
    assert html.count('tabindex="0"') == 4
