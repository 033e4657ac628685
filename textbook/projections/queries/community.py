"""Questions about the people of a book and of the site: the book's community figures, its
feed of happenings, and a person's public profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textbook.domain.errors import UserNotFound
from textbook.projections import community
from textbook.projections.community import Community, Waiting
from textbook.projections.queries.books import BookQueries
from textbook.storage import Sql

# The thread's steps that are reviews (verdicts), and those that decide for good.
REVIEWS = ("approved", "rejected", "changes_requested")
DECISIONS = ("approved", "rejected")
WAITING_SHOWN = 10  # proposals waiting for a first review, on the community page
FEED_SIZE = 50  # entries in a feed
PROFILE_LIST = 50  # contributions, and reviews, on a profile
# What a feed of proposals can hold, and the thread step each comes from. (New needs come
# from their own read model: a kind of their own in web/feeds.py FEEDS, merged by time.)
FEED_KINDS = {"approved": "approved", "proposals": "opened"}

# Words of approved text each proposal added, summed over the revisions it made.
WORDS_OF = (
    "(SELECT COALESCE(SUM(r.words), 0) FROM {s}.tb_revisions r WHERE r.proposal_id = p.proposal_id)"
)


def _in(values: tuple[str, ...]) -> str:
    """A constant list of the thread's kinds, for `IN (...)` (our constants, never input)."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class FeedEntry:
    """One happening in a book: a proposal opened, or one approved."""

    kind: str  # "proposals" or "approved" (a key of FEED_KINDS)
    proposal_id: str
    proposal_kind: str
    section_id: str
    message: str
    author: str
    by: str  # who opened it (its author) or who approved it
    at: str
    words: int  # words of text the approval added (0 for a new proposal)


@dataclass(frozen=True)
class Contribution:
    """A proposal of the person's that was approved."""

    proposal_id: str
    book_slug: str
    book_title: str
    kind: str
    message: str
    approved_at: str
    words: int


@dataclass(frozen=True)
class ReviewGiven:
    proposal_id: str
    book_slug: str
    book_title: str
    verdict: str  # "approved", "rejected" or "changes_requested"
    message: str  # the proposal's
    author: str  # the proposal's
    at: str


@dataclass(frozen=True)
class Person:
    """What anyone may know of a person: never their email address."""

    name: str
    since: str
    roles: tuple[tuple[str, str, str], ...]  # (book slug, book title, role), by title
    contributions: tuple[Contribution, ...]  # one page of them, the most recent first
    contributions_total: int
    words_total: int
    reviews: tuple[ReviewGiven, ...]  # one page of them, the most recent first
    reviews_total: int
    contributions_page: int = 1  # pages hold PROFILE_LIST each
    reviews_page: int = 1

    @property
    def contributions_pages(self) -> int:
        return pages_of(self.contributions_total)

    @property
    def reviews_pages(self) -> int:
        return pages_of(self.reviews_total)


