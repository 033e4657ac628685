"""What a build reads (the approved state of a book, who wrote it, its images) and what every
stage passes on: a chapter parsed and made safe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from textbook.domain.state import BookState
from textbook.projections.attribution import Attribution


@dataclass(frozen=True)
class BookToBuild:
    """Everything a build reads: the approved state, who wrote it, and when it was approved."""

    state: BookState
    contributors: Sequence[object]
    edition: str  # ISO time of the last approved change: the edition's date, never the clock
    images: dict[str, bytes]
    # Where its text came from (a fork, a remix), credited in every edition.
    attribution: Attribution = field(default_factory=Attribution)


class BuildError(Exception):
    """A book cannot be published; the message names the chapter and says why."""


@dataclass(frozen=True)
class Numbered:
    """A numbered thing of a chapter: a figure, table, equation, listing or heading, its number
    as the book prints it ("3.2"), its id ("" if it has none) and its caption's first sentence."""

    kind: str  # Figure, Table, Equation, Listing, Section or Chapter
    number: str
    id: str
    caption: str = ""

    @property
    def name(self) -> str:
        """How a cross-reference names it: "Figure 3.2", "Equation (2.7)", "Section 3.2"."""
        if self.kind == "Equation":
            return f"Equation ({self.number})"
        return f"{self.kind} {self.number}"


@dataclass(frozen=True)
class Chapter:
    """One chapter, parsed and made safe: its number, title, AST, the ids it defines and its
    numbered things (figures, tables, equations, listings and headings, in order)."""

    id: str
    number: int
    title: str
    ast: dict[str, Any]
    ids: frozenset[str]
    numbered: tuple[Numbered, ...] = ()

    def listed(self, kind: str) -> list[Numbered]:
        """Its figures (or tables...) in order, for a list of figures (or tables)."""
        return [thing for thing in self.numbered if thing.kind == kind]
