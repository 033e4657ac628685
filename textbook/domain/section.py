"""The Section aggregate: the approved text of one section, revision by revision."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from textbook.domain import ids


class Section(Aggregate):
    """Only approved text ever reaches a section: each revision names its author and approver."""

    class Created(Aggregate.Created):
        book_slug: str
        section_id: str
        text: str
        by: UUID
        approved_by: UUID
        proposal_id: UUID | None
        message: str

    class Revised(Aggregate.Event):
        text: str
        revision: int
        by: UUID
        approved_by: UUID
        proposal_id: UUID | None
        message: str

    class Removed(Aggregate.Event):
        by: UUID
        approved_by: UUID
        proposal_id: UUID | None
        message: str

    @staticmethod
    def create_id(book_slug: str, section_id: str) -> UUID:
        return ids.section_id(book_slug, section_id)

    @event(Created)
    def __init__(
        self,
        book_slug: str,
        section_id: str,
        text: str,
        by: UUID,
        approved_by: UUID,
        proposal_id: UUID | None,
        message: str,
    ) -> None:
        self.book_slug = book_slug
        self.section_id = section_id
        self.text = text
        self.revision = 1
        self.removed = False

    def next_revision(self, text: str) -> int:
        """The revision `text` would be published as: the next one, unless it changes nothing."""
        return self.revision + 1 if text != self.text or self.removed else self.revision

    def revise(
        self, text: str, by: UUID, approved_by: UUID, proposal_id: UUID | None, message: str
    ) -> None:
        revision = self.next_revision(text)
        if revision != self.revision:
            self._revise(
                text=text,
                revision=revision,
                by=by,
                approved_by=approved_by,
                proposal_id=proposal_id,
                message=message,
            )

    @event(Revised)
    def _revise(
        self,
        text: str,
        revision: int,
        by: UUID,
        approved_by: UUID,
        proposal_id: UUID | None,
        message: str,
    ) -> None:
        self.text = text
        self.revision = revision
        self.removed = False

    def remove(self, by: UUID, approved_by: UUID, proposal_id: UUID | None, message: str) -> None:
        if not self.removed:
            self._remove(by=by, approved_by=approved_by, proposal_id=proposal_id, message=message)

    @event(Removed)
    def _remove(self, by: UUID, approved_by: UUID, proposal_id: UUID | None, message: str) -> None:
        self.removed = True
