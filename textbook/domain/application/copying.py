"""The copy check: when a proposal's text is proposed or revised, which of its paragraphs copy
another book's, asked of the index the read models keep (`copy_finder`, given by whoever opens
the application; None: nothing is checked)."""

from __future__ import annotations

from textbook.domain.application.base import Base
from textbook.domain.copies import CopyMatch
from textbook.domain.proposal import Proposal


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
