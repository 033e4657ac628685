"""Needs: what a book's sections and chapters need, marked by its authors and editors, found
at import, or reported by readers; taken, released and closed. The Need decides."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from textbook.domain.application.base import Base
from textbook.domain.book import may_mark_needs
from textbook.domain.errors import InvalidInput, LinkRefused
from textbook.domain.need import Need
from textbook.domain.proposal import Proposal
from textbook.domain.user import checked_email
from textbook.domain.vocabulary import NeedKind


def utc_now() -> datetime:
    return datetime.now(UTC)


class Needs(Base):
    # The time the rules of takes are judged at; tests give another clock.
    clock: Callable[[], datetime] = staticmethod(utc_now)

    def mark_need(
        self,
        slug: str,
        section_id: str | None,
        kind: str,
        reason: str,
        by: str,
        chapter_id: str | None = None,
    ) -> UUID:
        """An author or editor of the book marks what a section (or, with `section_id` None,
        the chapter `chapter_id`) needs, saying why."""
        book, user = self.book(slug), self.user(by)
        book.check_may_mark_need(user.id, by)
        need = Need.open(book, section_id, chapter_id, kind, reason, by=user.name)
        self._save(need)
        return need.id

    def report_error(
        self,
        slug: str,
        section_id: str,
        quote: str,
        reason: str,
        email: str = "",
        by: str | None = None,
    ) -> UUID:
        """A reader (signed in or not) reports an error in a paragraph of a section: a need of
        kind `error` with the quoted paragraph; `email`, if given, hears when it is fixed."""
        book = self.book(slug)
        book.check_not_archived()
        reporter_email = checked_email(email) if email.strip() else None
        if not quote.strip():
            raise InvalidInput("Quote the paragraph the error is in.")
        need = Need.open(
            book,
            section_id,
            None,
            NeedKind.ERROR,
            reason,
            by=by,
            quote=quote,
            reporter_email=reporter_email,
        )
        self._save(need)
        return need.id

    # Two people acting on one need at the same instant: the one who saves second decides
    # again on what the first saved (and hears "bob is on it", or "closed already").

    def take_need(self, need_id: UUID, by: str) -> None:
        """`by` (anyone signed in) is on the need: "I'm on it"."""
        self._retrying(lambda: self._take_need(need_id, by))

    def _take_need(self, need_id: UUID, by: str) -> None:
        need, user = self._need(need_id), self.user(by)
        # An archived book takes no proposals: nobody can be on its needs (releasing stays).
        self.book(need.book_slug).check_not_archived()
        need.take(user.name, self.clock(), self._answered(need))
        self._save(need)

    def release_need(self, need_id: UUID, by: str) -> None:
        self._retrying(lambda: self._release_need(need_id, by))

    def _release_need(self, need_id: UUID, by: str) -> None:
        need, user = self._need(need_id), self.user(by)
        book = self.book(need.book_slug)
        need.release(user.name, user.id, book, self.clock(), self._answered(need))
        self._save(need)

    def close_need(self, need_id: UUID, reason: str, by: str) -> None:
        self._retrying(lambda: self._close_need(need_id, reason, by))

    def _close_need(self, need_id: UUID, reason: str, by: str) -> None:
        need, user = self._need(need_id), self.user(by)
        need.close(user.name, user.id, self.book(need.book_slug), reason)
        self._save(need)

    def confirm_report(self, need_id: UUID) -> None:
        """The reader who reported the need confirms their address (a mailed link): they
        hear when it is fixed."""
        need = self._reported(need_id)
        need.confirm_reporter()
        if need.pending_events:
            self._save(need)

    def reported_need(self, need_id: UUID) -> Need:
        """The need a reporter's mailed link names (LinkRefused if none, or no address)."""
        need = self._reported(need_id)
        if need.reporter_email is None:
            raise LinkRefused("This report left no address to confirm.")
        return need

    def _reported(self, need_id: UUID) -> Need:
        try:
            return self._get(Need, need_id)
        except AggregateNotFoundError:
            raise LinkRefused("This link names no report here.") from None

    def need_holder(self, need_id: UUID) -> str | None:
        """Who is on the need now (their take has not lapsed), or None."""
        need = self._need(need_id)
        return need.holder(self.clock(), self._answered(need))

    def may_take_needs(self, slug: str) -> bool:
        """Whether the book's needs may be taken (it is not archived): the buttons show."""
        return not self.book(slug).is_archived

    def may_close_need(self, slug: str, user_name: str) -> bool:
        """Whether the person closes needs of the book (and releases others' takes)."""
        return self.book(slug).may_review(self.user(user_name).id)

    def may_mark_need(self, slug: str, user_name: str) -> bool:
        """Whether the person marks needs in the book (an author or editor of it)."""
        book = self.book(slug)
        return may_mark_needs(book.role_of(self.user(user_name).id), book.is_archived)

    def _answered(self, need: Need) -> bool:
        """Whether a proposal of the taker that answers the need is open: the take holds."""
        if need.taker is None:
            return False
        for proposal_id in need.answers:
            try:
                proposal = self._get(Proposal, proposal_id)
            except AggregateNotFoundError:
                continue
            author: Any = self.repository.get(proposal.author)
            if proposal.is_open and getattr(author, "name", "").lower() == need.taker.lower():
                return True
        return False
