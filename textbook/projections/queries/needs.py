"""Questions about needs: a book's task board, a section's open needs, a proposal's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from textbook.domain.errors import NeedNotFound
from textbook.domain.need import TAKE_HOLDS, take_holds
from textbook.domain.vocabulary import NeedKind
from textbook.projections.community import OpenNeeds, open_needs
from textbook.projections.queries.base import QueriesBase
from textbook.storage import Sql

NEED_STATES = ("free", "taken")


@dataclass(frozen=True)
class NeedView:
    id: UUID
    book_slug: str
    chapter_id: str
    chapter_title: str
    section_id: str | None  # None: the need is the whole chapter's
    section_title: str
    kind: NeedKind
    reason: str
    opened_by: str | None  # None: an anonymous reader
    quote: str
    opened_at: datetime
    holder: str | None  # who is on it now (their take has not lapsed)
    taken_until: datetime | None  # when the holder's take lapses, unless a proposal answers
    is_open: bool
    closed_by: str | None
    close_reason: str | None
    closed_proposal: UUID | None
    closed_at: datetime | None
    answers: tuple[UUID, ...]  # the proposals that say they answer it

    @property
    def target(self) -> str:
        """The section it is on, or the chapter's intro for a whole chapter's need."""
        return self.section_id or self.chapter_id

    def age_days(self, now: datetime) -> int:
        return max((now - self.opened_at).days, 0)


@dataclass(frozen=True)
class NewNeed:
    """A need as it was opened, for a feed: never the reporter's email (not kept here)."""

    id: UUID
    kind: NeedKind
    chapter_id: str
    section_id: str | None  # None: the whole chapter's
    place: str  # the title of the section (or of the chapter)
    reason: str
    opened_by: str | None  # None: an anonymous reader
    at: str  # when it was opened, ISO 8601


