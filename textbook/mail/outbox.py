"""The outbox: messages waiting to be sent, in the event store's own database.

Never in a read model: read models are dropped and rebuilt from the events, and a rebuild must
not send anything again. A message's key is its primary key, so putting it twice queues it
once. A follower of the events moves its position (`textbook_mail_cursor`) in the same
transaction as the messages it puts, so each event's mail is queued exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from textbook.config import Settings
from textbook.mail.message import Message
from textbook.storage import Sql, tables_to_create, transaction

OUTBOX_DDL = (
    "CREATE TABLE IF NOT EXISTS {s}.textbook_outbox (key TEXT PRIMARY KEY,"
    " recipient TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT,"
    " unsubscribe TEXT, queued DOUBLE PRECISION NOT NULL, due DOUBLE PRECISION,"
    " attempts INTEGER NOT NULL DEFAULT 0, sent DOUBLE PRECISION, error TEXT);\n"
    "CREATE INDEX IF NOT EXISTS textbook_outbox_due ON {s}.textbook_outbox (due);\n"
    "CREATE TABLE IF NOT EXISTS {s}.textbook_mail_cursor (name TEXT PRIMARY KEY,"
    " position BIGINT NOT NULL);\n"
    # Inbox items kept for the daily digest of those who chose it, and what each digest covered.
    "CREATE TABLE IF NOT EXISTS {s}.textbook_digest_items (person_id TEXT NOT NULL,"
    " item_id BIGINT NOT NULL, person TEXT NOT NULL, at TEXT NOT NULL, book_slug TEXT NOT NULL,"
    " title TEXT NOT NULL, link TEXT NOT NULL, PRIMARY KEY (person_id, item_id));\n"
    "CREATE TABLE IF NOT EXISTS {s}.textbook_digests (person_id TEXT PRIMARY KEY,"
    " day TEXT NOT NULL, covered BIGINT NOT NULL)"
)
MAX_ATTEMPTS = 8  # then the message is given up, its last error kept
FIRST_RETRY = 60.0  # seconds; doubled after each failure ...
LAST_RETRY = 3600.0  # ... up to this
LEASE = 300.0  # seconds a postman holds the messages it took before another may take them


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure."""
    return float(min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY))


@dataclass(frozen=True)
class DigestEntry:
    """An inbox item kept for a person's daily digest."""

    person_id: str
    item_id: int
    person: str
    at: str
    book_slug: str
    title: str
    link: str


@dataclass(frozen=True)
class Delivery:
    """Where a message stands: sent, waiting (`due`), or given up (neither)."""

    message: Message
    attempts: int
    due: float | None
    sent: float | None
    error: str | None

    @property
    def given_up(self) -> bool:
        return self.sent is None and self.due is None


COLUMNS = "key, recipient, subject, text, html, unsubscribe, due, attempts, sent, error"


def _delivery(row: dict[str, Any]) -> Delivery:
    message = Message(
        row["key"], row["recipient"], row["subject"], row["text"], row["html"], row["unsubscribe"]
    )
    return Delivery(message, int(row["attempts"]), row["due"], row["sent"], row["error"])


