"""Read model of every approved revision of every section: who wrote it, who approved it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textbook.domain.section import Section
    from textbook.storage import Sql

TABLES = [
    "CREATE TABLE IF NOT EXISTS {s}.tb_revisions (aggregate_id TEXT, version INTEGER,"
    " book_slug TEXT, section_id TEXT, revision INTEGER, kind TEXT, text TEXT, author TEXT,"
    " approver TEXT, proposal_id TEXT, message TEXT, at TEXT,"
    " PRIMARY KEY (aggregate_id, version))",
    "CREATE INDEX IF NOT EXISTS tb_revisions_by_book ON {s}.tb_revisions (book_slug, section_id)",
]


def section_changed(
    sql: Sql, e: Section.Created | Section.Revised | Section.Removed, kind: str
) -> None:
    row = sql.one(
        "SELECT book_slug, section_id, revision, text FROM {s}.tb_sections WHERE aggregate_id = ?",
        (str(e.originator_id),),
    )
    if row is None:
        raise LookupError(f"section {e.originator_id} is not in the read model")
    text = getattr(e, "text", row["text"]) if kind != "removed" else ""
    sql.execute(
        "INSERT INTO {s}.tb_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(e.originator_id),
            e.originator_version,
            row["book_slug"],
            row["section_id"],
            row["revision"],
            kind,
            text,
            str(e.by),
            str(e.approved_by),
            str(e.proposal_id) if e.proposal_id else None,
            e.message,
            e.timestamp.isoformat(),
        ),
    )
