"""The projection of Textbook's events into every read model, one handler per event type."""

from __future__ import annotations

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


class ReadModelProjection(Projection[ReadModels]):
    name = "views"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: None)

    @process_event.register(Book.Created)
    def _(self, e: Book.Created, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.book_created(sql, e))

    @process_event.register(Book.OutlineChanged)
    def _(self, e: Book.OutlineChanged, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.outline_changed(sql, e))

    @process_event.register(Book.MetadataChanged)
    def _(self, e: Book.MetadataChanged, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.metadata_changed(sql, e))

    @process_event.register(Book.BibliographyChanged)
    def _(self, e: Book.BibliographyChanged, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.bibliography_changed(sql, e))

    @process_event.register(Book.AccessChanged)
    def _(self, e: Book.AccessChanged, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.access_changed(sql, e))

    @process_event.register(Book.ImageAdded)
    def _(self, e: Book.ImageAdded, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.image_added(sql, e))

    @process_event.register(Book.ImageRemoved)
    def _(self, e: Book.ImageRemoved, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.image_removed(sql, e))

    @process_event.register(Book.MemberGranted)
    def _(self, e: Book.MemberGranted, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.member_granted(sql, e))

    @process_event.register(Book.MemberRevoked)
    def _(self, e: Book.MemberRevoked, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: outline.member_revoked(sql, e))

    @process_event.register(Section.Created)
    def _(self, e: Section.Created, tracking: Tracking) -> None:
        def update(sql: Any) -> None:
            outline.section_created(sql, e)
            history.section_changed(sql, e, "created")
            blame.section_blamed(sql, e, 1)

        self.view.record(tracking, update)

    @process_event.register(Section.Revised)
    def _(self, e: Section.Revised, tracking: Tracking) -> None:
        def update(sql: Any) -> None:
            outline.section_revised(sql, e)
            history.section_changed(sql, e, "revised")
            blame.section_blamed(sql, e, e.revision)

        self.view.record(tracking, update)

    @process_event.register(Section.Removed)
    def _(self, e: Section.Removed, tracking: Tracking) -> None:
        def update(sql: Any) -> None:
            outline.section_removed(sql, e)
            history.section_changed(sql, e, "removed")

        self.view.record(tracking, update)

    @process_event.register(Proposal.Opened)
    def _(self, e: Proposal.Opened, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: reviews.opened(sql, e))

    @process_event.register(Proposal.Revised)
    def _(self, e: Proposal.Revised, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: reviews.revised(sql, e))

    @process_event.register(Proposal.Approved)
    def _(self, e: Proposal.Approved, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: reviews.approved(sql, e))

    @process_event.register(Proposal.Commented)
    def _(self, e: Proposal.Commented, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: reviews.reviewed(sql, e, "commented"))

    @process_event.register(Proposal.ChangesRequested)
    def _(self, e: Proposal.ChangesRequested, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: reviews.reviewed(sql, e, "changes_requested"))

    @process_event.register(Proposal.Rejected)
    def _(self, e: Proposal.Rejected, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: reviews.reviewed(sql, e, "rejected"))

    @process_event.register(Proposal.Withdrawn)
    def _(self, e: Proposal.Withdrawn, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: reviews.reviewed(sql, e, "withdrawn"))

    @process_event.register(User.Registered)
    def _(self, e: User.Registered, tracking: Tracking) -> None:
        self.view.record(tracking, lambda sql: people.registered(sql, e))
