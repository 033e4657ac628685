"""Opening the stores: the Textbook application, its image blobs, and one SQL dialect for both.

Our own SQL is written once, for SQLite, with `?` placeholders and `{s}.` before table names;
`Sql` turns it into PostgreSQL's `%s` and the configured schema when the store is PostgreSQL.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from textbook.config import Settings, eventsourcing_env
from textbook.domain.application import Textbook


class Sql:
    """A cursor in one transaction, speaking our SQL on either store."""

    def __init__(self, cursor: Any, postgres: bool, schema: str) -> None:
        self.cursor = cursor
        self.postgres = postgres
        self.schema = schema

    def translate(self, statement: str) -> str:
        if self.postgres:
            return statement.replace("?", "%s").replace("{s}", f'"{self.schema}"')
        return statement.replace("{s}", "main")

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(self.translate(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(self.translate(statement), [tuple(row) for row in rows])

    def all(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.execute(statement, params)
        return [dict(row) for row in self.cursor.fetchall()]

    def one(self, statement: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        self.execute(statement, params)
        row = self.cursor.fetchone()
        return None if row is None else dict(row)


def schema_of(datastore: Any) -> str:
    return str(getattr(datastore, "schema", "main"))


def is_postgres(datastore: Any) -> bool:
    return type(datastore).__name__ == "PostgresDatastore"


@contextmanager
def transaction(datastore: Any, *, commit: bool) -> Iterator[Sql]:
    with datastore.transaction(commit=commit) as cursor:
        yield Sql(cursor, is_postgres(datastore), schema_of(datastore))


class BlobStore:
    """Image bytes by SHA-256, beside the events: events name a blob, never carry it."""

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore
        blob_type = "bytea" if is_postgres(datastore) else "BLOB"
        with transaction(datastore, commit=True) as sql:
            sql.execute(
                "CREATE TABLE IF NOT EXISTS {s}.textbook_blobs "
                f"(sha256 TEXT PRIMARY KEY, data {blob_type} NOT NULL)"
            )

    def put(self, blobs: dict[str, bytes]) -> None:
        with transaction(self.datastore, commit=True) as sql:
            sql.executemany(
                "INSERT INTO {s}.textbook_blobs (sha256, data) VALUES (?, ?) "
                "ON CONFLICT (sha256) DO NOTHING",
                list(blobs.items()),
            )

    def get(self, sha256: str) -> bytes:
        with transaction(self.datastore, commit=False) as sql:
            row = sql.one("SELECT data FROM {s}.textbook_blobs WHERE sha256 = ?", (sha256,))
        if row is None:
            raise KeyError(sha256)
        return bytes(row["data"])

    def get_many(self, hashes: Sequence[str]) -> dict[str, bytes]:
        if not hashes:
            return {}
        marks = ", ".join("?" for _ in hashes)
        with transaction(self.datastore, commit=False) as sql:
            rows = sql.all(
                f"SELECT sha256, data FROM {{s}}.textbook_blobs WHERE sha256 IN ({marks})",
                tuple(hashes),
            )
        found = {row["sha256"]: bytes(row["data"]) for row in rows}
        missing = [sha256 for sha256 in hashes if sha256 not in found]
        if missing:
            raise KeyError(missing[0])
        return found


def open_textbook(settings: Settings) -> Textbook:
    return Textbook(env=eventsourcing_env(settings, Textbook.name))


_BLOB_STORES: weakref.WeakKeyDictionary[Textbook, BlobStore] = weakref.WeakKeyDictionary()


def blob_store(app: Textbook) -> BlobStore:
    """The image store beside the application's events (made once per application)."""
    store = _BLOB_STORES.get(app)
    if store is None:
        store = BlobStore(app.recorder.datastore)  # type: ignore[attr-defined]  # both have it
        _BLOB_STORES[app] = store
    return store
