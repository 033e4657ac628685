"""The projection of Textbook's events into every read model, one handler per event type.

Each change an event makes is tagged with the read model it writes. A read model's handlers read
only its own tables (history and blame keep their own note of where a section is rather than
reading the outline's rows), so the read models are independent: their order does not matter
(tests/projections/test_versions.py applies them in reverse), and one of them can be rebuilt
from the events alone, into its own tables, when its version changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from textbook.domain.book import Book
from textbook.domain.need import Need
from textbook.domain.proposal import Proposal
from textbook.domain.section import Section
from textbook.domain.user import User
from textbook.domain.watchlist import Watchlist
from textbook.projections import (
    blame,
    copies,
    details,
    editions,
    history,
    inbox,
    needs,
    outline,
    people,
    provenance,
    reviews,
)
from textbook.projections.readmodel import ReadModel
from textbook.projections.views import ReadModels
from textbook.storage import Sql

Update = Callable[[Sql], None]
Change = tuple[ReadModel, Update]


def change(model: ReadModel, handler: Callable[..., None], *args: Any) -> Change:
    """What `handler(sql, *args)` writes, in `model`'s tables."""
    return model, lambda sql: handler(sql, *args)


def all_of(updates: list[Update]) -> Update:
    def update(sql: Sql) -> None:
        for each in updates:
            each(sql)

    return update


