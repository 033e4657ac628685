"""Read model of a book's details over time (who changed the title, the licence...) and of
where it stands (archived, deleted)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textbook.domain.book import Book
from textbook.domain.details import details_of
from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 1
TABLES = (
    # One row each time the details were set: when the book was created, by an import, or by
    # approving a proposal (`proposal_id`); `details` holds them all, as JSON.
    "CREATE TABLE {s}.tb_details (book_id TEXT, version INTEGER, book_slug TEXT,"
    " details TEXT, kind TEXT, author TEXT, approver TEXT, proposal_id TEXT, at TEXT,"
    " PRIMARY KEY (book_id, version))",
    "CREATE INDEX tb_details_by_book ON {s}.tb_details (book_slug, version)",
    "CREATE TABLE {s}.tb_standing (book_id TEXT PRIMARY KEY, book_slug TEXT UNIQUE,"
    " archived INTEGER, deleted INTEGER, by TEXT, at TEXT)",
)
MODEL = ReadModel("details", VERSION, TABLES)


def book_created(sql: Sql, e: Book.Created) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_standing VALUES (?, ?, 0, 0, ?, ?)",
        (str(e.originator_id), e.slug, str(e.by), e.timestamp.isoformat()),
    )
    _insert(sql, e, e.slug, "created", str(e.by), str(e.by), None)


def metadata_changed(sql: Sql, e: Book.MetadataChanged) -> None:
    _insert(sql, e, _slug_of(sql, e), "imported", str(e.by), str(e.by), None)


def details_changed(sql: Sql, e: Book.DetailsChanged) -> None:
    slug = _slug_of(sql, e)
    _insert(sql, e, slug, "proposal", str(e.by), str(e.approved_by), str(e.proposal_id))


def standing_changed(sql: Sql, e: Book.Archived | Book.Unarchived | Book.Deleted) -> None:
    archived = not isinstance(e, Book.Unarchived)
    deleted = isinstance(e, Book.Deleted)
    sql.execute(
        "UPDATE {s}.tb_standing SET archived = ?, deleted = ?, by = ?, at = ? WHERE book_id = ?",
        (int(archived), int(deleted), str(e.by), e.timestamp.isoformat(), str(e.originator_id)),
    )


def _slug_of(sql: Sql, e: Book.Event) -> str:
    row = sql.one(
        "SELECT book_slug FROM {s}.tb_standing WHERE book_id = ?", (str(e.originator_id),)
    )
    if row is None:
        raise LookupError(f"book {e.originator_id} is not in the read model")
    return str(row["book_slug"])


def _insert(
    sql: Sql,
    e: Book.Created | Book.MetadataChanged | Book.DetailsChanged,
    slug: str,
    kind: str,
    author: str,
    approver: str,
    proposal_id: str | None,
) -> None:
    details = json.dumps(details_of(e.metadata).as_dict(), sort_keys=True)
    sql.execute(
        "INSERT INTO {s}.tb_details VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(e.originator_id),
            e.originator_version,
            slug,
            details,
            kind,
            author,
            approver,
            proposal_id,
            e.timestamp.isoformat(),
        ),
    )
