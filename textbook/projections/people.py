"""Read model of people: user names for display."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.user import User
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 1
TABLES = (
    "CREATE TABLE {s}.tb_users (user_id TEXT PRIMARY KEY, name TEXT UNIQUE,"
    " email TEXT, registered_at TEXT)",
)
MODEL = ReadModel("people", VERSION, TABLES)


def registered(sql: Sql, e: User.Registered) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_users VALUES (?, ?, ?, ?)",
        (str(e.originator_id), e.name, e.email, e.timestamp.isoformat()),
    )
