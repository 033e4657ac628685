"""The copy check: when a proposal's text is proposed or revised, which of its paragraphs copy
another book's, asked of the index the read models keep (`copy_finder`, given by whoever opens
the application; None: nothing is checked)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from textbook.domain import ids
from textbook.domain.application.base import Base
from textbook.domain.book import Book
from textbook.domain.copies import CopyMatch
from textbook.domain.proposal import Proposal
from textbook.domain.section import Section, Source


@dataclass(frozen=True)
class CopiesFound:
    """What the copy check found in a proposal, and what its author has marked as taken."""

    copies: tuple[CopyMatch, ...]
    unmarked: tuple[CopyMatch, ...]
    sources: tuple[Source, ...]


class CopyChecks(Base):
    def _copies_in(self, book: Book, section_id: str, text: str, known: str) -> list[CopyMatch]:
        """The copies in `text`, a proposal's text for the book's section (`known`: the
        section's approved text, whose paragraphs are the book's own already), leaving out
        what the book credits already."""
        if self.copy_finder is None or not text:
            return []
        found = self.copy_finder.copies_in(text, book.slug, known)
        return [match for match in found if not self._credited(book, section_id, match)]

    def _credited(self, book: Book, section_id: str, match: CopyMatch) -> bool:
        """Whether the text found is the book's own, or credited already: text a fork took from
        this book is its own; a fork credits its upstream as a whole (every edition says so);
        and a section credits the source it was taken from."""
        places = {(match.book, match.section), (match.origin_book, match.origin_section)}
        places |= set(match.elsewhere)
        credited = {book.slug} | ({book.upstream["slug"]} if book.upstream else set())
        if any(slug in credited for slug, _ in places):
            return True
        try:
            section = self._get(Section, ids.section_id(book.slug, section_id))
        except AggregateNotFoundError:
            return False
        return section.source is not None and match.covered_by([section.source])

    @staticmethod
    def _record_copies(proposal: Proposal, found: list[CopyMatch]) -> None:
        proposal.record_copies(found, by=proposal.author)

    def copies_found(self, proposal_id: UUID) -> CopiesFound:
        """The copies found in the proposal's text, those whose source is not marked yet (an
        editor cannot approve it until they are), and the sources marked."""
        proposal = self._proposal(proposal_id)
        return CopiesFound(
            tuple(proposal.copies), tuple(proposal.unmarked_copies), tuple(proposal.sources)
        )
