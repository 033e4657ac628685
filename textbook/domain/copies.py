"""Text copied by hand from another book on the platform: what a finder reports, and the rule.

The application asks a `CopyFinder` (an index of every approved paragraph, kept by the read
models) which paragraphs of a proposal copy another book's; the proposal records the answer
(`Proposal.CopyDetected`), and cannot be approved while a copy's source is not marked (by
`mark_source`, which credits it in every edition).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from textbook.domain.section import Source


@dataclass(frozen=True)
class CopyMatch:
    """A paragraph of the proposal (`paragraph`, from 1, and its start) found in the paragraph
    `source_paragraph` of a section of another book, `score` per cent of its word 5-grams.
    `origin_*` name where that section's text itself came from, when it was taken."""

    paragraph: int
    excerpt: str
    book: str
    section: str
    revision: int
    source_paragraph: str
    score: int
    origin_book: str = ""
    origin_section: str = ""
    # Other sections (book, section) that hold the paragraph too (copies of one another).
    elsewhere: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CopyMatch:
        elsewhere = tuple((str(b), str(s)) for b, s in data.get("elsewhere", ()))
        return cls(**{**data, "elsewhere": elsewhere})

    def covered_by(self, sources: list[Source]) -> bool:
        """Whether a marked source credits the text found: a section it was found in, or the
        one that section took it from."""
        found = {(self.book, self.section), (self.origin_book, self.origin_section)}
        found |= set(self.elsewhere)
        return any((source.book, source.section) in found for source in sources)


class CopyFinder(Protocol):
    def copies_in(self, text: str, book: str, known: str) -> list[CopyMatch]:
        """The paragraphs of `text` (leaving out those `known` has: the section's approved
        text) that copy a paragraph of a book other than `book`."""
        ...
