"""Questions about a book's named editions, and the approved changes between two moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textbook.domain.editions import edition_slug
from textbook.domain.errors import EditionNotFound
from textbook.domain.vocabulary import ProposalKind
from textbook.projections.queries.history import HistoryQueries


@dataclass(frozen=True)
class NamedEdition:
    """An edition an editor named: the book's approved state at `at`, kept for good."""

    slug: str  # the edition's, in its addresses: "first-edition"
    name: str
    at: str  # ISO time of the moment it freezes (when it was marked)
    by: str

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)

    @property
    def date(self) -> str:
        return self.at[:10]


@dataclass(frozen=True)
class ApprovedChange:
    """One approved change: a proposal (its sections' revisions together), the details changed
    by a proposal, or an import."""

    kind: str  # "proposal", "details" or "import"
    title: str
    author: str
    approver: str
    at: str
    proposal_id: str | None
    sections: tuple[str, ...]  # the sections it changed (none for the details)


class EditionQueries(HistoryQueries):
    def editions(self, slug: str) -> list[NamedEdition]:
        """The book's named editions, oldest first."""
        with self.views.read() as sql:
            book = self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_editions WHERE book_id = ? ORDER BY at, edition_slug",
                (book["book_id"],),
            )
        return [
            NamedEdition(r["edition_slug"], r["name"], r["at"], names.get(r["by_user"], "?"))
            for r in rows
        ]

    def named_edition(self, slug: str, edition: str) -> NamedEdition:
        """The edition named `edition` (its name, in any case, or its slug); EditionNotFound."""
        wanted = edition_slug(edition[:200])
        for found in self.editions(slug):
            if found.slug == wanted:
                return found
        raise EditionNotFound(slug, edition)

    def approved_changes(
        self, slug: str, after: datetime | None, upto: datetime | None
    ) -> list[ApprovedChange]:
        """Every change approved after `after` (None: since the start) up to `upto` (None: now),
        oldest first: each approved proposal once (of text, of the outline, of the details),
        and each import of the book's source once."""
        start = after.isoformat() if after else ""
        end = upto.isoformat() if upto else "9999"
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            approvals = sql.all(
                "SELECT p.proposal_id, p.kind, p.section_id, p.author, p.message,"
                " t.by_user, t.at FROM {s}.tb_proposals p JOIN {s}.tb_thread t"
                " ON t.proposal_id = p.proposal_id AND t.kind = 'approved'"
                " WHERE p.book_slug = ? AND t.at > ? AND t.at <= ? ORDER BY t.at",
                (slug, start, end),
            )
            imports = sql.all(
                "SELECT section_id, approver, at FROM {s}.tb_revisions WHERE book_slug = ?"
                " AND proposal_id IS NULL AND at > ? AND at <= ? ORDER BY at, section_id",
                (slug, start, end),
            )
        found = [
            ApprovedChange(
                kind="details" if r["kind"] == ProposalKind.DETAILS else "proposal",
                title=r["message"] or "Untitled",
                author=names.get(r["author"], r["author"]),
                approver=names.get(r["by_user"], r["by_user"]),
                at=r["at"],
                proposal_id=r["proposal_id"],
                sections=() if r["kind"] == ProposalKind.DETAILS else (r["section_id"],),
            )
            for r in approvals
        ]
        run: list[dict[str, Any]] = []  # one import revises many sections, one after another
        for r in imports:
            if run and r["approver"] != run[-1]["approver"]:
                found.append(imported(run, names))
                run = []
            run.append(r)
        if run:
            found.append(imported(run, names))
        return sorted(found, key=lambda c: c.at)


def imported(rows: list[dict[str, Any]], names: dict[str, str]) -> ApprovedChange:
    who = names.get(rows[0]["approver"], rows[0]["approver"])
    sections = tuple(dict.fromkeys(r["section_id"] for r in rows))
    return ApprovedChange("import", "Imported from the book's source", who, who, rows[0]["at"],
                          None, sections)  # fmt: skip
