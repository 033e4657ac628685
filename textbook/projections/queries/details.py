"""Questions about a book's details: their history, who last changed each, and whether the
book is archived or deleted (a deleted book answers BookDeleted wherever it is asked for)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from textbook.domain.details import FIELDS, LABELS
from textbook.domain.errors import BookDeleted
from textbook.projections.queries.history import HistoryQueries
from textbook.projections.queries.values import BookOutline
from textbook.storage import Sql


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class DetailsChange:
    """One time the details were set: at the start, by an import, or by an approved proposal."""

    kind: str  # created, imported or proposal
    author: str
    approver: str
    proposal_id: str | None
    at: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class FieldBlame:
    """Who last changed one of the details (or set it, when the book was created)."""

    field: str
    label: str
    value: str
    kind: str
    author: str
    approver: str
    proposal_id: str | None
    at: str


@dataclass(frozen=True)
class Standing:
    archived: bool
    deleted: bool


def shown(value: Any) -> str:
    return "; ".join(value) if isinstance(value, list) else str(value)


class DetailsQueries(HistoryQueries):
    def _book_row(self, sql: Sql, slug: str) -> dict[str, Any]:
        row = super()._book_row(sql, slug)
        standing = sql.one("SELECT deleted FROM {s}.tb_standing WHERE book_slug = ?", (slug,))
        if standing is not None and standing["deleted"]:
            raise BookDeleted(slug)
        return row

    def books(self) -> list[BookOutline]:
        """The books a reader may open, by slug: deleted books are hidden."""
        with self.views.read() as sql:
            rows = sql.all(
                "SELECT b.slug FROM {s}.tb_books b LEFT JOIN {s}.tb_standing t"
                " ON t.book_slug = b.slug WHERE COALESCE(t.deleted, 0) = 0 ORDER BY b.slug"
            )
        return [self.outline(row["slug"]) for row in rows]

    def archived_books(self) -> set[str]:
        with self.views.read() as sql:
            rows = sql.all("SELECT book_slug FROM {s}.tb_standing WHERE archived = 1")
        return {row["book_slug"] for row in rows}

    def standing(self, slug: str) -> Standing:
        """Whether the book is archived (a deleted book raises BookDeleted, as everywhere)."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            row = sql.one("SELECT * FROM {s}.tb_standing WHERE book_slug = ?", (slug,))
        if row is None:
            return Standing(False, False)
        return Standing(bool(row["archived"]), bool(row["deleted"]))

    def details_history(self, slug: str) -> list[DetailsChange]:
        """Each time the book's details were set, oldest first, with the fields it changed."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_details WHERE book_slug = ? ORDER BY version", (slug,)
            )
        changes: list[DetailsChange] = []
        before: dict[str, Any] = dict.fromkeys(FIELDS, "")
        for row in rows:
            details = json.loads(row["details"])
            fields = tuple(
                FieldChange(f, LABELS[f], shown(before.get(f, "")), shown(details.get(f, "")))
                for f in FIELDS
                if shown(details.get(f, "")) != shown(before.get(f, ""))
            )
            before = details
            if not fields and row["kind"] == "imported":
                continue  # an import that changed other metadata (the chapters' files...)
            changes.append(
                DetailsChange(
                    kind=row["kind"],
                    author=names.get(row["author"], row["author"]),
                    approver=names.get(row["approver"], row["approver"]),
                    proposal_id=row["proposal_id"],
                    at=row["at"],
                    changes=fields,
                )
            )
        return changes

    def details_blame(self, slug: str) -> list[FieldBlame]:
        """For each detail, its value now and who last changed it."""
        last: dict[str, tuple[DetailsChange, FieldChange]] = {}
        for change in self.details_history(slug):
            for field in change.changes:
                last[field.field] = (change, field)
        blamed = []
        for name in FIELDS:
            if name in last:
                change, field = last[name]
                who = (change.kind, change.author, change.approver, change.proposal_id, change.at)
                blamed.append(FieldBlame(name, LABELS[name], field.new, *who))
        return blamed
