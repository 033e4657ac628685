"""Read model of each book's named editions: the name an editor gave the approved state at a
moment, the moment, and who named it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.book import Book
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 1
TABLES = (
    "CREATE TABLE {s}.tb_editions (book_id TEXT, edition_slug TEXT, name TEXT, at TEXT,"
    " by_user TEXT, PRIMARY KEY (book_id, edition_slug))",
)
MODEL = ReadModel("editions", VERSION, TABLES)


def edition_marked(sql: Sql, e: Book.EditionMarked) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_editions VALUES (?, ?, ?, ?, ?)",
        (str(e.originator_id), e.edition_slug, e.name, e.timestamp.isoformat(), str(e.by)),
    )
