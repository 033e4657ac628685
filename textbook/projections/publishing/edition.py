"""What every format says about the book: its metadata, licence and contributors, the templates
and static files the pages are made with, and each chapter's contents."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from textbook.domain.metadata import Licence, licence_as_stored, people
from textbook.domain.state import BookState
from textbook.projections.attribution import Attribution
from textbook.projections.publishing.apparatus import Definition, Group, book_index, glossary_of
from textbook.projections.publishing.sources import Chapter
from textbook.projections.publishing.tree import plain_text

STATIC = Path(__file__).parent / "static"
TEMPLATES = Environment(
    loader=PackageLoader("textbook.projections.publishing", "templates"),
    autoescape=select_autoescape(["html", "xhtml", "xml", "opf", "ncx"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.filters["people"] = people


@dataclass(frozen=True)
class Edition:
    """What every page of an edition says about the book."""

    book: dict[str, Any]  # slug and the metadata: title, ..., authors, editors, publisher, isbn
    chapters: list[Chapter]
    contributors: list[Any]
    edition: str
    attribution: Attribution = field(default_factory=Attribution)
    # The book's one list of the works it cites (`<div id="refs" ...>`, each entry `ref-KEY`),
    # as pandoc writes it, when it lists them once for the whole book; "" when each chapter does.
    references: str = ""

    @property
    def licence(self) -> Licence:
        return licence_as_stored(self.book["license"])

    @cached_property
    def index(self) -> list[Group]:
        """The book's index, from its authors' marks (empty: the book has no index)."""
        return book_index(self.chapters)

    @cached_property
    def glossary(self) -> dict[str, Definition]:
        return glossary_of(self.chapters)

    def names(self, role: str) -> str:
        people = [
            c.name
            for c in self.contributors
            if (c.lines_written if role == "author" else c.lines_approved)
        ]
        if not people:
            return "nobody yet"
        shown = ", ".join(people[:6])
        return shown + (f" and {len(people) - 6} more" if len(people) > 6 else "")


def book_info(state: BookState) -> dict[str, Any]:
    """What pages say about the book: its slug, its metadata, and its licence in words."""
    return {"slug": state.slug, **state.metadata, "licence": licence_as_stored(state.license)}


def sections_of(chapter: Chapter) -> list[dict[str, str]]:
    return [
        {"id": block["c"][1][0], "title": plain_text(block["c"][2])}
        for block in chapter.ast["blocks"]
        if block["t"] == "Header" and block["c"][0] == 2 and block["c"][1][0]
    ]


def vars_of(chapter: Chapter) -> dict[str, Any]:
    return {"id": chapter.id, "number": chapter.number, "title": chapter.title}