class ReadModelProjection(Projection[ReadModels]):
    name = "views"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        update = self.update_for(domain_event, position=tracking.notification_id)
        self.view.record(tracking, [update])

    def update_for(
        self, domain_event: Any, only: Collection[ReadModel] | None = None, position: int = 0
    ) -> Update:
        """What the event, at `position` in the log, changes in the read models (or in those
        of `only`)."""
        changes = [
            *self.changes_for(domain_event),
            *self.inbox_changes_for(domain_event, position),
        ]
        return all_of([update for model, update in changes if only is None or model in only])

    @singledispatchmethod
    def changes_for(self, domain_event: Any) -> list[Change]:
        """What the event changes, read model by read model (most events change nothing)."""
        return []

    @changes_for.register(Book.Created)
    def _(self, e: Book.Created) -> list[Change]:
        return [
            change(outline.MODEL, outline.book_created, e),
            change(details.MODEL, details.book_created, e),
        ]

    @changes_for.register(Book.OutlineChanged)
    def _(self, e: Book.OutlineChanged) -> list[Change]:
        return [change(outline.MODEL, outline.outline_changed, e)]

    @changes_for.register(Book.MetadataChanged)
    def _(self, e: Book.MetadataChanged) -> list[Change]:
        return [
            change(outline.MODEL, outline.metadata_changed, e),
            change(details.MODEL, details.metadata_changed, e),
        ]

    @changes_for.register(Book.DetailsChanged)
    def _(self, e: Book.DetailsChanged) -> list[Change]:
        # The outline's read model holds the metadata: it reads the change as an import's.
        return [
            change(outline.MODEL, outline.metadata_changed, e),
            change(details.MODEL, details.details_changed, e),
        ]

    @changes_for.register(Book.Archived)
    @changes_for.register(Book.Unarchived)
    @changes_for.register(Book.Deleted)
    def _(self, e: Book.Archived | Book.Unarchived | Book.Deleted) -> list[Change]:
        return [change(details.MODEL, details.standing_changed, e)]

    @changes_for.register(Book.EditionMarked)
    def _(self, e: Book.EditionMarked) -> list[Change]:
        return [change(editions.MODEL, editions.edition_marked, e)]

    @changes_for.register(Book.BibliographyChanged)
    def _(self, e: Book.BibliographyChanged) -> list[Change]:
        return [change(outline.MODEL, outline.bibliography_changed, e)]

    @changes_for.register(Book.ImportProblemsFound)
    def _(self, e: Book.ImportProblemsFound) -> list[Change]:
        return [change(outline.MODEL, outline.import_problems_found, e)]

    @changes_for.register(Book.AccessChanged)
    def _(self, e: Book.AccessChanged) -> list[Change]:
        return [change(outline.MODEL, outline.access_changed, e)]

    @changes_for.register(Book.ImageAdded)
    def _(self, e: Book.ImageAdded) -> list[Change]:
        return [change(outline.MODEL, outline.image_added, e)]

    @changes_for.register(Book.ImageRemoved)
    def _(self, e: Book.ImageRemoved) -> list[Change]:
        return [change(outline.MODEL, outline.image_removed, e)]

    @changes_for.register(Book.MemberGranted)
    def _(self, e: Book.MemberGranted) -> list[Change]:
        return [change(outline.MODEL, outline.member_granted, e)]

    @changes_for.register(Book.MemberRevoked)
    def _(self, e: Book.MemberRevoked) -> list[Change]:
        return [change(outline.MODEL, outline.member_revoked, e)]

    @changes_for.register(Section.Created)
    def _(self, e: Section.Created) -> list[Change]:
        return [
            change(outline.MODEL, outline.section_created, e),
            change(history.MODEL, history.section_changed, e, "created"),
            change(blame.MODEL, blame.section_created, e),
            change(copies.MODEL, copies.section_created, e),
        ]

    @changes_for.register(Section.Revised)
    def _(self, e: Section.Revised) -> list[Change]:
        return [
            change(outline.MODEL, outline.section_revised, e),
            change(history.MODEL, history.section_changed, e, "revised"),
            change(blame.MODEL, blame.section_blamed, e, e.revision),
            change(copies.MODEL, copies.section_revised, e),
        ]

    @changes_for.register(Section.Removed)
    def _(self, e: Section.Removed) -> list[Change]:
        return [
            change(outline.MODEL, outline.section_removed, e),
            change(history.MODEL, history.section_changed, e, "removed"),
            change(copies.MODEL, copies.section_removed, e),
        ]

    @changes_for.register(Book.Forked)
    def _(self, e: Book.Forked) -> list[Change]:
        return [change(provenance.MODEL, provenance.forked, e)]

    @changes_for.register(Section.Taken)
    def _(self, e: Section.Taken) -> list[Change]:
        return [
            change(provenance.MODEL, provenance.taken, e),
            change(copies.MODEL, copies.section_taken, e),
        ]

    @changes_for.register(Book.Remixed)
    def _(self, e: Book.Remixed) -> list[Change]:
        return [change(provenance.MODEL, provenance.remixed, e)]

    @changes_for.register(Proposal.Opened)
    def _(self, e: Proposal.Opened) -> list[Change]:
        return [change(reviews.MODEL, reviews.opened, e)]

    @changes_for.register(Proposal.Revised)
    def _(self, e: Proposal.Revised) -> list[Change]:
        return [change(reviews.MODEL, reviews.revised, e)]

    @changes_for.register(Proposal.Approved)
    def _(self, e: Proposal.Approved) -> list[Change]:
        return [
            change(reviews.MODEL, reviews.approved, e),
            change(needs.MODEL, needs.proposal_closed, e),
        ]

    @changes_for.register(Proposal.Commented)
    def _(self, e: Proposal.Commented) -> list[Change]:
        return [change(reviews.MODEL, reviews.reviewed, e, "commented")]

    @changes_for.register(Proposal.ChangesRequested)
    def _(self, e: Proposal.ChangesRequested) -> list[Change]:
        return [change(reviews.MODEL, reviews.reviewed, e, "changes_requested")]

    @changes_for.register(Proposal.Rejected)
    def _(self, e: Proposal.Rejected) -> list[Change]:
        return [
            change(reviews.MODEL, reviews.reviewed, e, "rejected"),
            change(needs.MODEL, needs.proposal_closed, e),
        ]

    @changes_for.register(Proposal.ImageAttached)
    def _(self, e: Proposal.ImageAttached) -> list[Change]:
        return [change(reviews.MODEL, reviews.image_attached, e)]

    @changes_for.register(Proposal.Withdrawn)
    def _(self, e: Proposal.Withdrawn) -> list[Change]:
        return [
            change(reviews.MODEL, reviews.reviewed, e, "withdrawn"),
            change(needs.MODEL, needs.proposal_closed, e),
        ]

    @changes_for.register(Need.Opened)
    def _(self, e: Need.Opened) -> list[Change]:
        return [change(needs.MODEL, needs.opened, e)]

    @changes_for.register(Need.Taken)
    def _(self, e: Need.Taken) -> list[Change]:
        return [change(needs.MODEL, needs.taken, e)]

    @changes_for.register(Need.Released)
    def _(self, e: Need.Released) -> list[Change]:
        return [change(needs.MODEL, needs.released, e)]

    @changes_for.register(Need.Answered)
    def _(self, e: Need.Answered) -> list[Change]:
        return [change(needs.MODEL, needs.answered, e)]

    @changes_for.register(Need.Closed)
    def _(self, e: Need.Closed) -> list[Change]:
        return [change(needs.MODEL, needs.closed, e)]

    @changes_for.register(User.Registered)
    def _(self, e: User.Registered) -> list[Change]:
        return [change(people.MODEL, people.registered, e)]

    # The inbox: its items' ids come from the event's position, so its handlers are given it.

    @singledispatchmethod
    def inbox_changes_for(self, domain_event: Any, position: int) -> list[Change]:
        """What the event, at `position` in the log, changes in the inbox (most: nothing)."""
        return []

    def _inbox(self, handler: Callable[..., None], e: Any, position: int) -> list[Change]:
        return [change(inbox.MODEL, handler, e, position)]

    @inbox_changes_for.register(User.Registered)
    def _(self, e: User.Registered, position: int) -> list[Change]:
        return self._inbox(inbox.registered, e, position)

    @inbox_changes_for.register(Book.Created)
    def _(self, e: Book.Created, position: int) -> list[Change]:
        return self._inbox(inbox.book_created, e, position)

    @inbox_changes_for.register(Book.MetadataChanged)
    @inbox_changes_for.register(Book.DetailsChanged)
    def _(self, e: Book.MetadataChanged | Book.DetailsChanged, position: int) -> list[Change]:
        return self._inbox(inbox.retitled, e, position)

    @inbox_changes_for.register(Book.MemberGranted)
    def _(self, e: Book.MemberGranted, position: int) -> list[Change]:
        return self._inbox(inbox.member_granted, e, position)

    @inbox_changes_for.register(Book.MemberRevoked)
    def _(self, e: Book.MemberRevoked, position: int) -> list[Change]:
        return self._inbox(inbox.member_revoked, e, position)

    @inbox_changes_for.register(Book.OutlineChanged)
    def _(self, e: Book.OutlineChanged, position: int) -> list[Change]:
        return self._inbox(inbox.outline_changed, e, position)

    @inbox_changes_for.register(Book.Forked)
    def _(self, e: Book.Forked, position: int) -> list[Change]:
        return self._inbox(inbox.forked, e, position)

    @inbox_changes_for.register(Watchlist.Started)
    def _(self, e: Watchlist.Started, position: int) -> list[Change]:
        return self._inbox(inbox.watchlist_started, e, position)

    @inbox_changes_for.register(Watchlist.Watched)
    def _(self, e: Watchlist.Watched, position: int) -> list[Change]:
        return self._inbox(inbox.watched, e, position)

    @inbox_changes_for.register(Watchlist.Unwatched)
    def _(self, e: Watchlist.Unwatched, position: int) -> list[Change]:
        return self._inbox(inbox.unwatched, e, position)

    @inbox_changes_for.register(Watchlist.InboxRead)
    def _(self, e: Watchlist.InboxRead, position: int) -> list[Change]:
        return self._inbox(inbox.inbox_read, e, position)

    @inbox_changes_for.register(Watchlist.FeedKeyRotated)
    def _(self, e: Watchlist.FeedKeyRotated, position: int) -> list[Change]:
        return self._inbox(inbox.feed_key_rotated, e, position)

    @inbox_changes_for.register(Proposal.Opened)
    def _(self, e: Proposal.Opened, position: int) -> list[Change]:
        return self._inbox(inbox.opened, e, position)

    @inbox_changes_for.register(Proposal.Commented)
    def _(self, e: Proposal.Commented, position: int) -> list[Change]:
        return self._inbox(inbox.commented, e, position)

    @inbox_changes_for.register(Proposal.ChangesRequested)
    def _(self, e: Proposal.ChangesRequested, position: int) -> list[Change]:
        return self._inbox(inbox.changes_requested, e, position)

    @inbox_changes_for.register(Proposal.Approved)
    def _(self, e: Proposal.Approved, position: int) -> list[Change]:
        return self._inbox(inbox.approved, e, position)

    @inbox_changes_for.register(Proposal.Rejected)
    def _(self, e: Proposal.Rejected, position: int) -> list[Change]:
        return self._inbox(inbox.rejected, e, position)

    @inbox_changes_for.register(Proposal.Revised)
    def _(self, e: Proposal.Revised, position: int) -> list[Change]:
        return self._inbox(inbox.revised, e, position)

    @inbox_changes_for.register(Proposal.Withdrawn)
    def _(self, e: Proposal.Withdrawn, position: int) -> list[Change]:
        return self._inbox(inbox.withdrawn, e, position)

    @inbox_changes_for.register(Proposal.ReviewRequested)
    def _(self, e: Proposal.ReviewRequested, position: int) -> list[Change]:
        return self._inbox(inbox.review_requested, e, position)

    @inbox_changes_for.register(Section.Created)
    def _(self, e: Section.Created, position: int) -> list[Change]:
        return self._inbox(inbox.section_created, e, position)

    @inbox_changes_for.register(Section.Revised)
    def _(self, e: Section.Revised, position: int) -> list[Change]:
        return self._inbox(inbox.section_revised, e, position)

    @inbox_changes_for.register(Need.Opened)
    def _(self, e: Need.Opened, position: int) -> list[Change]:
        return self._inbox(inbox.need_opened, e, position)

    @inbox_changes_for.register(Need.Taken)
    def _(self, e: Need.Taken, position: int) -> list[Change]:
        return self._inbox(inbox.need_taken, e, position)

    @inbox_changes_for.register(Need.Released)
    def _(self, e: Need.Released, position: int) -> list[Change]:
        return self._inbox(inbox.need_released, e, position)

    @inbox_changes_for.register(Need.Closed)
    def _(self, e: Need.Closed, position: int) -> list[Change]:
        return self._inbox(inbox.need_closed, e, position)
