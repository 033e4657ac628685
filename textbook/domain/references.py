"""Which ids each section defines and links to, kept up to date by following the events.

Checking a text (is the id it links to in the book?) and an approval (does another section link
to an id it removes?) need every section of the book. Loading each section's aggregate took
almost a second a proposal on a 50-chapter book; this index reads each section event once, in
the order of the notification log, and then only the events recorded since.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.utils import get_topic

from textbook.domain.checks import Refs, refs_of
from textbook.domain.section import Section

if TYPE_CHECKING:
    from eventsourcing.application import Application

TOPICS = (get_topic(Section.Created), get_topic(Section.Revised))
BATCH = 500


class ReferenceIndex:
    """The refs of the latest text of every section ever created, by book; one per process."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app
        self._position = 0
        self._sections: dict[UUID, tuple[str, str, Refs]] = {}
        self._lock = threading.Lock()

    def of_book(self, slug: str) -> dict[str, Refs]:
        """Section id to refs, for every section the book has had (callers keep the live ones)."""
        with self._lock:
            self._follow()
            return {
                section_id: refs
                for book_slug, section_id, refs in self._sections.values()
                if book_slug == slug
            }

    def _follow(self) -> None:
        while True:
            batch = self._app.recorder.select_notifications(
                start=self._position, limit=BATCH, topics=TOPICS, inclusive_of_start=False
            )
            for notification in batch:
                event = self._app.mapper.to_domain_event(notification)
                if isinstance(event, Section.Created):
                    self._sections[event.originator_id] = (
                        event.book_slug,
                        event.section_id,
                        refs_of(event.text),
                    )
                elif isinstance(event, Section.Revised) and event.originator_id in self._sections:
                    slug, section_id, _ = self._sections[event.originator_id]
                    self._sections[event.originator_id] = (slug, section_id, refs_of(event.text))
            if batch:
                self._position = batch[-1].id
            if len(batch) < BATCH:
                return