class Outbox:
    """Messages waiting to be sent, shared by every process on the store."""

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore

    def put(
        self,
        messages: Iterable[Message],
        *,
        cursor: tuple[str, int] | None = None,
        now: float | None = None,
        collect: Iterable[DigestEntry] = (),
    ) -> int:
        """Queue messages (a key queued before is skipped); with `cursor` (a follower's name
        and position), move that follower on in the same transaction, and keep the items to
        `collect` for their daily digests. Returns how many messages were new."""
        now = time.time() if now is None else now
        new = 0
        with transaction(self.datastore, commit=True) as sql:
            if cursor is not None:
                self._move(sql, *cursor)
            for e in collect:
                sql.execute(
                    "INSERT INTO {s}.textbook_digest_items (person_id, item_id, person, at,"
                    " book_slug, title, link) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (person_id, item_id) DO NOTHING",
                    (e.person_id, e.item_id, e.person, e.at, e.book_slug, e.title, e.link),
                )
            for m in messages:
                new += self._insert(sql, m, now)
        return new

    @staticmethod
    def _insert(sql: Sql, m: Message, now: float) -> int:
        sql.execute(
            "INSERT INTO {s}.textbook_outbox (key, recipient, subject, text, html,"
            " unsubscribe, queued, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (m.key, m.to, m.subject, m.text, m.html, m.unsubscribe, now, now),
        )
        return max(sql.rowcount, 0)

    @staticmethod
    def _move(sql: Sql, name: str, position: int) -> None:
        sql.execute(
            "INSERT INTO {s}.textbook_mail_cursor (name, position) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (name, position),
        )

    def digest_people(self) -> list[str]:
        """The ids of the people with items waiting for their digest."""
        with transaction(self.datastore, commit=False) as sql:
            rows = sql.all(
                "SELECT DISTINCT person_id FROM {s}.textbook_digest_items ORDER BY person_id"
            )
        return [str(row["person_id"]) for row in rows]

    def digest_items(self, person_id: str) -> list[DigestEntry]:
        """The items waiting for the person's digest, newest first."""
        with transaction(self.datastore, commit=False) as sql:
            rows = sql.all(
                "SELECT * FROM {s}.textbook_digest_items WHERE person_id = ? ORDER BY item_id DESC",
                (person_id,),
            )
        return [
            DigestEntry(r["person_id"], int(r["item_id"]), r["person"], r["at"],
                        r["book_slug"], r["title"], r["link"])
            for r in rows
        ]  # fmt: skip

    def last_digest(self, person_id: str) -> tuple[str, int] | None:
        """The day of the person's last digest and the last item it covered, if any."""
        with transaction(self.datastore, commit=False) as sql:
            row = sql.one(
                "SELECT day, covered FROM {s}.textbook_digests WHERE person_id = ?", (person_id,)
            )
        return None if row is None else (str(row["day"]), int(row["covered"]))

    def put_digest(
        self,
        message: Message | None,
        person_id: str,
        day: str,
        covered: int,
        now: float | None = None,
    ) -> int:
        """Queue a digest (None: drop the items, mailing nothing) and record, in the same
        transaction, that it covered the person's items up to `covered` on `day`."""
        with transaction(self.datastore, commit=True) as sql:
            sql.execute(
                "DELETE FROM {s}.textbook_digest_items WHERE person_id = ? AND item_id <= ?",
                (person_id, covered),
            )
            sql.execute(
                "INSERT INTO {s}.textbook_digests (person_id, day, covered) VALUES (?, ?, ?)"
                " ON CONFLICT (person_id) DO UPDATE SET day = excluded.day,"
                " covered = excluded.covered",
                (person_id, day, covered),
            )
            if message is None:
                return 0
            return self._insert(sql, message, time.time() if now is None else now)

    def position(self, name: str) -> int:
        """How far the follower `name` has read the events (0: not at all)."""
        with transaction(self.datastore, commit=False) as sql:
            row = sql.one("SELECT position FROM {s}.textbook_mail_cursor WHERE name = ?", (name,))
        return int(row["position"]) if row else 0

    def take_due(self, now: float | None = None, limit: int = 50) -> list[Delivery]:
        """The messages due now, held for this postman for LEASE seconds (so that two
        postmen never send the same one; a postman that dies lets them go again)."""
        now = time.time() if now is None else now
        with transaction(self.datastore, commit=False) as sql:
            rows = sql.all(
                f"SELECT {COLUMNS} FROM {{s}}.textbook_outbox"
                " WHERE due IS NOT NULL AND due <= ? ORDER BY due, key LIMIT ?",
                (now, limit),
            )
        taken = []
        with transaction(self.datastore, commit=True) as sql:
            for row in rows:
                sql.execute(
                    "UPDATE {s}.textbook_outbox SET due = ? WHERE key = ? AND due = ?",
                    (now + LEASE, row["key"], row["due"]),
                )
                if sql.rowcount == 1:
                    taken.append(_delivery(row))
        return taken

    def mark_sent(self, key: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with transaction(self.datastore, commit=True) as sql:
            sql.execute(
                "UPDATE {s}.textbook_outbox SET sent = ?, due = NULL, attempts = attempts + 1"
                " WHERE key = ?",
                (now, key),
            )

    def mark_failed(
        self, key: str, error: str, now: float | None = None, permanent: bool = False
    ) -> Delivery | None:
        """Count a failed attempt: tried again after a backoff, or given up (after
        MAX_ATTEMPTS, or at once when the server refused it for good), the error kept."""
        now = time.time() if now is None else now
        with transaction(self.datastore, commit=True) as sql:
            row = sql.one("SELECT attempts FROM {s}.textbook_outbox WHERE key = ?", (key,))
            if row is None:
                return None
            attempts = int(row["attempts"]) + 1
            due = None if permanent or attempts >= MAX_ATTEMPTS else now + backoff(attempts)
            sql.execute(
                "UPDATE {s}.textbook_outbox SET attempts = ?, due = ?, error = ? WHERE key = ?",
                (attempts, due, error[:1000], key),
            )
        return self.delivery(key)

    def delivery(self, key: str) -> Delivery | None:
        with transaction(self.datastore, commit=False) as sql:
            row = sql.one(f"SELECT {COLUMNS} FROM {{s}}.textbook_outbox WHERE key = ?", (key,))
        return None if row is None else _delivery(row)

    def deliveries(self, to: str | None = None) -> list[Delivery]:
        """Every message, oldest first (to one address, if given)."""
        where, params = ("WHERE recipient = ?", (to,)) if to is not None else ("", ())
        with transaction(self.datastore, commit=False) as sql:
            rows = sql.all(
                f"SELECT {COLUMNS} FROM {{s}}.textbook_outbox {where} ORDER BY queued, key",
                params,
            )
        return [_delivery(row) for row in rows]


def open_outbox(settings: Settings, datastore: Any) -> Outbox:
    """The outbox in the store's database (`app.recorder.datastore`), its tables made once."""
    with tables_to_create(settings, "mail", OUTBOX_DDL) as create:
        if create:
            with transaction(datastore, commit=True) as sql:
                for statement in OUTBOX_DDL.split(";\n"):
                    if not sql.postgres:  # SQLite names an index's schema, not its table's
                        statement = statement.replace(" ON {s}.", " ON ")
                    sql.execute(statement)
    return Outbox(datastore)
