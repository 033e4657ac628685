"""Watching: what a person follows (books, chapters, sections), how far they read their inbox,
their private feed's key, and asking an editor to review a proposal."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from textbook.domain.application.base import Base
from textbook.domain.errors import BookDeleted, InvalidInput, SectionNotFound
from textbook.domain.user import User
from textbook.domain.watchlist import Watchlist, WatchTarget, checked_target

MAX_PLACE = 200  # a chapter's or section's id is far shorter


class Watching(Base):
    # A command that loses a race with another writer of the same watchlist or proposal decides
    # again on what that one saved (Base._retrying): watching twice at once is one Watched.

    def watch(self, name: str, target: str, book_slug: str, place: str = "") -> None:
        """`name` watches a book, or a chapter or section (`place`) of it, which must exist."""
        self._retrying(lambda: self._watch(name, target, book_slug, place))

    def _watch(self, name: str, target: str, book_slug: str, place: str) -> None:
        kind = checked_target(target)
        chapter_id, section_id = self._watched_place(kind, place)
        book = self.book(book_slug)
        if book.is_deleted:
            raise BookDeleted(book_slug)
        if kind is WatchTarget.CHAPTER and not book.outline.has_chapter(chapter_id):
            raise SectionNotFound(book_slug, chapter_id)
        if kind is WatchTarget.SECTION and not book.has_section(section_id):
            raise SectionNotFound(book_slug, section_id)
        watchlist = self._watchlist(self.user(name))
        watchlist.watch(kind, book.slug, chapter_id, section_id)
        self._save(watchlist)

    def unwatch(self, name: str, target: str, book_slug: str, place: str = "") -> None:
        """`name` stops watching it (even if it is gone since); not watching it changes nothing."""
        self._retrying(lambda: self._unwatch(name, target, book_slug, place))

    def _unwatch(self, name: str, target: str, book_slug: str, place: str) -> None:
        kind = checked_target(target)
        chapter_id, section_id = self._watched_place(kind, place)
        watchlist = self._watchlist(self.user(name))
        watchlist.unwatch(kind, book_slug, chapter_id, section_id)
        self._save(watchlist)

    def is_watching(self, name: str, target: str, book_slug: str, place: str = "") -> bool:
        kind = checked_target(target)
        chapter_id, section_id = self._watched_place(kind, place)
        return self._watchlist(self.user(name)).is_watching(kind, book_slug, chapter_id, section_id)

    def mark_inbox_read(self, name: str, up_to: int) -> None:
        """`name` has read their inbox up to the item `up_to` (an item's id)."""
        self._retrying(lambda: self._mark_inbox_read(name, up_to))

    def _mark_inbox_read(self, name: str, up_to: int) -> None:
        watchlist = self._watchlist(self.user(name))
        watchlist.mark_read(up_to)
        self._save(watchlist)

    def rotate_feed_key(self, name: str) -> int:
        """A new key for `name`'s private feed (the links given before stop working)."""
        watchlist = self._watchlist(self.user(name))
        watchlist.rotate_feed_key()
        self._save(watchlist)
        return int(watchlist.feed_generation)

    def feed_generation(self, name: str) -> int:
        """Which key of `name`'s private feed is current (0 until it is first rotated)."""
        return int(self._watchlist(self.user(name)).feed_generation)

    def request_review(self, proposal_id: UUID, reviewer: str, by: str) -> None:
        """`by` (the proposal's author or an editor of its book) asks the editor `reviewer`."""
        self._retrying(lambda: self._request_review(proposal_id, reviewer, by))

    def _request_review(self, proposal_id: UUID, reviewer: str, by: str) -> None:
        proposal, asking = self._proposal(proposal_id), self.user(by)
        asked = self.user(reviewer.strip())
        book = self.book(proposal.book_slug)
        proposal.request_review(asking.id, asked.id, asked.name, asking.name, book)
        self._save(proposal)

    def may_request_review(self, proposal_id: UUID, user_name: str) -> bool:
        """Whether the person may ask an editor to review the proposal (the form shows)."""
        proposal = self._proposal(proposal_id)
        return proposal.may_ask_review(self.user(user_name).id, self.book(proposal.book_slug))

    def _watchlist(self, user: User) -> Watchlist:
        try:
            return self._get(Watchlist, Watchlist.create_id(user.name))
        except AggregateNotFoundError:
            return Watchlist(person=user.id, name=user.name)

    @staticmethod
    def _watched_place(kind: WatchTarget, place: str) -> tuple[str, str]:
        """(chapter id, section id) of what is watched in a book."""
        place = place.strip()
        if len(place) > MAX_PLACE or "\x00" in place:
            raise InvalidInput("That is not the id of a chapter or a section.")
        if kind is WatchTarget.BOOK:
            return "", ""
        if not place:
            raise InvalidInput(f"Say which {kind.value} to watch.")
        return (place, "") if kind is WatchTarget.CHAPTER else ("", place)
