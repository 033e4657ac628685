"""The Need aggregate: work a section or chapter needs (a figure, a fact check, a reader's
report of an error...), who is on it, and how it was closed.

A take ("I'm on it") holds for TAKE_HOLDS, or for as long as a proposal of the taker that
answers the need is open; after that the need is free again, without any event: the rule is
computed from time, here, and the read model asks the same function.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from textbook.domain.errors import (
    InvalidInput,
    LinkRefused,
    NeedClosed,
    NeedNotTaken,
    NeedOfAnotherBook,
    NeedTaken,
    NotTheTaker,
    SectionNotFound,
)
from textbook.domain.vocabulary import NeedKind

if TYPE_CHECKING:
    from textbook.domain.book import Book
    from textbook.domain.state import BookState

TAKE_HOLDS = timedelta(days=14)
MAX_REASON = 2000
MAX_QUOTE = 5000


def checked_need_kind(kind: str) -> NeedKind:
    try:
        return NeedKind(kind.replace("-", "_"))
    except ValueError:
        raise InvalidInput(
            f"'{kind}' is not a kind of need; use one of {', '.join(NeedKind)}."
        ) from None


def checked_text(text: str, what: str, limit: int, required: bool) -> str:
    text = text.strip()
    if "\x00" in text:
        raise InvalidInput(f"The {what} contains a NUL character, which is not text.")
    if len(text) > limit:
        raise InvalidInput(f"The {what} has {len(text):,} characters; at most {limit:,}.")
    if required and not text:
        raise InvalidInput(f"Say why: the {what} is empty.")
    return text


def take_holds(taken_at: datetime | None, now: datetime, answered: bool) -> bool:
    """Whether a take made at `taken_at` still holds at `now`: for TAKE_HOLDS, or while a
    proposal of the taker that answers the need is open (`answered`)."""
    if taken_at is None:
        return False
    return answered or now < taken_at + TAKE_HOLDS


class Need(Aggregate):
    """Something a section (or a whole chapter, `section_id` None) of a book needs."""

    class Opened(Aggregate.Created):
        book_id: UUID
        book_slug: str
        chapter_id: str
        section_id: str | None
        kind: str
        reason: str
        by: str | None  # a user's name; None: an anonymous reader
        quote: str  # the reported paragraph's text, or ""
        reporter_email: str | None  # to hear when it is fixed; never shown publicly

    class Taken(Aggregate.Event):
        by: str
        at: datetime

    class Released(Aggregate.Event):
        by: str

    class Answered(Aggregate.Event):
        """A proposal says it answers the need (Proposal.NeedsAnswered records the same)."""

        proposal_id: UUID
        by: str

    class ReporterConfirmed(Aggregate.Event):
        """The reader who left an address followed the mailed link: they want to hear when
        the need is fixed (no other mail goes to an address before this)."""

    class Closed(Aggregate.Event):
        by: str
        reason: str
        proposal_id: UUID | None  # the approved proposal that closed it, if one did

    @event(Opened)
    def __init__(
        self,
        book_id: UUID,
        book_slug: str,
        chapter_id: str,
        section_id: str | None,
        kind: str,
        reason: str,
        by: str | None,
        quote: str,
        reporter_email: str | None,
    ) -> None:
        self.book_id = book_id
        self.book_slug = book_slug
        self.chapter_id = chapter_id
        self.section_id = section_id
        self.kind = NeedKind(kind)
        self.reason = reason
        self.opened_by = by
        self.quote = quote
        self.reporter_email = reporter_email
        self.reporter_confirmed = False
        self.taker: str | None = None
        self.taken_at: datetime | None = None
        self.answers: list[UUID] = []
        self.is_open = True

    @classmethod
    def open(
        cls,
        book: Book,
        section_id: str | None,
        chapter_id: str | None,
        kind: str,
        reason: str,
        by: str | None,
        quote: str = "",
        reporter_email: str | None = None,
    ) -> Need:
        """A new need on a section of `book` (or on a chapter: `section_id` None). Who may
        open it is checked by the caller's rule (`Book.check_may_mark_need`, or a reader's
        report of an error)."""
        said = checked_need_kind(kind)
        if section_id is not None:
            if not book.has_section(section_id):
                raise SectionNotFound(book.slug, section_id)
            chapter_id = book.chapter_of(section_id).id
        elif chapter_id is None or not book.outline.has_chapter(chapter_id):
            raise SectionNotFound(book.slug, chapter_id or "")
        return cls(
            book_id=book.id,
            book_slug=book.slug,
            chapter_id=chapter_id,
            section_id=section_id,
            kind=said,
            reason=checked_text(reason, "reason", MAX_REASON, required=True),
            by=by,
            quote=checked_text(quote, "quoted paragraph", MAX_QUOTE, required=False),
            reporter_email=reporter_email,
        )

    # Who is on it.

    def taken_until(self) -> datetime | None:
        return None if self.taken_at is None else self.taken_at + TAKE_HOLDS

    def holder(self, now: datetime, answered: bool) -> str | None:
        """Who is on the need at `now` (their take has not lapsed), or None: it is free."""
        if self.is_open and take_holds(self.taken_at, now, answered):
            return self.taker
        return None

    def take(self, by: str, now: datetime, answered: bool) -> None:
        """`by` (anyone signed in) is on it, if it is open and nobody else holds it."""
        if not self.is_open:
            raise NeedClosed()
        holder = self.holder(now, answered)
        if holder is not None and holder.lower() != by.lower():
            until = self.taken_until()
            raise NeedTaken(holder, until if until is not None else now)
        self._take(by=by, at=now)

    @event(Taken)
    def _take(self, by: str, at: datetime) -> None:
        self.taker = by
        self.taken_at = at

    def release(self, by: str, by_id: UUID, book: Book, now: datetime, answered: bool) -> None:
        """The taker, or an editor of the book, frees the need."""
        if not self.is_open:
            raise NeedClosed()
        holder = self.holder(now, answered)
        if holder is None:
            raise NeedNotTaken()
        if holder.lower() != by.lower() and not book.may_review(by_id):
            raise NotTheTaker()
        self._release(by=by)

    @event(Released)
    def _release(self, by: str) -> None:
        self.taker = None
        self.taken_at = None

    # The reader who reported it.

    def confirm_reporter(self) -> None:
        """The reporter's address is confirmed (once; again changes nothing)."""
        if self.reporter_email is None:
            raise LinkRefused("This report left no address to confirm.")
        if not self.reporter_confirmed:
            self._confirm_reporter()

    @event(ReporterConfirmed)
    def _confirm_reporter(self) -> None:
        self.reporter_confirmed = True

    # How it ends.

    def check_answerable(self, book_slug: str) -> None:
        if book_slug != self.book_slug:
            raise NeedOfAnotherBook(str(self.id), book_slug)
        if not self.is_open:
            raise NeedClosed()

    def answer(self, proposal_id: UUID, by: str) -> None:
        if proposal_id not in self.answers:
            self._answer(proposal_id=proposal_id, by=by)

    @event(Answered)
    def _answer(self, proposal_id: UUID, by: str) -> None:
        self.answers = [*self.answers, proposal_id]

    def close(self, by: str, by_id: UUID, book: Book, reason: str) -> None:
        """An editor (or maintainer) of the book closes the need, saying why."""
        if not self.is_open:
            raise NeedClosed()
        book.check_may_review(by_id, by)
        self._close(
            by=by,
            reason=checked_text(reason, "reason", MAX_REASON, required=True),
            proposal_id=None,
        )

    def close_answered(self, by: str, proposal_id: UUID, message: str) -> None:
        """Closed by the approval of a proposal that answers it (the approval checked `by`)."""
        if self.is_open:
            self._close(
                by=by,
                reason=message or "Answered by an approved proposal.",
                proposal_id=proposal_id,
            )

    @event(Closed)
    def _close(self, by: str, reason: str, proposal_id: UUID | None) -> None:
        self.is_open = False
        self.closed_by = by
        self.close_reason = reason
        self.closed_by_proposal = proposal_id