class NeedQueries(QueriesBase):
    def needs(
        self,
        slug: str,
        kind: str | None = None,
        chapter: str | None = None,
        state: str | None = None,
        older_than_days: int | None = None,
        section: str | None = None,
        include_closed: bool = False,
        now: datetime | None = None,
    ) -> list[NeedView]:
        """A book's open needs (oldest first), filtered by kind, chapter, section, state
        ("free" or "taken") and age (opened at least `older_than_days` days ago)."""
        now = now or datetime.now(UTC)
        where, args = ["n.book_slug = ?"], [slug]
        if not include_closed:
            where.append("n.is_open = 1")
        for column, value in (("kind", kind), ("chapter_id", chapter), ("section_id", section)):
            if value:
                where.append(f"n.{column} = ?")
                args.append(value)
        if older_than_days is not None:
            where.append("n.opened_at <= ?")
            args.append((now - timedelta(days=older_than_days)).isoformat())
        with self.views.read() as sql:
            self._book_row(sql, slug)
            rows = sql.all(
                "SELECT * FROM {s}.tb_needs n WHERE "
                + " AND ".join(where)
                + " ORDER BY n.opened_at, n.need_id",
                tuple(args),
            )
            found = self._need_views(sql, rows, now)
        if state == "free":
            return [need for need in found if need.holder is None]
        if state == "taken":
            return [need for need in found if need.holder is not None]
        return found

    def need(self, need_id: UUID, now: datetime | None = None) -> NeedView:
        with self.views.read() as sql:
            row = sql.one("SELECT * FROM {s}.tb_needs WHERE need_id = ?", (str(need_id),))
            if row is None:
                raise NeedNotFound(str(need_id))
            return self._need_views(sql, [row], now or datetime.now(UTC))[0]

    def open_need_count(self, slug: str) -> int:
        with self.views.read() as sql:
            row = sql.one(
                "SELECT COUNT(*) AS n FROM {s}.tb_needs WHERE book_slug = ? AND is_open = 1",
                (slug,),
            )
        return int(row["n"]) if row else 0

    def new_needs(self, slug: str, limit: int) -> list[NewNeed]:
        """The book's needs as they were opened (open or closed since), the newest first."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            rows = sql.all(
                "SELECT n.need_id, n.kind, n.chapter_id, n.section_id, n.reason, n.opened_by,"
                " n.opened_at, s.title FROM {s}.tb_needs n LEFT JOIN {s}.tb_sections s"
                " ON s.book_slug = n.book_slug AND s.removed = 0"
                " AND s.section_id = COALESCE(n.section_id, n.chapter_id)"
                " WHERE n.book_slug = ? ORDER BY n.opened_at DESC, n.need_id LIMIT ?",
                (slug, limit),
            )
        return [
            NewNeed(
                id=UUID(r["need_id"]),
                kind=NeedKind(r["kind"]),
                chapter_id=r["chapter_id"],
                section_id=r["section_id"],
                place=r["title"] or r["section_id"] or r["chapter_id"],
                reason=r["reason"],
                opened_by=r["opened_by"],
                at=r["opened_at"],
            )
            for r in rows
        ]

    def open_needs(self, slug: str, now: datetime) -> OpenNeeds:
        """The figures of the book's needs open at `now` (an aware datetime): by kind and by
        age, free or taken."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            rows = sql.all(
                "SELECT n.kind, n.opened_at, n.closed_at, n.taker, n.taken_at,"
                " (SELECT COUNT(*) FROM {s}.tb_need_answers a WHERE a.need_id = n.need_id"
                " AND a.is_open = 1 AND LOWER(a.author) = LOWER(n.taker)) AS answers"
                " FROM {s}.tb_needs n WHERE n.book_slug = ?",
                (slug,),
            )
        found = []
        for row in rows:
            opened_at, closed_at = _time(row["opened_at"]), _time(row["closed_at"])
            if opened_at is None or opened_at > now or (closed_at and closed_at <= now):
                continue
            taken_at = _time(row["taken_at"])
            if taken_at is not None and taken_at > now:
                taken_at = None  # taken after `now`: free at `now`
            taken = take_holds(taken_at, now, int(row["answers"]) > 0)
            found.append((str(row["kind"]), opened_at, taken))
        return open_needs(found, now)

    def needs_of_proposal(self, proposal_id: UUID, now: datetime | None = None) -> list[NeedView]:
        """The needs a proposal says it answers (open or closed)."""
        with self.views.read() as sql:
            rows = sql.all(
                "SELECT n.* FROM {s}.tb_needs n JOIN {s}.tb_need_answers a"
                " ON a.need_id = n.need_id WHERE a.proposal_id = ? ORDER BY n.opened_at",
                (str(proposal_id),),
            )
            return self._need_views(sql, rows, now or datetime.now(UTC))

    def _need_views(self, sql: Sql, rows: list[dict[str, Any]], now: datetime) -> list[NeedView]:
        """The views of the needs in `rows`, with two look-ups per book (the answers to its
        needs, the titles of its sections), never a look-up per need."""
        answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        titles: dict[tuple[str, str], str] = {}
        for slug in {row["book_slug"] for row in rows}:
            for answer in sql.all(
                "SELECT a.need_id, a.proposal_id, a.author, a.is_open"
                " FROM {s}.tb_need_answers a JOIN {s}.tb_needs n ON n.need_id = a.need_id"
                " WHERE n.book_slug = ?",
                (slug,),
            ):
                answers[answer["need_id"]].append(answer)
            for section in sql.all(
                "SELECT section_id, title FROM {s}.tb_sections WHERE book_slug = ? AND removed = 0",
                (slug,),
            ):
                if section["title"]:
                    titles[(slug, section["section_id"])] = str(section["title"])
        return [_need_view(row, answers[row["need_id"]], titles, now) for row in rows]


def _need_view(
    row: dict[str, Any],
    answers: list[dict[str, Any]],
    titles: dict[tuple[str, str], str],
    now: datetime,
) -> NeedView:
    slug = row["book_slug"]
    taker, taken_at = row["taker"], _time(row["taken_at"])
    answered = any(
        a["is_open"] and taker is not None and a["author"].lower() == taker.lower() for a in answers
    )
    holds = bool(row["is_open"]) and take_holds(taken_at, now, answered)
    section = row["section_id"] or row["chapter_id"]
    return NeedView(
        id=UUID(row["need_id"]),
        book_slug=slug,
        chapter_id=row["chapter_id"],
        chapter_title=titles.get((slug, row["chapter_id"]), row["chapter_id"]),
        section_id=row["section_id"],
        section_title=titles.get((slug, section), section),
        kind=NeedKind(row["kind"]),
        reason=row["reason"],
        opened_by=row["opened_by"],
        quote=row["quote"],
        opened_at=_time(row["opened_at"]) or now,
        holder=taker if holds else None,
        taken_until=(taken_at + TAKE_HOLDS) if holds and taken_at else None,
        is_open=bool(row["is_open"]),
        closed_by=row["closed_by"],
        close_reason=row["close_reason"],
        closed_proposal=UUID(row["closed_proposal"]) if row["closed_proposal"] else None,
        closed_at=_time(row["closed_at"]),
        answers=tuple(UUID(a["proposal_id"]) for a in answers),
    )


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
