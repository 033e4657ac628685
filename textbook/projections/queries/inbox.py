"""Questions about a person's inbox, what they watch, and the reviews asked of editors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textbook.domain import ids
from textbook.projections.queries.base import QueriesBase

MAX_PAGE = 200  # items one call returns at most


@dataclass(frozen=True)
class InboxItem:
    """Something that happened that concerns `person` (by name)."""

    id: int  # grows with the events' order; the same after a rebuild
    person: str
    person_id: str
    at: str
    kind: str  # one of textbook.projections.inbox.KINDS
    book_slug: str
    title: str  # a sentence the person reads
    link: str  # a path on the site
    actor: str  # who did it, by name ("" for an anonymous reader)
    unread: bool
    book_title: str = ""  # the book's title now


@dataclass(frozen=True)
class Watched:
    target: str  # "book", "chapter" or "section"
    book_slug: str
    book_title: str
    chapter_id: str
    section_id: str
    at: str

    @property
    def place(self) -> str:
        return self.chapter_id or self.section_id


@dataclass(frozen=True)
class ReviewRequest:
    reviewer: str
    by: str
    at: str
    answered: bool


class InboxQueries(QueriesBase):
    def inbox(self, person: str, before: int | None = None, limit: int = 50) -> list[InboxItem]:
        """`person`'s items, newest first; with `before`, only those older than that item."""
        user_id = str(ids.user_id(person))
        limit = max(1, min(limit, MAX_PAGE))
        with self.views.read() as sql:
            read = self._read_up_to(sql, user_id)
            names, books = self._names(sql), _book_titles(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_inbox WHERE person = ? AND id < ? ORDER BY id DESC LIMIT ?",
                (user_id, before if before is not None else 2**62, limit),
            )
        return [_item(row, names, read, books) for row in rows]

    def unread_count(self, person: str) -> int:
        user_id = str(ids.user_id(person))
        with self.views.read() as sql:
            read = self._read_up_to(sql, user_id)
            row = sql.one(
                "SELECT COUNT(*) AS n FROM {s}.tb_inbox WHERE person = ? AND id > ?",
                (user_id, read),
            )
        return 0 if row is None else int(row["n"])

    def inbox_after(self, row_id: int, limit: int = 100) -> list[InboxItem]:
        """Everyone's items after the item `row_id` (0: from the first), in id order: for a
        worker that follows the inbox (the mailer), remembering the last id it handled."""
        limit = max(1, min(limit, MAX_PAGE))
        with self.views.read() as sql:
            names, books = self._names(sql), _book_titles(sql)
            reads = {
                row["user_id"]: int(row["read_up_to"])
                for row in sql.all("SELECT user_id, read_up_to FROM {s}.tb_inbox_people")
            }
            rows = sql.all(
                "SELECT * FROM {s}.tb_inbox WHERE id > ? ORDER BY id LIMIT ?", (row_id, limit)
            )
        return [_item(row, names, reads.get(row["person"], 0), books) for row in rows]

    def inbox_read_up_to(self, person: str) -> int:
        with self.views.read() as sql:
            return self._read_up_to(sql, str(ids.user_id(person)))

    def inbox_since(self, person: str) -> str | None:
        """When the person's feed, as its current link shows it, began: their registration,
        or the last time they asked for a new link (None for nobody registered)."""
        with self.views.read() as sql:
            row = sql.one(
                "SELECT since, feed_at FROM {s}.tb_inbox_people WHERE user_id = ?",
                (str(ids.user_id(person)),),
            )
        if row is None:
            return None
        times = [time for time in (row["since"], row["feed_at"]) if time]
        return max(times) if times else None

    def feed_generation(self, person: str) -> int:
        """Which key of the person's private feed is current (0 until first rotated)."""
        with self.views.read() as sql:
            row = sql.one(
                "SELECT feed_generation FROM {s}.tb_inbox_people WHERE user_id = ?",
                (str(ids.user_id(person)),),
            )
        return 0 if row is None else int(row["feed_generation"])

    def is_watching(self, person: str, target: str, book_slug: str, place: str = "") -> bool:
        """Whether the person watches the book (place ""), the chapter or the section `place`."""
        chapter_id = place if target == "chapter" else ""
        section_id = place if target == "section" else ""
        with self.views.read() as sql:
            row = sql.one(
                "SELECT 1 AS found FROM {s}.tb_inbox_watches WHERE user_id = ? AND target = ?"
                " AND book_slug = ? AND chapter_id = ? AND section_id = ?",
                (str(ids.user_id(person)), target, book_slug, chapter_id, section_id),
            )
        return row is not None

    def watching(self, person: str) -> list[Watched]:
        """What the person watches, by book, then books before chapters before sections."""
        with self.views.read() as sql:
            rows = sql.all(
                "SELECT w.*, b.title AS book_title FROM {s}.tb_inbox_watches w"
                " LEFT JOIN {s}.tb_inbox_books b ON b.slug = w.book_slug WHERE w.user_id = ?",
                (str(ids.user_id(person)),),
            )
        order = {"book": 0, "chapter": 1, "section": 2}
        rows.sort(key=lambda r: (r["book_slug"], order.get(r["target"], 3), r["chapter_id"],
                                 r["section_id"]))  # fmt: skip
        return [
            Watched(r["target"], r["book_slug"], r["book_title"] or r["book_slug"],
                    r["chapter_id"], r["section_id"], r["at"])
            for r in rows
        ]  # fmt: skip

    def review_requests(self, proposal_id: str) -> list[ReviewRequest]:
        """The reviews asked on a proposal, oldest first."""
        with self.views.read() as sql:
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_review_requests WHERE proposal_id = ? ORDER BY at",
                (proposal_id,),
            )
        return [
            ReviewRequest(
                names.get(r["reviewer"], r["reviewer"]), names.get(r["by_user"], r["by_user"]),
                r["at"], bool(r["answered"]),
            )
            for r in rows
        ]  # fmt: skip

    def asked_of(self, person: str, book_slug: str) -> set[str]:
        """The ids of the book's proposals whose review was asked of `person`, unanswered."""
        with self.views.read() as sql:
            rows = sql.all(
                "SELECT r.proposal_id FROM {s}.tb_review_requests r JOIN {s}.tb_inbox_proposals p"
                " ON p.proposal_id = r.proposal_id WHERE r.reviewer = ? AND p.book_slug = ?"
                " AND r.answered = 0",
                (str(ids.user_id(person)), book_slug),
            )
        return {row["proposal_id"] for row in rows}

    @staticmethod
    def _read_up_to(sql: Any, user_id: str) -> int:
        row = sql.one("SELECT read_up_to FROM {s}.tb_inbox_people WHERE user_id = ?", (user_id,))
        return 0 if row is None else int(row["read_up_to"])


def _book_titles(sql: Any) -> dict[str, str]:
    rows = sql.all("SELECT slug, title FROM {s}.tb_inbox_books")
    return {row["slug"]: row["title"] or row["slug"] for row in rows}


def _item(
    row: dict[str, Any], names: dict[str, str], read_up_to: int, books: dict[str, str]
) -> InboxItem:
    return InboxItem(
        id=int(row["id"]),
        person=names.get(row["person"], row["person"]),
        person_id=row["person"],
        at=row["at"],
        kind=row["kind"],
        book_slug=row["book_slug"],
        title=row["title"],
        link=row["link"],
        actor=names.get(row["actor"], row["actor"]),
        unread=int(row["id"]) > read_up_to,
        book_title=books.get(row["book_slug"], row["book_slug"]),
    )
