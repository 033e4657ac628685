"""Frozen values that cross the application's boundary: a book's whole state, a proposal's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from textbook.domain.markdown import join_sections
from textbook.domain.outline import ChapterOutline, Outline
from textbook.domain.vocabulary import ProposalKind, ProposalStatus


@dataclass(frozen=True)
class SectionState:
    id: str
    text: str
    revision: int = 0


@dataclass(frozen=True)
class ChapterState:
    id: str
    file: str
    sections: tuple[SectionState, ...]

    @property
    def text(self) -> str:
        return join_sections([section.text for section in self.sections])


@dataclass(frozen=True)
class ImageRef:
    name: str
    sha256: str
    media_type: str
    size: int


@dataclass(frozen=True)
class BookState:
    """A book as it stands (or stood): metadata, chapters with their approved text, images."""

    slug: str
    metadata: dict[str, Any]
    metadata_yaml: str
    chapters: tuple[ChapterState, ...]
    images: tuple[ImageRef, ...] = ()
    bibliography: str = ""
    as_of: datetime | None = None

    @property
    def title(self) -> str:
        return str(self.metadata["title"])

    @property
    def license(self) -> str:
        return str(self.metadata["license"])

    def markdown(self) -> str:
        """The approved Markdown of the whole book, chapter after chapter."""
        return "\n".join(chapter.text for chapter in self.chapters)

    def outline(self) -> Outline:
        return Outline(
            tuple(
                ChapterOutline(c.id, c.file, tuple(s.id for s in c.sections)) for c in self.chapters
            )
        )


@dataclass(frozen=True)
class ImportProblem:
    """Something in imported files that loses no text but needs a person: a citation key missing
    from references.bib, a missing image, a link to a missing id. `file` is relative to the book."""

    file: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ImportReport:
    slug: str
    created: bool
    sections_added: int
    sections_revised: int
    sections_removed: int
    events: int
    problems: tuple[ImportProblem, ...] = ()


@dataclass(frozen=True)
class ProposalInfo:
    id: UUID
    book_slug: str
    kind: ProposalKind
    section_id: str
    status: ProposalStatus
    author: str
    base_revision: int
    text: str
    message: str
    applied_revision: int | None = None
    reviewers: tuple[str, ...] = field(default=())
    version: int = 1
