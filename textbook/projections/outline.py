"""Read model of books: metadata, outline, current approved text, images, members."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from textbook.domain.markdown import heading_of
from textbook.domain.metadata import filled
from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.book import Book
    from textbook.domain.section import Section
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 1
TABLES = (
    "CREATE TABLE {s}.tb_books (book_id TEXT PRIMARY KEY, slug TEXT UNIQUE,"
    " title TEXT, subtitle TEXT, language TEXT, license TEXT, identifier TEXT, description TEXT,"
    " metadata_yaml TEXT, bibliography TEXT, open_to_all INTEGER, created_at TEXT,"
    " updated_at TEXT)",
    "CREATE TABLE {s}.tb_outline (book_slug TEXT, section_id TEXT,"
    " position INTEGER, chapter_id TEXT, chapter_file TEXT, PRIMARY KEY (book_slug, section_id))",
    "CREATE TABLE {s}.tb_sections (aggregate_id TEXT PRIMARY KEY, book_slug TEXT,"
    " section_id TEXT, revision INTEGER, title TEXT, text TEXT, removed INTEGER,"
    " updated_at TEXT)",
    "CREATE INDEX tb_sections_by_book ON {s}.tb_sections (book_slug, section_id)",
    "CREATE TABLE {s}.tb_images (book_slug TEXT, name TEXT, sha256 TEXT,"
    " media_type TEXT, size INTEGER, PRIMARY KEY (book_slug, name))",
    "CREATE TABLE {s}.tb_members (book_slug TEXT, user_id TEXT, role TEXT,"
    " PRIMARY KEY (book_slug, user_id))",
    # The whole metadata (authors, editors, publisher, isbn, cover...) as JSON, beside the
    # columns of tb_books, so that new fields need no new columns.
    "CREATE TABLE {s}.tb_book_metadata (book_id TEXT PRIMARY KEY, metadata TEXT)",
    "CREATE TABLE {s}.tb_import_problems (book_id TEXT, position INTEGER,"
    " file TEXT, line INTEGER, problem TEXT, PRIMARY KEY (book_id, position))",
)
MODEL = ReadModel("outline", VERSION, TABLES)


def slug_of(sql: Sql, book_id: Any) -> str:
    row = sql.one("SELECT slug FROM {s}.tb_books WHERE book_id = ?", (str(book_id),))
    if row is None:
        raise LookupError(f"book {book_id} is not in the read model")
    return str(row["slug"])


def book_created(sql: Sql, e: Book.Created) -> None:
    meta = e.metadata
    sql.execute(
        "INSERT INTO {s}.tb_books VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, ?)",
        (
            str(e.originator_id),
            e.slug,
            meta["title"],
            meta.get("subtitle", ""),
            meta["language"],
            meta["license"],
            meta["identifier"],
            meta.get("description", ""),
            e.metadata_yaml,
            e.timestamp.isoformat(),
            e.timestamp.isoformat(),
        ),
    )
    replace_outline(sql, e.slug, e.chapters)
    sql.execute("INSERT INTO {s}.tb_members VALUES (?, ?, 'maintainer')", (e.slug, str(e.by)))
    replace_metadata(sql, e.originator_id, e.metadata)


def replace_metadata(sql: Sql, book_id: Any, metadata: dict[str, Any]) -> None:
    sql.execute("DELETE FROM {s}.tb_book_metadata WHERE book_id = ?", (str(book_id),))
    sql.execute(
        "INSERT INTO {s}.tb_book_metadata VALUES (?, ?)",
        (str(book_id), json.dumps(filled(metadata), sort_keys=True)),
    )


def import_problems_found(sql: Sql, e: Book.ImportProblemsFound) -> None:
    sql.execute("DELETE FROM {s}.tb_import_problems WHERE book_id = ?", (str(e.originator_id),))
    rows = [
        (str(e.originator_id), position, p["file"], p["line"], p["problem"])
        for position, p in enumerate(e.problems)
    ]
    sql.executemany("INSERT INTO {s}.tb_import_problems VALUES (?, ?, ?, ?, ?)", rows)


def replace_outline(sql: Sql, slug: str, chapters: list[dict[str, Any]]) -> None:
    sql.execute("DELETE FROM {s}.tb_outline WHERE book_slug = ?", (slug,))
    rows: list[tuple[str, str, int, str, str]] = []
    for chapter in chapters:
        for section_id in chapter["sections"]:
            rows.append((slug, section_id, len(rows), chapter["id"], chapter["file"]))
    sql.executemany("INSERT INTO {s}.tb_outline VALUES (?, ?, ?, ?, ?)", rows)


def outline_changed(sql: Sql, e: Book.OutlineChanged) -> None:
    replace_outline(sql, slug_of(sql, e.originator_id), e.chapters)
    touch(sql, e.originator_id, e.timestamp.isoformat())


def touch(sql: Sql, book_id: Any, when: str) -> None:
    sql.execute("UPDATE {s}.tb_books SET updated_at = ? WHERE book_id = ?", (when, str(book_id)))


def metadata_changed(sql: Sql, e: Book.MetadataChanged | Book.DetailsChanged) -> None:
    meta = e.metadata
    sql.execute(
        "UPDATE {s}.tb_books SET title = ?, subtitle = ?, language = ?, license = ?,"
        " identifier = ?, description = ?, metadata_yaml = ?, updated_at = ? WHERE book_id = ?",
        (
            meta["title"],
            meta.get("subtitle", ""),
            meta["language"],
            meta["license"],
            meta["identifier"],
            meta.get("description", ""),
            e.metadata_yaml,
            e.timestamp.isoformat(),
            str(e.originator_id),
        ),
    )
    replace_metadata(sql, e.originator_id, e.metadata)


def bibliography_changed(sql: Sql, e: Book.BibliographyChanged) -> None:
    sql.execute(
        "UPDATE {s}.tb_books SET bibliography = ? WHERE book_id = ?", (e.text, str(e.originator_id))
    )


def access_changed(sql: Sql, e: Book.AccessChanged) -> None:
    sql.execute(
        "UPDATE {s}.tb_books SET open_to_all = ? WHERE book_id = ?",
        (int(e.open_to_all), str(e.originator_id)),
    )


def image_added(sql: Sql, e: Book.ImageAdded) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_images VALUES (?, ?, ?, ?, ?) ON CONFLICT (book_slug, name) DO UPDATE"
        " SET sha256 = excluded.sha256, media_type = excluded.media_type, size = excluded.size",
        (slug_of(sql, e.originator_id), e.name, e.sha256, e.media_type, e.size),
    )


def image_removed(sql: Sql, e: Book.ImageRemoved) -> None:
    sql.execute(
        "DELETE FROM {s}.tb_images WHERE book_slug = ? AND name = ?",
        (slug_of(sql, e.originator_id), e.name),
    )


def member_granted(sql: Sql, e: Book.MemberGranted) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_members VALUES (?, ?, ?) ON CONFLICT (book_slug, user_id) DO UPDATE"
        " SET role = excluded.role",
        (slug_of(sql, e.originator_id), str(e.user_id), e.role),
    )


def member_revoked(sql: Sql, e: Book.MemberRevoked) -> None:
    sql.execute(
        "DELETE FROM {s}.tb_members WHERE book_slug = ? AND user_id = ?",
        (slug_of(sql, e.originator_id), str(e.user_id)),
    )


def section_created(sql: Sql, e: Section.Created) -> None:
    heading = heading_of(e.text)
    sql.execute(
        "INSERT INTO {s}.tb_sections VALUES (?, ?, ?, 1, ?, ?, 0, ?)",
        (
            str(e.originator_id),
            e.book_slug,
            e.section_id,
            heading.title if heading else "",
            e.text,
            e.timestamp.isoformat(),
        ),
    )


def section_revised(sql: Sql, e: Section.Revised) -> None:
    heading = heading_of(e.text)
    sql.execute(
        "UPDATE {s}.tb_sections SET revision = ?, title = ?, text = ?, removed = 0, updated_at = ?"
        " WHERE aggregate_id = ?",
        (
            e.revision,
            heading.title if heading else "",
            e.text,
            e.timestamp.isoformat(),
            str(e.originator_id),
        ),
    )


def section_removed(sql: Sql, e: Section.Removed) -> None:
    sql.execute(
        "UPDATE {s}.tb_sections SET removed = 1, updated_at = ? WHERE aggregate_id = ?",
        (e.timestamp.isoformat(), str(e.originator_id)),
    )
