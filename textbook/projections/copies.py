"""Read model of every approved paragraph's shingles, the index that proposals are checked
against for text copied by hand from another book (see `shingles` and textbook.domain.copies).

A section's rows are replaced when it is revised and dropped when it is removed, so the index
holds only live text; each section also keeps where its text was taken from, if it was."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textbook.projections import shingles
from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.section import Section
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 1
TABLES = (
    "CREATE TABLE {s}.tb_copy_sections (section_uuid TEXT PRIMARY KEY, book_slug TEXT,"
    " section_id TEXT, revision INTEGER, origin_book TEXT, origin_section TEXT)",
    "CREATE TABLE {s}.tb_copy_paragraphs (section_uuid TEXT, paragraph INTEGER,"
    " shingles INTEGER, excerpt TEXT, PRIMARY KEY (section_uuid, paragraph))",
    "CREATE TABLE {s}.tb_copy_shingles (shingle BIGINT, section_uuid TEXT, paragraph INTEGER)",
    "CREATE INDEX tb_copy_shingles_by_hash ON {s}.tb_copy_shingles (shingle)",
    "CREATE INDEX tb_copy_shingles_by_section ON {s}.tb_copy_shingles (section_uuid)",
)
MODEL = ReadModel("copies", VERSION, TABLES)


def section_created(sql: Sql, e: Section.Created) -> None:
    section = str(e.originator_id)
    sql.execute(
        "INSERT INTO {s}.tb_copy_sections VALUES (?, ?, ?, 1, '', '')",
        (section, e.book_slug, e.section_id),
    )
    _index(sql, section, e.text)


def section_revised(sql: Sql, e: Section.Revised) -> None:
    section = str(e.originator_id)
    sql.execute(
        "UPDATE {s}.tb_copy_sections SET revision = ? WHERE section_uuid = ?",
        (e.revision, section),
    )
    _forget(sql, section)
    _index(sql, section, e.text)


def section_removed(sql: Sql, e: Section.Removed) -> None:
    _forget(sql, str(e.originator_id))


def section_taken(sql: Sql, e: Section.Taken) -> None:
    sql.execute(
        "UPDATE {s}.tb_copy_sections SET origin_book = ?, origin_section = ?"
        " WHERE section_uuid = ?",
        (e.source_book, e.source_section, str(e.originator_id)),
    )


def _forget(sql: Sql, section: str) -> None:
    sql.execute("DELETE FROM {s}.tb_copy_shingles WHERE section_uuid = ?", (section,))
    sql.execute("DELETE FROM {s}.tb_copy_paragraphs WHERE section_uuid = ?", (section,))


def _index(sql: Sql, section: str, text: str) -> None:
    paragraphs: list[tuple[str, int, int, str]] = []
    rows: list[tuple[int, str, int]] = []
    for number, paragraph in enumerate(shingles.paragraphs(text)[: shingles.MAX_PARAGRAPHS], 1):
        found = shingles.shingles(paragraph)
        if found:
            paragraphs.append((section, number, len(found), shingles.excerpt(paragraph)))
            rows.extend((shingle, section, number) for shingle in sorted(found))
    if paragraphs:
        sql.executemany("INSERT INTO {s}.tb_copy_paragraphs VALUES (?, ?, ?, ?)", paragraphs)
        sql.executemany("INSERT INTO {s}.tb_copy_shingles VALUES (?, ?, ?)", rows)
