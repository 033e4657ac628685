"""The read models' store: our tables and the tracking record, written in one transaction.

Beside the tracking record, `textbook_read_models` holds the version each read model was built
with (see `textbook.projections.readmodel`): `stale()` lists those whose tables are older than
their code, and `replace()` drops and creates their tables anew.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from textbook.projections import (
    blame,
    copies,
    details,
    editions,
    history,
    inbox,
    needs,
    outline,
    people,
    provenance,
    reviews,
)
from textbook.projections.readmodel import ReadModel
from textbook.storage import Sql, transaction

# Every read model. Each one's handlers read only its own tables, so their order is free.
MODELS = (
    outline.MODEL,
    history.MODEL,
    blame.MODEL,
    reviews.MODEL,
    people.MODEL,
    details.MODEL,
    provenance.MODEL,
    copies.MODEL,
    needs.MODEL,
    inbox.MODEL,
    editions.MODEL,
)
TABLE_NAMES = [table for model in MODELS for table in model.tables]
# Which version of each read model the store holds (created with the tracking table).
VERSIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS {s}.textbook_read_models (name TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL)"
)


class PositionTaken(Exception):
    """Another process recorded events after the position this batch started from."""


class ReadModels(TrackingRecorder):
    """Every read model of textbook; each event updates them and the tracking atomically."""

    datastore: Any

    def record(
        self,
        tracking: Tracking,
        updates: list[Callable[[Sql], None]],
        after: int | None = None,
    ) -> None:
        """Apply the updates of the events up to `tracking`, and record it, in one transaction.

        With `after`, the position moves only if it still is `after` (compare and set), so
        that two processes never apply the same events; the loser gets PositionTaken.
        """
        with transaction(self.datastore, commit=True) as sql:
            # Tracking first: it takes the write lock and refuses a position seen before.
            if after is None:
                self._insert_tracking(sql.cursor, tracking)
            else:
                self._move_tracking(sql, tracking, after)
            for update in updates:
                update(sql)

    def _move_tracking(self, sql: Sql, tracking: Tracking, after: int) -> None:
        table = self.tracking_table()
        if after == 0:
            row = sql.one(
                f"INSERT INTO {{s}}.{table} VALUES (?, ?) ON CONFLICT (application_name)"
                " DO NOTHING RETURNING notification_id",
                (tracking.application_name, tracking.notification_id),
            )
        else:
            row = sql.one(
                f"UPDATE {{s}}.{table} SET notification_id = ?"
                " WHERE application_name = ? AND notification_id = ? RETURNING notification_id",
                (tracking.notification_id, tracking.application_name, after),
            )
        if row is None:
            raise PositionTaken()

    @contextmanager
    def read(self) -> Iterator[Sql]:
        with transaction(self.datastore, commit=False) as sql:
            yield sql

    def reset(self, application_name: str) -> None:
        """Every read model's tables made anew, and the tracking position forgotten, in one
        transaction: to rebuild from zero."""
        with transaction(self.datastore, commit=True) as sql:
            self.replace(sql, MODELS)
            sql.execute(
                f"DELETE FROM {{s}}.{self.tracking_table()} WHERE application_name = ?",
                (application_name,),
            )

    def stale(self) -> list[ReadModel]:
        """The read models whose tables the store holds in an older version, or not at all."""
        with self.read() as sql:
            rows = sql.all("SELECT name, version FROM {s}.textbook_read_models")
        built = {row["name"]: row["version"] for row in rows}
        return [model for model in MODELS if built.get(model.name) != model.version]

    def replace(self, sql: Sql, models: Sequence[ReadModel]) -> None:
        """Drop the tables of `models`, create them empty in their current shape, and record
        their versions (first: a write, so that SQLite takes its write lock at once)."""
        sql.executemany(
            "INSERT INTO {s}.textbook_read_models VALUES (?, ?) ON CONFLICT (name)"
            " DO UPDATE SET version = excluded.version",
            [(model.name, model.version) for model in models],
        )
        for model in models:
            for table in model.tables:
                sql.execute(f"DROP TABLE IF EXISTS {{s}}.{table}")
            for statement in model.ddl:
                # SQLite names an index's schema, not its table's: we name neither there.
                sql.execute(statement if sql.postgres else statement.replace("{s}.", ""))

    def position(self, sql: Sql, application_name: str) -> int:
        row = sql.one(
            f"SELECT notification_id FROM {{s}}.{self.tracking_table()} WHERE application_name = ?",
            (application_name,),
        )
        return 0 if row is None else int(row["notification_id"])

    def close(self) -> None:
        self.datastore.close()

    @abstractmethod
    def tracking_table(self) -> str: ...

    @abstractmethod
    def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...


class SQLiteReadModels(SQLiteTrackingRecorder, ReadModels):
    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        return [*statements, VERSIONS_DDL.replace("{s}.", "")]

    def tracking_table(self) -> str:
        return "tracking"


class PostgresReadModels(PostgresTrackingRecorder, ReadModels):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = f'"{self.datastore.schema}"'  # constant DDL, with the schema's quoted name
        self.sql_create_statements.append(SQL(VERSIONS_DDL.replace("{s}", schema)).format())

    def tracking_table(self) -> str:
        return str(self.tracking_table_name)
