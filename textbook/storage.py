"""Opening the stores: the Textbook application, its image blobs, and one SQL dialect for both.

Our own SQL is written once, for SQLite, with `?` placeholders and `{s}.` before table names;
`Sql` turns it into PostgreSQL's `%s` and the configured schema when the store is PostgreSQL.
"""

from __future__ import annotations

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
        return {sha256: self.get(sha256) for sha256 in hashes}


def open_textbook(settings: Settings) -> Textbook:
    return Textbook(env=eventsourcing_env(settings, Textbook.name))


def blob_store(app: Textbook) -> BlobStore:
    return BlobStore(app.recorder.datastore)  # type: ignore[attr-defined]  # both recorders have it
