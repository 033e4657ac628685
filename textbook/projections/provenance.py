"""Read model of provenance: which books were forked from which, and which sections' text was
taken from another book (by a fork, an upstream change taken, a remix or a marked copy)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.book import Book
    from textbook.domain.section import Section
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 2
TABLES = (
    "CREATE TABLE {s}.tb_forks (book_id TEXT PRIMARY KEY, upstream_slug TEXT,"
    " upstream_title TEXT, upstream_version INTEGER, upstream_position INTEGER, licence TEXT,"
    " forked_by TEXT, forked_at TEXT)",
    "CREATE INDEX tb_forks_upstream ON {s}.tb_forks (upstream_slug)",
    "CREATE TABLE {s}.tb_taken (section_uuid TEXT, book_slug TEXT, section_id TEXT,"
    " source_book TEXT, source_section TEXT, source_revision INTEGER, licence TEXT,"
    " at_revision INTEGER, taken_by TEXT, taken_at TEXT,"
    " PRIMARY KEY (section_uuid, at_revision))",
    "CREATE INDEX tb_taken_book ON {s}.tb_taken (book_slug, section_id)",
    "CREATE INDEX tb_taken_source ON {s}.tb_taken (source_book, source_section)",
    "CREATE TABLE {s}.tb_remixes (book_id TEXT, position INTEGER, source_slug TEXT,"
    " source_title TEXT, source_version INTEGER, licence TEXT, pieces TEXT, remixed_by TEXT,"
    " remixed_at TEXT, PRIMARY KEY (book_id, position))",
)
MODEL = ReadModel("provenance", VERSION, TABLES)


def forked(sql: Sql, e: Book.Forked) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_forks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(e.originator_id),
            e.upstream_slug,
            e.upstream_title,
            e.upstream_version,
            e.upstream_position,
            e.licence,
            str(e.by),
            e.timestamp.isoformat(),
        ),
    )


def remixed(sql: Sql, e: Book.Remixed) -> None:
    for position, source in enumerate(e.sources):
        sql.execute(
            "INSERT INTO {s}.tb_remixes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(e.originator_id),
                position,
                source["slug"],
                source["title"],
                source["version"],
                source["licence"],
                json.dumps(source["pieces"]),
                str(e.by),
                e.timestamp.isoformat(),
            ),
        )


def taken(sql: Sql, e: Section.Taken) -> None:
    sql.execute(
        "DELETE FROM {s}.tb_taken WHERE section_uuid = ? AND at_revision = ?",
        (str(e.originator_id), e.at_revision),
    )
    sql.execute(
        "INSERT INTO {s}.tb_taken VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(e.originator_id),
            e.book_slug,
            e.section_id,
            e.source_book,
            e.source_section,
            e.source_revision,
            e.licence,
            e.at_revision,
            str(e.by),
            e.timestamp.isoformat(),
        ),
    )
