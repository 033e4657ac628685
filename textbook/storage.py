"""Opening the stores: the Textbook application, its image blobs, and one SQL dialect for both.

Our own SQL is written once, for SQLite, with `?` placeholders and `{s}.` before table names;
`Sql` turns it into PostgreSQL's `%s` and the configured schema when the store is PostgreSQL.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import version
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

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed (eventsourcing wraps SQLite's cursor)."""
        return int(getattr(self.cursor, "sqlite_cursor", self.cursor).rowcount)

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


BLOBS_DDL = (
    "CREATE TABLE IF NOT EXISTS {s}.textbook_blobs (sha256 TEXT PRIMARY KEY, data {type} NOT NULL)"
)


class BlobStore:
    """Image bytes by SHA-256, beside the events: events name a blob, never carry it."""

    def __init__(self, datastore: Any, create_table: bool = True) -> None:
        self.datastore = datastore
        if create_table:
            blob_type = "bytea" if is_postgres(datastore) else "BLOB"
            with transaction(datastore, commit=True) as sql:
                sql.execute(BLOBS_DDL.replace("{type}", blob_type))

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


@contextmanager
def tables_to_create(settings: Settings, owner: str, ddl: str) -> Iterator[bool]:
    """Whether `owner`'s tables must be created (True), decided under a PostgreSQL lock.

    Creating tables is done once per schema and kind of table, not at every start: DDL run
    while other processes write (CREATE INDEX IF NOT EXISTS locks its table even when the index
    exists) can deadlock with them, and DDL run by processes starting together can fail with
    "tuple concurrently updated". So processes take turns under an advisory lock, and the
    first one records a digest of `ddl` in `textbook_schema`; later ones find it and create
    nothing. Changing the DDL changes the digest, so an upgrade creates what is new. SQLite
    always creates (IF NOT EXISTS), one process at a time on `schema_lock`'s file lock: its write
    lock alone does not serialise eventsourcing's creation of the tracking table, which first
    looks whether the table exists and then records a row that only the first may record.
    """
    if not settings.is_postgres:
        with schema_lock(settings):
            yield True
        return
    from psycopg.sql import SQL, Identifier

    schema = settings.postgres().schema
    table = SQL("{}.textbook_schema").format(Identifier(schema))
    digest = hashlib.sha256(ddl.encode()).hexdigest()
    with _advisory_lock(settings) as connection:
        known = connection.execute(
            "SELECT to_regclass(%s)", (f'"{schema}".textbook_schema',)
        ).fetchone()
        row = None
        if known is not None and known[0] is not None:
            query = SQL("SELECT digest FROM {} WHERE owner = %s").format(table)
            row = connection.execute(query, (owner,)).fetchone()
        create = row is None or row[0] != digest
        yield create
        if create:
            connection.execute(
                SQL("CREATE TABLE IF NOT EXISTS {} (owner TEXT PRIMARY KEY, digest TEXT)").format(
                    table
                )
            )
            connection.execute(
                SQL(
                    "INSERT INTO {} VALUES (%s, %s)"
                    " ON CONFLICT (owner) DO UPDATE SET digest = excluded.digest"
                ).format(table),
                (owner, digest),
            )


@contextmanager
def schema_lock(settings: Settings) -> Iterator[None]:
    """Other processes that change the store's tables wait while this one does.

    On PostgreSQL, the advisory lock `tables_to_create` takes; on SQLite, a lock on a file
    beside the read models' file (SQLite's own write lock gives up after the lock timeout).
    """
    if settings.is_postgres:
        with _advisory_lock(settings):
            yield
        return
    lock_path = settings.views_path.with_name(settings.views_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)  # before SQLite makes its files there
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


@contextmanager
def _advisory_lock(settings: Settings) -> Iterator[Any]:
    """A PostgreSQL connection (autocommit) holding the schema lock: processes take turns."""
    import psycopg

    pg = settings.postgres()
    with psycopg.connect(
        host=pg.host,
        port=pg.port,
        dbname=pg.dbname,
        user=pg.user,
        password=pg.password,
        autocommit=True,
        connect_timeout=30,
    ) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            yield connection
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


# The advisory lock's key: any constant that other software on the database does not use.
SCHEMA_LOCK = 0x7465787462  # "textb"
# What the application's tables are made of: eventsourcing's own tables, and the image store.
APP_DDL = f"eventsourcing {version('eventsourcing')}\n{BLOBS_DDL}"


def open_textbook(settings: Settings) -> Textbook:
    """The application, with its tables (and the image store's) created if they are missing."""
    with tables_to_create(settings, Textbook.name, APP_DDL) as create:
        env = eventsourcing_env(settings, Textbook.name, create_tables=create)
        app = Textbook(env=env, hasher=settings.password_hasher)
        app.image_store = BlobStore(app.recorder.datastore, create)  # type: ignore[attr-defined]
    return app


def blob_store(app: Textbook) -> BlobStore:
    """The image store beside the application's events: the one it was opened with, or (for an
    application made some other way) one made now and kept on it."""
    if not isinstance(app.image_store, BlobStore):
        datastore = app.recorder.datastore  # type: ignore[attr-defined]  # both have it
        app.image_store = BlobStore(datastore, create_table=True)
    return app.image_store
