"""What every query needs: the read models, people's names, a book's row."""

from __future__ import annotations

import json
from typing import Any

from textbook.domain import ids
from textbook.domain.errors import BookNotFound
from textbook.domain.metadata import filled
from textbook.domain.state import ImportProblem
from textbook.projections.views import ReadModels
from textbook.storage import Sql

OPERATOR_NAME = "operator"


class QueriesBase:
    def __init__(self, views: ReadModels) -> None:
        self.views = views

    def _names(self, sql: Sql) -> dict[str, str]:
        names = {row["user_id"]: row["name"] for row in sql.all("SELECT * FROM {s}.tb_users")}
        names[str(ids.OPERATOR)] = OPERATOR_NAME
        return names

    def _book_row(self, sql: Sql, slug: str) -> dict[str, Any]:
        if "\x00" in slug:  # PostgreSQL refuses NUL even as a query parameter
            raise BookNotFound(slug)
        row = sql.one("SELECT * FROM {s}.tb_books WHERE slug = ?", (slug,))
        if row is None:
            raise BookNotFound(slug)
        stored = sql.one(
            "SELECT metadata FROM {s}.tb_book_metadata WHERE book_id = ?", (row["book_id"],)
        )
        # Read models built before tb_book_metadata existed have only the columns of tb_books.
        columns = {key: row[key] for key in ("title", "subtitle", "language", "license",
                                             "identifier", "description")}  # fmt: skip
        metadata = json.loads(stored["metadata"]) if stored else columns
        return {**row, "metadata": filled(metadata)}

    @staticmethod
    def _import_problems(sql: Sql, book_id: str) -> tuple[ImportProblem, ...]:
        rows = sql.all(
            "SELECT file, line, problem FROM {s}.tb_import_problems WHERE book_id = ?"
            " ORDER BY position",
            (book_id,),
        )
        return tuple(ImportProblem(r["file"], r["line"], r["problem"]) for r in rows)
