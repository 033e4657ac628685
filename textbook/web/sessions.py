"""Server-side sessions: the cookie carries a random id, the store says whose it is and
whether it still holds, so that signing out (or out everywhere) ends it on every host.

The signed cookie (Starlette's SessionMiddleware) keeps what an anonymous visitor needs too,
the CSRF token, and the session id once signed in; the store keeps, by the id's SHA-256,
the user, when it began, when it was last seen and when it ended. A session ends after
`session_idle` seconds without a request and `session_lifetime` seconds after signing in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from textbook.storage import transaction

SESSIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS {s}.textbook_sessions (id TEXT PRIMARY KEY,"
    " user_name TEXT NOT NULL, created DOUBLE PRECISION NOT NULL,"
    " last_seen DOUBLE PRECISION NOT NULL, ended DOUBLE PRECISION);\n"
    "CREATE INDEX IF NOT EXISTS textbook_sessions_user ON {s}.textbook_sessions (user_name);\n"
    "CREATE INDEX IF NOT EXISTS textbook_sessions_created ON {s}.textbook_sessions (created)"
)
USER_KEY = "textbook.user"  # where the middleware leaves the signed-in user's name in the scope
TOUCH_EVERY = 60.0  # seconds: last_seen is written at most this often per session


def digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRules:
    idle: float
    lifetime: float

    @property
    def touch_every(self) -> float:
        # Never so rarely that an active session could look idle.
        return min(TOUCH_EVERY, self.idle / 4)


class SessionStore:
    """Session records beside the events, shared by every worker and host."""

    def __init__(self, datastore: Any, rules: SessionRules) -> None:
        self.datastore = datastore
        self.rules = rules

    def start(self, user_name: str, now: float | None = None) -> str:
        """A new session for `user_name`; returns its id, for the cookie."""
        now = time.time() if now is None else now
        session_id = secrets.token_urlsafe(32)
        with transaction(self.datastore, commit=True) as sql:
            sql.execute(
                "INSERT INTO {s}.textbook_sessions (id, user_name, created, last_seen)"
                " VALUES (?, ?, ?, ?)",
                (digest(session_id), user_name, now, now),
            )
            # Forget sessions that can no longer be used by anyone.
            sql.execute(
                "DELETE FROM {s}.textbook_sessions WHERE created < ?",
                (now - self.rules.lifetime - 86400,),
            )
        return session_id

    def user(self, session_id: str, now: float | None = None) -> str | None:
        """Whose session this is, if it still holds; notes that it was seen now."""
        now = time.time() if now is None else now
        key = digest(session_id)
        with transaction(self.datastore, commit=False) as sql:
            row = sql.one(
                "SELECT user_name, created, last_seen, ended FROM {s}.textbook_sessions"
                " WHERE id = ?",
                (key,),
            )
        if row is None or row["ended"] is not None:
            return None
        if now - row["last_seen"] > self.rules.idle or now - row["created"] > self.rules.lifetime:
            return None
        if now - row["last_seen"] >= self.rules.touch_every:
            with transaction(self.datastore, commit=True) as sql:
                sql.execute(
                    "UPDATE {s}.textbook_sessions SET last_seen = ? WHERE id = ? AND last_seen < ?",
                    (now, key, now),
                )
        return str(row["user_name"])

    def end(self, session_id: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with transaction(self.datastore, commit=True) as sql:
            sql.execute(
                "UPDATE {s}.textbook_sessions SET ended = ? WHERE id = ? AND ended IS NULL",
                (now, digest(session_id)),
            )

    def end_all(self, user_name: str, now: float | None = None) -> int:
        """End every session of `user_name`; returns how many were still open."""
        now = time.time() if now is None else now
        with transaction(self.datastore, commit=True) as sql:
            row = sql.one(
                "SELECT COUNT(*) AS n FROM {s}.textbook_sessions"
                " WHERE user_name = ? AND ended IS NULL",
                (user_name,),
            )
            sql.execute(
                "UPDATE {s}.textbook_sessions SET ended = ? WHERE user_name = ? AND ended IS NULL",
                (now, user_name),
            )
        return int(row["n"]) if row else 0


class ServerSessions:
    """Puts the signed-in user's name in the scope when the cookie's session still holds,
    and drops the session id from the cookie when it does not. Inside SessionMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            session: dict[str, Any] = scope.get("session", {})
            session_id = session.get("sid")
            scope[USER_KEY] = None
            if isinstance(session_id, str):
                store: SessionStore = scope["app"].state.site.sessions
                user = await run_in_threadpool(store.user, session_id)
                if user is None:
                    session.pop("sid", None)
                scope[USER_KEY] = user
            session.pop("user", None)  # cookies from before server-side sessions: signed out
        await self.app(scope, receive, send)
