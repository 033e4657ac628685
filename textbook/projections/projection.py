"""The projection of Textbook's events into every read model, one handler per event type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from textbook.domain.book import Book
from textbook.domain.proposal import Proposal
from textbook.domain.section import Section
from textbook.domain.user import User
from textbook.projections import blame, history, outline, people, reviews
from textbook.projections.views import ReadModels
from textbook.storage import Sql

Update = Callable[[Sql], None]


def nothing(sql: Sql) -> None:
    pass


class ReadModelProjection(Projection[ReadModels]):
    name = "views"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.record(tracking, [self.update_for(domain_event)])

    @singledispatchmethod
    def update_for(self, domain_event: Any) -> Update:
        """What the event changes in the read models (most events change nothing)."""
        return nothing

    @update_for.register(Book.Created)
    def _(self, e: Book.Created) -> Update:
        return lambda sql: outline.book_created(sql, e)

    @update_for.register(Book.OutlineChanged)
    def _(self, e: Book.OutlineChanged) -> Update:
        return lambda sql: outline.outline_changed(sql, e)

    @update_for.register(Book.MetadataChanged)
    def _(self, e: Book.MetadataChanged) -> Update:
        return lambda sql: outline.metadata_changed(sql, e)

    @update_for.register(Book.BibliographyChanged)
    def _(self, e: Book.BibliographyChanged) -> Update:
        return lambda sql: outline.bibliography_changed(sql, e)

    @update_for.register(Book.ImportProblemsFound)
    def _(self, e: Book.ImportProblemsFound) -> Update:
        return lambda sql: outline.import_problems_found(sql, e)

    @update_for.register(Book.AccessChanged)
    def _(self, e: Book.AccessChanged) -> Update:
        return lambda sql: outline.access_changed(sql, e)

    @update_for.register(Book.ImageAdded)
    def _(self, e: Book.ImageAdded) -> Update:
        return lambda sql: outline.image_added(sql, e)

    @update_for.register(Book.ImageRemoved)
    def _(self, e: Book.ImageRemoved) -> Update:
        return lambda sql: outline.image_removed(sql, e)

    @update_for.register(Book.MemberGranted)
    def _(self, e: Book.MemberGranted) -> Update:
        return lambda sql: outline.member_granted(sql, e)

    @update_for.register(Book.MemberRevoked)
    def _(self, e: Book.MemberRevoked) -> Update:
        return lambda sql: outline.member_revoked(sql, e)

    @update_for.register(Section.Created)
    def _(self, e: Section.Created) -> Update:
        def update(sql: Sql) -> None:
            outline.section_created(sql, e)
            history.section_changed(sql, e, "created")
            blame.section_blamed(sql, e, 1)

        return update

    @update_for.register(Section.Revised)
    def _(self, e: Section.Revised) -> Update:
        def update(sql: Sql) -> None:
            outline.section_revised(sql, e)
            history.section_changed(sql, e, "revised")
            blame.section_blamed(sql, e, e.revision)

        return update

    @update_for.register(Section.Removed)
    def _(self, e: Section.Removed) -> Update:
        def update(sql: Sql) -> None:
            outline.section_removed(sql, e)
            history.section_changed(sql, e, "removed")

        return update

    @update_for.register(Proposal.Opened)
    def _(self, e: Proposal.Opened) -> Update:
        return lambda sql: reviews.opened(sql, e)

    @update_for.register(Proposal.Revised)
    def _(self, e: Proposal.Revised) -> Update:
        return lambda sql: reviews.revised(sql, e)

    @update_for.register(Proposal.Approved)
    def _(self, e: Proposal.Approved) -> Update:
        return lambda sql: reviews.approved(sql, e)

    @update_for.register(Proposal.Commented)
    def _(self, e: Proposal.Commented) -> Update:
        return lambda sql: reviews.reviewed(sql, e, "commented")

    @update_for.register(Proposal.ChangesRequested)
    def _(self, e: Proposal.ChangesRequested) -> Update:
        return lambda sql: reviews.reviewed(sql, e, "changes_requested")

    @update_for.register(Proposal.Rejected)
    def _(self, e: Proposal.Rejected) -> Update:
        return lambda sql: reviews.reviewed(sql, e, "rejected")

    @update_for.register(Proposal.ImageAttached)
    def _(self, e: Proposal.ImageAttached) -> Update:
        return lambda sql: reviews.image_attached(sql, e)

    @update_for.register(Proposal.Withdrawn)
    def _(self, e: Proposal.Withdrawn) -> Update:
        return lambda sql: reviews.reviewed(sql, e, "withdrawn")

    @update_for.register(User.Registered)
    def _(self, e: User.Registered) -> Update:
        return lambda sql: people.registered(sql, e)