def pages_of(total: int) -> int:
    """How many pages of PROFILE_LIST a list of `total` takes (one, even when empty)."""
    return max(1, -(-total // PROFILE_LIST))


class CommunityQueries(BookQueries):
    def community(self, slug: str, now: datetime) -> Community:
        """The book's community figures as they stand at `now` (an aware datetime)."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            proposals = self._waits(sql, slug)
            verdicts = sql.all(
                "SELECT t.by_user, t.at FROM {s}.tb_thread t JOIN {s}.tb_proposals p"
                " ON p.proposal_id = t.proposal_id"
                f" WHERE p.book_slug = ? AND t.kind IN {_in(REVIEWS)}",
                (slug,),
            )
            approvals = sql.all(
                f"SELECT p.author, t.at, {WORDS_OF} AS words FROM {{s}}.tb_thread t"
                " JOIN {s}.tb_proposals p ON p.proposal_id = t.proposal_id"
                " WHERE p.book_slug = ? AND t.kind = 'approved'",
                (slug,),
            )
        since = now - community.WINDOW

        def recent(value: str) -> bool:
            return since < _moment(value) <= now

        first, decided = _ended(proposals, "reviewed", now), _ended(proposals, "decided", now)
        waiting = sorted(
            (r for r in proposals if _waiting_at(r, now)), key=lambda r: (r["opened_at"], r["id"])
        )
        return Community(
            slug=slug,
            now=now,
            first_review=community.Waits.of([s for at, s in first if at > since]),
            decision=community.Waits.of([s for at, s in decided if at > since]),
            months=community.by_month(now, first, decided),
            authors=community.load(
                (names.get(r["author"], r["author"]), 1, int(r["words"]))
                for r in approvals
                if recent(r["at"])
            ),
            reviewers=community.load(
                (names.get(r["by_user"], r["by_user"]), 1, 0) for r in verdicts if recent(r["at"])
            ),
            waiting=tuple(
                Waiting(
                    r["id"],
                    r["message"],
                    names.get(r["author"], r["author"]),
                    r["opened_at"],
                    (now - _moment(r["opened_at"])).total_seconds(),
                )
                for r in waiting[:WAITING_SHOWN]
            ),
            waiting_count=len(waiting),
            open_count=sum(1 for r in proposals if _open_at(r, now)),
        )

    @staticmethod
    def _waits(sql: Sql, slug: str) -> list[dict[str, Any]]:
        """Each proposal of the book with its first review, its decision and its withdrawal
        (each None if none yet)."""
        return sql.all(
            "SELECT p.proposal_id AS id, p.opened_at, p.status, p.author, p.message,"
            f" MIN(CASE WHEN t.kind IN {_in(REVIEWS)} THEN t.at END) AS reviewed,"
            f" MIN(CASE WHEN t.kind IN {_in(DECISIONS)} THEN t.at END) AS decided,"
            " MIN(CASE WHEN t.kind = 'withdrawn' THEN t.at END) AS withdrawn"
            " FROM {s}.tb_proposals p LEFT JOIN {s}.tb_thread t"
            " ON t.proposal_id = p.proposal_id WHERE p.book_slug = ?"
            " GROUP BY p.proposal_id, p.opened_at, p.status, p.author, p.message",
            (slug,),
        )

    def feed(self, slug: str, kinds: tuple[str, ...], limit: int = FEED_SIZE) -> list[FeedEntry]:
        """The book's latest happenings of `kinds` (keys of FEED_KINDS), the newest first."""
        steps = tuple(FEED_KINDS[kind] for kind in kinds)
        kind_of = {step: kind for kind, step in FEED_KINDS.items()}
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT t.kind AS step, t.by_user, t.at, p.proposal_id, p.kind, p.section_id,"
                f" p.message, p.author, {WORDS_OF} AS words FROM {{s}}.tb_thread t"
                " JOIN {s}.tb_proposals p ON p.proposal_id = t.proposal_id"
                f" WHERE p.book_slug = ? AND t.kind IN {_in(steps)}"
                " ORDER BY t.at DESC, t.proposal_id, t.version DESC LIMIT ?",
                (slug, limit),
            )
        return [
            FeedEntry(
                kind=kind_of[r["step"]],
                proposal_id=r["proposal_id"],
                proposal_kind=r["kind"],
                section_id=r["section_id"],
                message=r["message"],
                author=names.get(r["author"], r["author"]),
                by=names.get(r["by_user"], r["by_user"]),
                at=r["at"],
                words=int(r["words"]) if r["step"] == "approved" else 0,
            )
            for r in rows
        ]

    def person(self, name: str, contributions_page: int = 1, reviews_page: int = 1) -> Person:
        """A person's public profile: their books, and a page of their approved proposals and
        of the reviews they gave (a page past the last is empty)."""
        if "\x00" in name:
            raise UserNotFound(name)
        with self.views.read() as sql:
            user = sql.one(
                "SELECT user_id, registered_at FROM {s}.tb_users WHERE name = ?", (name,)
            )
            if user is None:
                raise UserNotFound(name)
            names = self._names(sql)
            books = _visible_books(sql)
            roles = sql.all(
                "SELECT book_slug, role FROM {s}.tb_members WHERE user_id = ?", (user["user_id"],)
            )
            contributions = sql.all(
                f"SELECT p.proposal_id, p.book_slug, p.kind, p.message, t.at, {WORDS_OF} AS words"
                " FROM {s}.tb_proposals p JOIN {s}.tb_thread t ON t.proposal_id = p.proposal_id"
                " WHERE p.author = ? AND t.kind = 'approved' ORDER BY t.at DESC, p.proposal_id",
                (user["user_id"],),
            )
            reviews = sql.all(
                "SELECT p.proposal_id, p.book_slug, p.message, p.author, t.kind, t.at"
                " FROM {s}.tb_thread t JOIN {s}.tb_proposals p ON p.proposal_id = t.proposal_id"
                f" WHERE t.by_user = ? AND t.kind IN {_in(REVIEWS)}"
                " ORDER BY t.at DESC, p.proposal_id, t.version DESC",
                (user["user_id"],),
            )
        contributions = [r for r in contributions if r["book_slug"] in books]
        reviews = [r for r in reviews if r["book_slug"] in books]
        return Person(
            name=name,
            since=user["registered_at"],
            roles=_roles(roles, books),
            contributions=tuple(
                _contribution(r, books) for r in _page(contributions, contributions_page)
            ),
            contributions_total=len(contributions),
            words_total=sum(int(r["words"]) for r in contributions),
            reviews=tuple(_review(r, books, names) for r in _page(reviews, reviews_page)),
            reviews_total=len(reviews),
            contributions_page=contributions_page,
            reviews_page=reviews_page,
        )


def _page(rows: list[dict[str, Any]], page: int) -> list[dict[str, Any]]:
    return rows[(page - 1) * PROFILE_LIST : page * PROFILE_LIST]


def _roles(rows: list[dict[str, Any]], books: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    found = [
        (r["book_slug"], books[r["book_slug"]], r["role"]) for r in rows if r["book_slug"] in books
    ]
    return tuple(sorted(found, key=lambda role: (role[1].lower(), role[0])))


def _contribution(row: dict[str, Any], books: dict[str, str]) -> Contribution:
    return Contribution(
        proposal_id=row["proposal_id"],
        book_slug=row["book_slug"],
        book_title=books[row["book_slug"]],
        kind=row["kind"],
        message=row["message"],
        approved_at=row["at"],
        words=int(row["words"]),
    )


def _review(row: dict[str, Any], books: dict[str, str], names: dict[str, str]) -> ReviewGiven:
    return ReviewGiven(
        proposal_id=row["proposal_id"],
        book_slug=row["book_slug"],
        book_title=books[row["book_slug"]],
        verdict=row["kind"],
        message=row["message"],
        author=names.get(row["author"], row["author"]),
        at=row["at"],
    )


def _open_at(row: dict[str, Any], now: datetime) -> bool:
    """Opened by `now`, and neither decided nor withdrawn by then."""
    return _moment(row["opened_at"]) <= now and not any(
        row[end] and _moment(row[end]) <= now for end in ("decided", "withdrawn")
    )


def _waiting_at(row: dict[str, Any], now: datetime) -> bool:
    """Open at `now`, and not reviewed by then."""
    return _open_at(row, now) and not (row["reviewed"] and _moment(row["reviewed"]) <= now)


def _ended(
    proposals: list[dict[str, Any]], end: str, now: datetime
) -> list[tuple[datetime, float]]:
    """The waits that ended (reviewed, or decided) by `now`: when each ended, and its seconds."""
    return [
        (_moment(r[end]), (_moment(r[end]) - _moment(r["opened_at"])).total_seconds())
        for r in proposals
        if r[end] and _moment(r[end]) <= now
    ]


def _visible_books(sql: Sql) -> dict[str, str]:
    """The titles of the books a reader may open, by slug (a deleted book is hidden)."""
    rows = sql.all(
        "SELECT b.slug, b.title FROM {s}.tb_books b LEFT JOIN {s}.tb_standing t"
        " ON t.book_slug = b.slug WHERE COALESCE(t.deleted, 0) = 0"
    )
    return {r["slug"]: r["title"] for r in rows}
