"""A rate limit kept in the store, so that it holds across every worker and host.

Each allowed hit is a row (key, until); a key may have at most `limit` rows whose `until` is
still ahead. Hits on one key are serialised: on SQLite the INSERT takes the write lock before
the count, on PostgreSQL a transaction-scoped advisory lock on the key does.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from textbook.storage import Sql, transaction

THROTTLE_DDL = (
    "CREATE TABLE IF NOT EXISTS {s}.textbook_throttle"
    " (key TEXT NOT NULL, nonce TEXT NOT NULL, until DOUBLE PRECISION NOT NULL);\n"
    "CREATE INDEX IF NOT EXISTS textbook_throttle_key ON {s}.textbook_throttle (key, until)"
)


def hashed(key: str) -> str:
    """What the table keeps of a key (an address, a name): bounded, and nothing personal."""
    return hashlib.sha256(key.encode()).hexdigest()


def insert_first(sql: Sql, digest: str, nonce: str, until: float) -> None:
    """Add a row under the key, first in its transaction: this orders every transaction on
    the key (SQLite's write lock; on PostgreSQL, an advisory lock on the key)."""
    if sql.postgres:
        sql.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (digest,))
    sql.execute(
        "INSERT INTO {s}.textbook_throttle (key, nonce, until) VALUES (?, ?, ?)",
        (digest, nonce, until),
    )


class Throttle:
    """At most `limit` hits per `window` seconds for each key (a client address, a person)."""

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore

    def hit(self, key: str, limit: int, window: float, now: float | None = None) -> float | None:
        """Count a hit on `key`, or, over the limit, count nothing and return the seconds
        until the next hit will be allowed."""
        now = time.time() if now is None else now
        digest = hashed(key)
        nonce = secrets.token_hex(8)
        with transaction(self.datastore, commit=True) as sql:
            insert_first(sql, digest, nonce, now + window)
            sql.execute(
                "DELETE FROM {s}.textbook_throttle WHERE key = ? AND until <= ?", (digest, now)
            )
            rows = sql.all(
                "SELECT until FROM {s}.textbook_throttle WHERE key = ? AND nonce <> ?"
                " ORDER BY until",
                (digest, nonce),
            )
            if len(rows) < limit:
                if secrets.randbelow(100) == 0:  # now and then, forget every key's old hits
                    sql.execute("DELETE FROM {s}.textbook_throttle WHERE until <= ?", (now,))
                return None
            sql.execute(
                "DELETE FROM {s}.textbook_throttle WHERE key = ? AND nonce = ?", (digest, nonce)
            )
            return max(float(rows[len(rows) - limit]["until"]) - now, 1.0)

    def claim(self, key: str, keep: float) -> tuple[str, int]:
        """Hold a claim under `key` for at most `keep` seconds: the claim, and how many
        others were held at that moment (ordered with every other claim on the key)."""
        now = time.time()
        digest = hashed(key)
        nonce = secrets.token_hex(8)
        with transaction(self.datastore, commit=True) as sql:
            insert_first(sql, digest, nonce, now + keep)
            row = sql.one(
                "SELECT COUNT(*) AS n FROM {s}.textbook_throttle"
                " WHERE key = ? AND until > ? AND nonce <> ?",
                (digest, now, nonce),
            )
        return nonce, int(row["n"]) if row else 0

    def release(self, key: str, nonce: str) -> None:
        digest = hashed(key)
        with transaction(self.datastore, commit=True) as sql:
            sql.execute(
                "DELETE FROM {s}.textbook_throttle WHERE key = ? AND nonce = ?", (digest, nonce)
            )

    def remember(self, key: str, at: float, keep: float) -> None:
        """Note a moment under `key`, kept for `keep` seconds (not a hit: nothing refused)."""
        digest = hashed(key)
        with transaction(self.datastore, commit=True) as sql:
            sql.execute(
                "INSERT INTO {s}.textbook_throttle (key, nonce, until) VALUES (?, ?, ?)",
                (digest, secrets.token_hex(8), at + keep),
            )

    def remembered(self, key: str, now: float, keep: float) -> list[float]:
        """The moments noted under `key` in the last `keep` seconds, oldest first."""
        digest = hashed(key)
        with transaction(self.datastore, commit=False) as sql:
            rows = sql.all(
                "SELECT until FROM {s}.textbook_throttle WHERE key = ? AND until > ?"
                " ORDER BY until",
                (digest, now),
            )
        return [float(row["until"]) - keep for row in rows]


class SignInLedgerInStore:
    """Textbook.check_password's ledger in the throttle's table: checks under way, and wrong
    passwords for names without an account, the same on every worker and host."""

    KEEP = 3600.0  # wrong passwords: longer than the lock's window, which ends as for accounts
    CLAIM = 60.0  # a check under way: a worker that dies mid-check holds its claim this long

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    def claim(self, name: str, at: datetime) -> tuple[str, int]:
        return self.throttle.claim("sign-in-check:" + name.lower(), self.CLAIM)

    def release(self, name: str, claim: str) -> None:
        self.throttle.release("sign-in-check:" + name.lower(), claim)

    def failures(self, name: str, at: datetime) -> list[datetime]:
        moments = self.throttle.remembered(self.key(name), at.timestamp(), self.KEEP)
        return [datetime.fromtimestamp(moment, UTC) for moment in moments]

    def record(self, name: str, at: datetime) -> None:
        self.throttle.remember(self.key(name), at.timestamp(), self.KEEP)

    @staticmethod
    def key(name: str) -> str:
        return "sign-in:" + name.lower()
