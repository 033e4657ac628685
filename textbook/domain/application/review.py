"""Review: comments and decisions on proposals, and approval, which merges an edit with what
was approved since and publishes it; the aggregates decide, this loads them and saves them."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from textbook.domain import ids
from textbook.domain.application.checking import Checking
from textbook.domain.application.starting import approved_details
from textbook.domain.book import Book
from textbook.domain.checks import BrokenReference
from textbook.domain.errors import InvalidInput, MergeConflict
from textbook.domain.merge import merge
from textbook.domain.proposal import Proposal, checked_verdict
from textbook.domain.section import Section
from textbook.domain.state import ProposalInfo
from textbook.domain.user import User
from textbook.domain.vocabulary import ProposalKind, ProposalStatus, Verdict


class Review(Checking):
    def review(
        self,
        proposal_id: UUID,
        verdict: str,
        comment: str,
        by: str,
        version: int | None = None,
        break_references: bool = False,
    ) -> ProposalStatus:
        """Record a review; returns the proposal's status afterwards.

        To approve, `version` names the proposal's version the reviewer read; any other than
        the current one is refused (ProposalChanged), so only text an editor read is published.
        An approval that would remove ids other sections link to is refused (BreaksReferences)
        unless `break_references` confirms it.
        """
        said = checked_verdict(verdict)
        return self._retrying(
            lambda: self._review(proposal_id, said, comment, by, version, break_references)
        )

    def _review(
        self,
        proposal_id: UUID,
        verdict: Verdict,
        comment: str,
        by: str,
        version: int | None,
        break_references: bool = False,
    ) -> ProposalStatus:
        proposal, user = self._proposal(proposal_id), self.user(by)
        book = self.book(proposal.book_slug)
        if verdict is Verdict.COMMENT:
            if user.id != proposal.author:
                book.check_may_propose(user.id, by)
            proposal.comment(comment, by=user.id)
            self._save(proposal)
        elif verdict is Verdict.REQUEST_CHANGES:
            proposal.request_changes(comment, user.id, by, book)
            self._save(proposal)
        elif verdict is Verdict.REJECT:
            proposal.reject(comment, user.id, by, book)
            self._save(proposal, *self._closed(proposal))
        else:
            approved = self._approve(
                proposal, book, comment, user.id, by, version, break_references
            )
            self._save(*approved, *self._closed(proposal), *self._needs_closed(proposal, by))
        return proposal.status

    def _approve(
        self,
        proposal: Proposal,
        book: Book,
        comment: str,
        by: UUID,
        name: str,
        version: int | None,
        break_references: bool = False,
    ) -> list[Aggregate]:
        """Approve and publish the proposal; returns the aggregates to save together."""
        if proposal.kind is ProposalKind.DETAILS:
            return approved_details(proposal, book, comment, by, name, version)
        proposal.check_may_approve(by, name, book, version)  # before any work for nobody
        outline = book.outline_after(proposal)
        section = self._section_of(book, proposal)
        text = proposal.text
        if proposal.kind is ProposalKind.EDIT and section is not None:
            text = self._merged(proposal, section)
            self._check_references(book, section, text, break_references)
        elif proposal.kind is ProposalKind.REMOVE_SECTION and section is not None:
            self._check_references(book, section, None, break_references)
        proposal.approve(comment, by, name, book, version, section, text)
        # The images before the text that shows them, and the outline before the text, so that
        # the book at the revision's moment holds both.
        for image_name, image in sorted(proposal.images.items()):
            book.put_image(image_name, **image, by=by, proposal_id=proposal.id)
        book.change_outline(outline, by=by, proposal_id=proposal.id)
        return [proposal, *proposal.published(section, text, by), book]

    def _section_of(self, book: Book, proposal: Proposal) -> Section | None:
        """The section the proposal acts on (live), or for a new one, the section once removed
        under that id (to be revived), or None."""
        if proposal.kind.acts_on_existing:
            return self._live_section(book, proposal.section_id)
        try:
            return self._get(Section, ids.section_id(book.slug, proposal.section_id))
        except AggregateNotFoundError:
            return None

    def references_broken(self, proposal_id: UUID) -> list[BrokenReference]:
        """The links elsewhere in the book that approving the proposal now would break."""
        proposal = self._proposal(proposal_id)
        kind = proposal.kind
        if kind not in (ProposalKind.EDIT, ProposalKind.REMOVE_SECTION) or not proposal.is_open:
            return []
        book = self.book(proposal.book_slug)
        if not book.has_section(proposal.section_id):
            return []
        section = self._live_section(book, proposal.section_id)
        text: str | None = None
        if kind is ProposalKind.EDIT:
            try:
                text = self._merged(proposal, section)
            except MergeConflict:
                text = proposal.text
        return self._broken_references(book, proposal.section_id, section.text, text)

    def merged_text(self, proposal_id: UUID) -> str:
        """The text that approving this edit would publish now: the proposal's change merged
        with the changes approved since its base revision. Raises MergeConflict if they clash.
        """
        proposal = self._proposal(proposal_id)
        if proposal.kind is not ProposalKind.EDIT:
            raise InvalidInput("Only a proposed edit of a section is merged when approved.")
        return self._merged(
            proposal, self._live_section(self.book(proposal.book_slug), proposal.section_id)
        )

    def _merged(self, proposal: Proposal, section: Section) -> str:
        if section.revision == proposal.base_revision:
            return proposal.text
        base = self._text_at_revision(section.id, proposal.base_revision)
        merged = merge(base, section.text, proposal.text)
        if merged.text is None:
            raise MergeConflict(
                proposal.section_id, proposal.base_revision, section.revision, merged.clashes
            )
        return merged.text

    def proposal_info(self, proposal_id: UUID) -> ProposalInfo:
        proposal = self._proposal(proposal_id)
        author = self._get(User, proposal.author)
        return ProposalInfo(
            id=proposal.id,
            book_slug=proposal.book_slug,
            kind=proposal.kind,
            section_id=proposal.section_id,
            status=proposal.status,
            author=author.name,
            base_revision=proposal.base_revision,
            text=proposal.text,
            message=proposal.message,
            applied_revision=getattr(proposal, "applied_revision", None),
            version=proposal.text_version,
        )

    def may_approve(self, proposal_id: UUID, user_name: str) -> bool:
        proposal, user = self._proposal(proposal_id), self.user(user_name)
        return proposal.may_be_approved_by(user.id, self.book(proposal.book_slug))
