"""Read model of people: user names for display."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textbook.domain.user import User
    from textbook.storage import Sql

TABLES = [
    "CREATE TABLE IF NOT EXISTS {s}.tb_users (user_id TEXT PRIMARY KEY, name TEXT UNIQUE,"
    " email TEXT, registered_at TEXT)",
]


def registered(sql: Sql, e: User.Registered) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_users VALUES (?, ?, ?, ?)",
        (str(e.originator_id), e.name, e.email, e.timestamp.isoformat()),
    )
