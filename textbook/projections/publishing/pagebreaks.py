"""Where the PDF's pages begin, for the EPUB's page list.

A teacher says "page 41" and a student with the EPUB must find it. Every paragraph and heading
of a chapter gets an empty anchor (`tbp-N`, numbered in reading order) in the print and EPUB
renderings alike; once the PDF is laid out, the top-most of these anchors on each page says
where that page begins. The EPUB puts a page-break marker there and lists the pages in its
navigation. A page that holds no start of a paragraph or heading (a page of one long table)
has no entry.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PREFIX = "tbp-"
ANCHOR = re.compile(r'<span id="(tbp-\d+)"></span>')


@dataclass(frozen=True)
class PageStart:
    """A page of the PDF (its printed number) and the anchor it begins at."""

    label: str
    chapter: str
    anchor: str


def mark_paragraphs(ast: dict[str, Any]) -> dict[str, Any]:
    """A copy of the chapter's AST with an empty anchor at the start of every paragraph and
    heading outside notes and tables, numbered in reading order."""
    ast = copy.deepcopy(ast)
    count = 0

    def blocks(items: list[Any]) -> None:
        nonlocal count
        for block in items:
            kind = block["t"]
            if kind in ("Para", "Plain", "Header"):
                inlines = block["c"] if kind != "Header" else block["c"][2]
                count += 1
                inlines.insert(0, {"t": "Span", "c": [[f"{PREFIX}{count}", [], []], []]})
            elif kind == "Div":
                blocks(block["c"][1])
            elif kind == "BlockQuote":
                blocks(block["c"])
            elif kind == "BulletList":
                for item in block["c"]:
                    blocks(item)
            elif kind == "OrderedList":
                for item in block["c"][1]:
                    blocks(item)

    blocks(ast["blocks"])
    return ast


def page_starts(pages: Sequence[Any], labels: Sequence[str]) -> list[PageStart]:
    """For each laid-out page of the body, the top-most paragraph anchor on it, if any."""
    found = []
    for page, label in zip(pages, labels, strict=True):
        marks = [
            (box[1], box[0], name)  # WeasyPrint gives each anchor's box: x1, y1, x2, y2
            for name, box in page.anchors.items()
            if f"--{PREFIX}" in name and name.rpartition("--")[2].startswith(PREFIX)
        ]
        if marks:
            name = min(marks)[2]
            chapter, _, anchor = name.rpartition("--")
            found.append(PageStart(label, chapter, anchor))
    return found


def mark_pages(xhtml: str, starts: Mapping[str, str]) -> str:
    """The chapter's XHTML with a page-break marker where each page begins (`starts`: anchor
    to page label) and without the other anchors."""

    def marker(match: re.Match[str]) -> str:
        label = starts.get(match.group(1))
        if label is None:
            return ""
        return (
            f'<span id="page-{label}" epub:type="pagebreak" role="doc-pagebreak" '
            f'aria-label="Page {label}"></span>'
        )

    return ANCHOR.sub(marker, xhtml)
