"""The copy check: when a proposal's text is proposed or revised, which of its paragraphs copy
another book's, asked of the index the read models keep (`copy_finder`, given by whoever opens
the application; None: nothing is checked)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from textbook.domain.application.base import Base
from textbook.domain.copies import CopyMatch
from textbook.domain.proposal import Proposal
from textbook.domain.section import Source


@dataclass(frozen=True)
class CopiesFound:
    """What the copy check found in a proposal, and what its author has marked as taken."""

    copies: tuple[CopyMatch, ...]
    unmarked: tuple[CopyMatch, ...]
    sources: tuple[Source, ...]


class CopyChecks(Base):
    def _copies_in(self, book_slug: str, text: str, known: str) -> list[CopyMatch]:
        """The copies in `text`, a proposal's text for the book (`known`: the section's
        approved text, whose paragraphs are the book's own already)."""
        if self.copy_finder is None or not text:
            return []
        return self.copy_finder.copies_in(text, book_slug, known)

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
