"""Questions about proposals: a book's queue, one proposal, its versions and thread."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from textbook.domain.errors import ProposalNotFound
from textbook.domain.state import ImageRef
from textbook.domain.vocabulary import OPEN_STATUSES, ProposalStatus
from textbook.projections import reviews
from textbook.projections.queries.books import BookQueries
from textbook.projections.queries.values import ProposalSummary, ProposalView, ThreadEntry
from textbook.projections.queue import QueueEntry, queue_entries

# Proposals with their current version: the count of versions recorded in their thread.
PROPOSALS = (
    "SELECT p.*, (SELECT COUNT(*) FROM {s}.tb_thread t WHERE t.proposal_id = p.proposal_id"
    f" AND t.kind IN {reviews.VERSION_STEPS}) AS version FROM {{s}}.tb_proposals p"
)


def marks(values: Sequence[str]) -> str:
    """The placeholders for `values` in `IN (...)`."""
    return ", ".join("?" for _ in values)


class ProposalQueries(BookQueries):
    def proposals(self, slug: str, status: str | None = None) -> list[ProposalSummary]:
        """A book's proposals, oldest first; status 'open' gives the review queue."""
        statuses = OPEN_STATUSES if status == ProposalStatus.OPEN else (status or "",)
        wanted = "" if status is None else f" AND status IN ({marks(statuses)})"
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                f"{PROPOSALS} WHERE book_slug = ?{wanted} ORDER BY opened_at",
                (slug, *(statuses if status is not None else ())),
            )
        return [_summary(r, names) for r in rows]

    def queue(self, slug: str) -> list[QueueEntry]:
        """The book's open proposals, oldest first, with the titles of where each goes."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            rows = sql.all(
                "SELECT proposal_id, text FROM {s}.tb_proposals WHERE book_slug = ?"
                f" AND status IN ({marks(OPEN_STATUSES)})",
                (slug, *OPEN_STATUSES),
            )
        texts = {row["proposal_id"]: row["text"] for row in rows}
        return queue_entries(self.outline(slug), self.proposals(slug, ProposalStatus.OPEN), texts)

    def proposal(self, proposal_id: str) -> ProposalView:
        if "\x00" in proposal_id:
            raise ProposalNotFound(proposal_id)
        with self.views.read() as sql:
            names = self._names(sql)
            row = sql.one(f"{PROPOSALS} WHERE proposal_id = ?", (proposal_id,))
        if row is None:
            raise ProposalNotFound(proposal_id)
        return ProposalView(
            id=row["proposal_id"],
            book_slug=row["book_slug"],
            kind=row["kind"],
            section_id=row["section_id"],
            chapter_id=row["chapter_id"],
            after=row["after_id"],
            status=row["status"],
            author=names.get(row["author"], row["author"]),
            base_revision=row["base_revision"],
            text=row["text"],
            message=row["message"],
            opened_at=row["opened_at"],
            updated_at=row["updated_at"],
            applied_revision=row["applied_revision"],
            version=row["version"],
        )

    def proposal_text(self, proposal_id: str, version: int) -> str | None:
        """The proposal's text at one of its versions (None if it is not known)."""
        with self.views.read() as sql:
            row = sql.one(
                "SELECT text FROM {s}.tb_proposal_versions WHERE proposal_id = ? AND version = ?",
                (proposal_id, version),
            )
        return None if row is None else str(row["text"])

    def proposals_by(self, user_name: str) -> list[ProposalSummary]:
        """A user's proposals in every book, the most recently changed first."""
        with self.views.read() as sql:
            user = sql.one("SELECT user_id FROM {s}.tb_users WHERE name = ?", (user_name,))
            if user is None:
                return []
            names = self._names(sql)
            rows = sql.all(
                f"{PROPOSALS} WHERE author = ? ORDER BY updated_at DESC, book_slug, opened_at",
                (user["user_id"],),
            )
        return [_summary(r, names) for r in rows]

    def review_delays(self, slug: str) -> list[float]:
        """Seconds from opening to the first decision (approval, rejection or changes requested)."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            rows = sql.all(
                "SELECT p.opened_at, MIN(t.at) AS decided FROM {s}.tb_proposals p"
                " JOIN {s}.tb_thread t ON t.proposal_id = p.proposal_id"
                f" WHERE p.book_slug = ? AND t.kind IN ({marks(reviews.DECISION_STEPS)})"
                " GROUP BY p.proposal_id, p.opened_at",
                (slug, *reviews.DECISION_STEPS),
            )
        return [
            (
                datetime.fromisoformat(r["decided"]) - datetime.fromisoformat(r["opened_at"])
            ).total_seconds()
            for r in rows
        ]

    def proposal_images(self, proposal_id: str) -> tuple[ImageRef, ...]:
        """The images a proposal carries, by name."""
        if "\x00" in proposal_id:
            return ()
        with self.views.read() as sql:
            rows = sql.all(
                "SELECT name, sha256, media_type, size FROM {s}.tb_proposal_images"
                " WHERE proposal_id = ? ORDER BY name",
                (proposal_id,),
            )
        return tuple(ImageRef(**row) for row in rows)

    def thread(self, proposal_id: str) -> list[ThreadEntry]:
        with self.views.read() as sql:
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_thread WHERE proposal_id = ? ORDER BY version",
                (proposal_id,),
            )
        return [
            ThreadEntry(r["kind"], names.get(r["by_user"], r["by_user"]), r["comment"], r["at"])
            for r in rows
        ]


def _summary(row: dict[str, Any], names: dict[str, str]) -> ProposalSummary:
    return ProposalSummary(
        id=row["proposal_id"],
        book_slug=row["book_slug"],
        kind=row["kind"],
        section_id=row["section_id"],
        status=row["status"],
        author=names.get(row["author"], row["author"]),
        base_revision=row["base_revision"],
        message=row["message"],
        opened_at=row["opened_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        chapter_id=row["chapter_id"] or "",
        after=row["after_id"] or "",
    )
