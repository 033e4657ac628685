"""The import and pandoc agree on what a heading is: the splitter's rules, checked by pandoc."""

from __future__ import annotations

import json

import pypandoc
import pytest

from textbook.domain.markdown import split_chapter

CASES = {
    "html comment": "# One {#one}\n\n<!--\n# Not a heading\n## Nor this\n-->\n\nText.\n",
    "one-line comment": "# One {#one}\n\n<!-- # Not a heading -->\n\n## Two {#two}\n",
    "comment then heading": "# One {#one}\n\n<!-- a\nb --> text\n\n## Two {#two}\n",
    "fenced code": "# One {#one}\n\n```python\n# a comment\n## another\n```\n\n## Two {#two}\n",
    "tilde fence": "# One {#one}\n\n~~~~\n# x\n~~~\n## y\n~~~~\n",
    "raw block": "# One {#one}\n\n```{=latex}\n# x\n```\n\n## Two {#two}\n",
    "indented code": "# One {#one}\n\n    # shell comment\n    ## more\n\n## Two {#two}\n",
    "indented in a list": "# One {#one}\n\n- item\n\n    more text\n\n## Two {#two}\n",
    "lazy paragraph": "# One {#one}\n\nText\n    # not code\n\n## Two {#two}\n",
}


def pandoc_headings(text: str) -> list[tuple[int, str]]:
    document = json.loads(pypandoc.convert_text(text, "json", format="markdown"))
    return [
        (block["c"][0], block["c"][1][0])
        for block in document["blocks"]
        if block["t"] == "Header" and block["c"][0] <= 2
    ]


@pytest.mark.parametrize("text", CASES.values(), ids=list(CASES))
def test_the_splitter_finds_the_headings_pandoc_finds(text: str) -> None:
    ours = [(chunk.heading.level, chunk.heading.id) for chunk in split_chapter(text)]
    assert ours == pandoc_headings(text)


def test_an_mdbook_chapter_with_a_heading_in_a_comment_splits_in_two() -> None:
    text = "# Intro {#intro}\n\n<!-- # TODO: old title -->\n<!--\n# Draft\n-->\n## Next {#next}\n"
    assert [chunk.heading.id for chunk in split_chapter(text)] == ["intro", "next"]
