"""The Section aggregate: the approved text of one section, revision by revision."""

from __future__ import annotations

from dataclasses import dataclass
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

    class Taken(Aggregate.Event):
        """The text of the section's revision `at_revision` came from a section of another book
        on the platform (a fork, an upstream change taken into it, a remix, a marked copy)."""

        book_slug: str
        section_id: str
        source_book: str
        source_section: str
        source_revision: int
        licence: str  # the source's licence at that moment, an SPDX expression
        at_revision: int
        by: UUID

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

    # Where the text came from, when it came from another book.

    @property
    def source(self) -> Source | None:
        """The latest source the section's text was taken from (None: written here)."""
        taken = self.__dict__.get("_source")  # sections (and snapshots) from before: none
        return None if taken is None else Source(**taken)

    def take(self, source: Source, by: UUID) -> None:
        """Record that the current revision's text came from `source`."""
        if self.source != source or self.__dict__.get("_taken_at") != self.revision:
            self._take(
                book_slug=self.book_slug,
                section_id=self.section_id,
                source_book=source.book,
                source_section=source.section,
                source_revision=source.revision,
                licence=source.licence,
                at_revision=self.revision,
                by=by,
            )

    @event(Taken)
    def _take(
        self,
        book_slug: str,
        section_id: str,
        source_book: str,
        source_section: str,
        source_revision: int,
        licence: str,
        at_revision: int,
        by: UUID,
    ) -> None:
        self._source = {
            "book": source_book,
            "section": source_section,
            "revision": source_revision,
            "licence": licence,
        }
        self._taken_at = at_revision

    @property
    def taken_at(self) -> int | None:
        """The section's own revision that holds the text as it was taken."""
        return self.__dict__.get("_taken_at")


@dataclass(frozen=True)
class Source:
    """A section of another book, at a revision, under the licence it had then."""

    book: str
    section: str
    revision: int
    licence: str
