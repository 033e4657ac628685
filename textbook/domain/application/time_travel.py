"""The book now, or as it was at any past moment: aggregates replayed up to that moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from textbook.domain import ids
from textbook.domain.application.base import Base
from textbook.domain.book import Book
from textbook.domain.errors import BookDidNotExist, BookNotFound
from textbook.domain.metadata import filled
from textbook.domain.section import Section
from textbook.domain.state import BookState, ChapterState, ImageRef, SectionState

A = TypeVar("A", bound=Aggregate)


class TimeTravel(Base):
    def book_state(self, slug: str, as_of: datetime | None = None) -> BookState:
        book = self._at(Book, ids.book_id(slug), as_of)
        if book is None:
            if as_of is not None and self._exists(ids.book_id(slug)):
                raise BookDidNotExist(slug, as_of.isoformat())
            raise BookNotFound(slug)
        chapters = []
        for chapter in book.outline:
            sections = []
            for section_id in chapter.sections:
                section = self._at(Section, ids.section_id(slug, section_id), as_of)
                if section is not None:
                    sections.append(SectionState(section_id, section.text, section.revision))
            chapters.append(ChapterState(chapter.id, chapter.file, tuple(sections)))
        return BookState(
            slug=slug,
            metadata=filled(book.metadata),
            metadata_yaml=book.metadata_yaml,
            chapters=tuple(chapters),
            images=tuple(ImageRef(name, **info) for name, info in sorted(book.images.items())),
            bibliography=book.bibliography,
            as_of=as_of,
        )

    def _at(self, cls: type[A], aggregate_id: UUID, as_of: datetime | None) -> A | None:
        """The aggregate as it was at `as_of` (now if None), or None if it did not exist yet."""
        if as_of is None:
            try:
                return self._get(cls, aggregate_id)
            except AggregateNotFoundError:
                return None
        version = None
        for domain_event in self.events.get(aggregate_id):
            if cast(Aggregate.Event, domain_event).timestamp > as_of:
                break
            version = domain_event.originator_version
        return None if version is None else self._get(cls, aggregate_id, version)

    def history(self, aggregate_id: UUID) -> Iterator[Any]:
        return iter(self.events.get(aggregate_id))
