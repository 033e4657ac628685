"""The Watchlist aggregate: what one person watches (books, chapters, sections), how far they
have read their inbox, and the key of their private feed."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from textbook.domain import ids
from textbook.domain.errors import InvalidInput, TooManyWatched

MAX_WATCHED = 200  # enough to follow several books closely, bounded for every inbox's sake


class WatchTarget(StrEnum):
    BOOK = "book"
    CHAPTER = "chapter"
    SECTION = "section"


def checked_target(target: str) -> WatchTarget:
    try:
        return WatchTarget(target)
    except ValueError:
        raise InvalidInput(
            f"'{target[:40]}' cannot be watched; watch one of {', '.join(WatchTarget)}."
        ) from None


def watch_key(target: str, book_slug: str, chapter_id: str, section_id: str) -> str:
    """One watched thing, as a string: `section:algebra/intro`."""
    place = {"book": "", "chapter": chapter_id, "section": section_id}[target]
    return f"{target}:{book_slug}/{place}" if place else f"{target}:{book_slug}"


class Watchlist(Aggregate):
    class Started(Aggregate.Created):
        person: UUID
        name: str

    class Watched(Aggregate.Event):
        target: str  # "book", "chapter" or "section"
        book_slug: str
        chapter_id: str  # "" for a book or a section
        section_id: str  # "" for a book or a chapter

    class Unwatched(Aggregate.Event):
        target: str
        book_slug: str
        chapter_id: str
        section_id: str

    class InboxRead(Aggregate.Event):
        """The person marked their inbox read, up to the item with this id (its position)."""

        up_to: int

    class FeedKeyRotated(Aggregate.Event):
        """The private feed's links made so far stop working; a new one is given."""

        generation: int

    @staticmethod
    def create_id(name: str) -> UUID:
        return ids.watchlist_id(name)

    @event(Started)
    def __init__(self, person: UUID, name: str) -> None:
        self.person = person
        self.name = name
        self.watched: list[str] = []
        self.read_up_to = 0
        self.feed_generation = 0

    def is_watching(self, target: str, book_slug: str, chapter_id: str, section_id: str) -> bool:
        return watch_key(target, book_slug, chapter_id, section_id) in self.watched

    def watch(self, target: WatchTarget, book_slug: str, chapter_id: str, section_id: str) -> None:
        """Watch a thing (whose existence the caller checked); watching it again changes nothing."""
        if self.is_watching(target, book_slug, chapter_id, section_id):
            return
        if len(self.watched) >= MAX_WATCHED:
            raise TooManyWatched(MAX_WATCHED)
        self._watch(
            target=target.value, book_slug=book_slug, chapter_id=chapter_id, section_id=section_id
        )

    @event(Watched)
    def _watch(self, target: str, book_slug: str, chapter_id: str, section_id: str) -> None:
        self.watched.append(watch_key(target, book_slug, chapter_id, section_id))

    def unwatch(
        self, target: WatchTarget, book_slug: str, chapter_id: str, section_id: str
    ) -> None:
        if self.is_watching(target, book_slug, chapter_id, section_id):
            self._unwatch(
                target=target.value,
                book_slug=book_slug,
                chapter_id=chapter_id,
                section_id=section_id,
            )

    @event(Unwatched)
    def _unwatch(self, target: str, book_slug: str, chapter_id: str, section_id: str) -> None:
        self.watched.remove(watch_key(target, book_slug, chapter_id, section_id))

    def mark_read(self, up_to: int) -> None:
        """Read up to the item `up_to`; never back (an older page sent again changes nothing)."""
        if up_to < 0:
            raise InvalidInput("The inbox position must be a whole number, 0 or more.")
        if up_to > self.read_up_to:
            self._mark_read(up_to=up_to)

    @event(InboxRead)
    def _mark_read(self, up_to: int) -> None:
        self.read_up_to = up_to

    def rotate_feed_key(self) -> None:
        self._rotate(generation=self.feed_generation + 1)

    @event(FeedKeyRotated)
    def _rotate(self, generation: int) -> None:
        self.feed_generation = generation
