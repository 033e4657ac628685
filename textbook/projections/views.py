"""The read models' store: our tables and the tracking record, written in one transaction."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from textbook.projections import blame, history, outline, people, reviews
from textbook.storage import Sql, transaction

TABLES = [*outline.TABLES, *history.TABLES, *blame.TABLES, *reviews.TABLES, *people.TABLES]
TABLE_NAMES = [
    statement.split("{s}.")[1].split(" ")[0]
    for statement in TABLES
    if statement.startswith("CREATE TABLE")
]


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
        """Forget every row and the tracking position, in one transaction, to rebuild from zero."""
        with transaction(self.datastore, commit=True) as sql:
            for table in TABLE_NAMES:
                sql.execute(f"DELETE FROM {{s}}.{table}")
            sql.execute(
                f"DELETE FROM {{s}}.{self.tracking_table()} WHERE application_name = ?",
                (application_name,),
            )

    def close(self) -> None:
        self.datastore.close()

    @abstractmethod
    def tracking_table(self) -> str: ...

    @abstractmethod
    def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...


class SQLiteReadModels(SQLiteTrackingRecorder, ReadModels):
    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        return [*statements, *(s.replace("{s}.", "") for s in TABLES)]

    def tracking_table(self) -> str:
        return "tracking"


class PostgresReadModels(PostgresTrackingRecorder, ReadModels):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = f'"{self.datastore.schema}"'
        for statement in TABLES:  # constant DDL, with the configured schema's quoted name
            self.sql_create_statements.append(SQL(statement.replace("{s}", schema)).format())

    def tracking_table(self) -> str:
        return str(self.tracking_table_name)
