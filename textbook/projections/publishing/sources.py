"""What a build reads (the approved state of a book, who wrote it, its images) and what every
stage passes on: a chapter parsed and made safe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from textbook.domain.state import BookState
from textbook.projections.attribution import Attribution
from textbook.projections.publishing.cache import digest


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
class Chapter:
    """One chapter, parsed and made safe: its number, title, AST and the ids it defines."""

    id: str
    number: int
    title: str
    ast: dict[str, Any]
    ids: frozenset[str]


def fingerprint(book: BookToBuild) -> str:
    """Changes whenever anything a reader would see in an edition changes."""
    state = book.state
    return digest(
        state.markdown(),
        state.metadata_yaml,
        repr(sorted(state.metadata.items())),  # a named edition's name and date are in it
        state.bibliography,
        "\n".join(f"{i.name}={i.sha256}" for i in state.images),
        repr(list(book.contributors)),
        book.edition,
        book.attribution.text(),
    )
