"""What the queries answer: frozen values read from the read models."""

from __future__ import annotations

from dataclasses import dataclass

from textbook.domain.glossary import chapter_numbers
from textbook.domain.metadata import Licence, licence_as_stored
from textbook.domain.state import ImportProblem


@dataclass(frozen=True)
class SectionSummary:
    id: str
    title: str
    revision: int


@dataclass(frozen=True)
class ChapterSummary:
    id: str
    file: str
    title: str
    sections: tuple[SectionSummary, ...]


@dataclass(frozen=True)
class BookOutline:
    slug: str
    title: str
    subtitle: str
    language: str
    license: str
    description: str
    updated_at: str
    chapters: tuple[ChapterSummary, ...]
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    publisher: str = ""
    isbn: str = ""
    cover: str = ""
    problems: tuple[ImportProblem, ...] = ()
    source: str = ""  # where an imported book came from

    @property
    def licence(self) -> Licence:
        return licence_as_stored(self.license)

    def numbered(self) -> list[tuple[int, ChapterSummary]]:
        """Each chapter with its number in the book (0 for back matter, the glossary)."""
        numbers = chapter_numbers([chapter.id for chapter in self.chapters])
        return list(zip(numbers, self.chapters, strict=True))


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    chapter: str
    revision: int
    text: str


@dataclass(frozen=True)
class Revision:
    section_id: str
    revision: int
    kind: str
    author: str
    approver: str
    proposal_id: str | None
    message: str
    at: str
    text: str


@dataclass(frozen=True)
class BlameLine:
    number: int
    line: str
    revision: int
    author: str
    approver: str
    proposal_id: str | None
    at: str


@dataclass(frozen=True)
class ProposalSummary:
    id: str
    book_slug: str
    kind: str
    section_id: str
    status: str
    author: str
    base_revision: int
    message: str
    opened_at: str
    updated_at: str
    version: int
    chapter_id: str = ""  # for new text and moves: the chapter it goes to
    after: str = ""  # and the section (or chapter) it goes after


@dataclass(frozen=True)
class ProposalView:
    id: str
    book_slug: str
    kind: str
    section_id: str
    chapter_id: str
    after: str
    status: str
    author: str
    base_revision: int
    text: str
    message: str
    opened_at: str
    updated_at: str
    applied_revision: int | None
    version: int  # each revision of the text adds one; approving names it


@dataclass(frozen=True)
class ThreadEntry:
    kind: str
    by: str
    comment: str
    at: str


@dataclass(frozen=True)
class Contributor:
    name: str
    lines_written: int
    lines_approved: int
