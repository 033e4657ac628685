"""What the web and the command line ask before they show a button or a warning: read-only
questions answered by the rules of the aggregates, so that no caller restates a rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository

from textbook.domain import ids
from textbook.domain.book import Book
from textbook.domain.checks import BrokenReference
from textbook.domain.errors import MergeConflict, NotAllowed, ProposalNotFound
from textbook.domain.proposal import Proposal
from textbook.domain.section import Section
from textbook.domain.user import User
from textbook.domain.vocabulary import ProposalKind


@dataclass(frozen=True)
class ApprovalPreview:
    """What approving a proposal would do now."""

    stale: bool  # open, and the section it acts on moved past the revision it was written on
    merged: str | None  # for an open edit: the text approving publishes now (None if it clashes)
    clashes: str | None  # for an edit that clashes: which lines, in words
    redo: bool  # a stale move or removal: the domain refuses it, it must be proposed again
    broken: tuple[BrokenReference, ...]  # the links elsewhere that approving would break
    current_revision: int | None  # the section's revision now, if the proposal acts on one

    @property
    def merge(self) -> str:
        """For a queue: "" (not stale), "clean", "clash", or "redo"."""
        if not self.stale:
            return ""
        if self.redo:
            return "redo"
        return "clash" if self.clashes is not None else "clean"


NOTHING = ApprovalPreview(False, None, None, False, (), None)


class Asked(Protocol):
    """What the questions need of the application."""

    @property
    def repository(self) -> Repository[UUID]: ...

    def book(self, slug: str) -> Book: ...

    def user(self, name: str) -> User: ...

    def merged_text(self, proposal_id: UUID) -> str: ...

    def references_broken(self, proposal_id: UUID) -> list[BrokenReference]: ...


class Questions:
    """Mixed into the application: questions that change nothing."""

    def may_review(self: Asked, slug: str, user_name: str) -> bool:
        """Whether the person reviews proposals in this book."""
        return self.book(slug).may_review(self.user(user_name).id)

    def may_maintain(self: Asked, slug: str, user_name: str) -> bool:
        """Whether the person maintains this book (its members and who may propose)."""
        try:
            self.book(slug).check_may_maintain(self.user(user_name).id, user_name)
        except NotAllowed:
            return False
        return True

    def may_decide(self: Asked, proposal_id: UUID, user_name: str) -> bool:
        """Whether the person may approve, request changes or reject: the proposal is open,
        they review in its book, and they did not write it."""
        proposal = proposal_of(self, proposal_id)
        return proposal.may_be_approved_by(self.user(user_name).id, self.book(proposal.book_slug))

    def approval_preview(self: Asked, proposal_id: UUID) -> ApprovalPreview:
        """Whether the proposal is stale, what approving an edit would publish now or which
        lines clash, whether a stale move or removal must be redone, and what it would break."""
        proposal = proposal_of(self, proposal_id)
        kind = ProposalKind(proposal.kind)
        if not proposal.is_open or not kind.acts_on_existing:
            return NOTHING
        book = self.book(proposal.book_slug)
        if not book.has_section(proposal.section_id):
            return NOTHING
        section: object = self.repository.get(ids.section_id(book.slug, proposal.section_id))
        if not isinstance(section, Section):
            return NOTHING
        stale = section.revision != proposal.base_revision
        merged = clashes = None
        if kind is ProposalKind.EDIT:
            try:
                merged = self.merged_text(proposal_id)
            except MergeConflict as error:
                clashes = error.where
        return ApprovalPreview(
            stale=stale,
            merged=merged,
            clashes=clashes,
            redo=stale and kind is not ProposalKind.EDIT,
            broken=tuple(self.references_broken(proposal_id)),
            current_revision=section.revision,
        )


def proposal_of(app: Asked, proposal_id: UUID) -> Proposal:
    try:
        proposal: object = app.repository.get(proposal_id)
    except AggregateNotFoundError:
        raise ProposalNotFound(str(proposal_id)) from None
    if not isinstance(proposal, Proposal):
        raise ProposalNotFound(str(proposal_id))
    return proposal