MAX_IMPORT_NEEDS = 200  # needs one import opens: the rest stay on the import's own list


def import_needs(
    book: Book, state: BookState, problems: list[dict[str, Any]], by: str
) -> list[Need]:
    """An `import_problem` need on the section each problem is in (by its file and line), for
    each problem the previous import of the book did not find already."""
    known = {(p.get("file"), p.get("line"), p.get("problem")) for p in book.import_problems}
    needs: list[Need] = []
    for problem in problems:
        if (problem["file"], problem["line"], problem["problem"]) in known:
            continue
        section_id = section_at(state, str(problem["file"]), problem["line"])
        if section_id is not None and len(needs) < MAX_IMPORT_NEEDS:
            reason = f"{problem['problem']} (found at import, in {problem['file']}"
            reason += f", line {problem['line']})" if problem["line"] else ")"
            needs.append(
                Need.open(book, section_id, None, NeedKind.IMPORT_PROBLEM, reason[:MAX_REASON], by)
            )
    return needs


def section_at(state: BookState, file: str, line: int | None) -> str | None:
    """The section of the imported chapter file `file` that line `line` is in (the chapter's
    first section without a line), counting lines as the chapter joins its sections."""
    for chapter in state.chapters:
        if chapter.file != file or not chapter.sections:
            continue
        start, found = 1, chapter.sections[0].id
        for section in chapter.sections:
            if line is not None and start <= line:
                found = section.id
            start += section.text.rstrip("\n").count("\n") + 2
        return found
    return None
