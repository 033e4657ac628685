"""Read model of blame: for every line of a section's approved text, who wrote and approved it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.section import Section
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 1
TABLES = (
    "CREATE TABLE {s}.tb_blame (aggregate_id TEXT, line_no INTEGER,"
    " book_slug TEXT, section_id TEXT, line TEXT, revision INTEGER, author TEXT, approver TEXT,"
    " proposal_id TEXT, at TEXT, PRIMARY KEY (aggregate_id, line_no))",
    "CREATE INDEX tb_blame_by_book ON {s}.tb_blame (book_slug, section_id)",
    # Where each section is, from its creation: so that this read model reads only its own
    # tables (it is rebuilt alone when its version changes).
    "CREATE TABLE {s}.tb_blame_sections (aggregate_id TEXT PRIMARY KEY, book_slug TEXT,"
    " section_id TEXT)",
)
MODEL = ReadModel("blame", VERSION, TABLES)


@dataclass(frozen=True)
class Origin:
    """Where a line came from: the revision that introduced it, its author and approver."""

    revision: int
    author: str
    approver: str
    proposal_id: str | None
    at: str


def carry(old: list[tuple[str, Origin]], new_text: str, origin: Origin) -> list[tuple[str, Origin]]:
    """Blame for `new_text`: unchanged lines keep their origin; changed, added ones get `origin`."""
    new_lines = new_text.splitlines()
    old_lines = [line for line, _ in old]
    # Most revisions change one region: match the common head and tail first, then diff the
    # middle with difflib's junk heuristic on, which keeps many repeated lines from going
    # quadratic (20,000 identical lines took 40 s without it).
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(old_lines), len(new_lines)) - head
        and old_lines[-1 - tail] == new_lines[-1 - tail]
    ):
        tail += 1
    middle_old = old_lines[head : len(old_lines) - tail]
    middle_new = new_lines[head : len(new_lines) - tail]
    result: list[tuple[str, Origin]] = list(old[:head])
    matcher = difflib.SequenceMatcher(None, middle_old, middle_new, autojunk=True)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(old[head + i1 : head + i2])
        else:
            result.extend((line, origin) for line in middle_new[j1:j2])
    result.extend(old[len(old) - tail :] if tail else [])
    return result


def section_created(sql: Sql, e: Section.Created) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_blame_sections VALUES (?, ?, ?)",
        (str(e.originator_id), e.book_slug, e.section_id),
    )
    section_blamed(sql, e, 1)


def located(sql: Sql, aggregate_id: str) -> dict[str, Any]:
    where = sql.one(
        "SELECT book_slug, section_id FROM {s}.tb_blame_sections WHERE aggregate_id = ?",
        (aggregate_id,),
    )
    if where is None:
        raise LookupError(f"section {aggregate_id} is not in the read model")
    return where


def section_blamed(sql: Sql, e: Section.Created | Section.Revised, revision: int) -> None:
    """Blame after a revision, writing only the rows that changed (most edits change a few)."""
    aggregate_id = str(e.originator_id)
    rows = sql.all(
        "SELECT line, revision, author, approver, proposal_id, at, book_slug, section_id"
        " FROM {s}.tb_blame WHERE aggregate_id = ? ORDER BY line_no",
        (aggregate_id,),
    )
    old = [
        (r["line"], Origin(r["revision"], r["author"], r["approver"], r["proposal_id"], r["at"]))
        for r in rows
    ]
    origin = Origin(
        revision,
        str(e.by),
        str(e.approved_by),
        str(e.proposal_id) if e.proposal_id else None,
        e.timestamp.isoformat(),
    )
    new = carry(old, e.text, origin)
    changed = [n for n, blamed in enumerate(new) if n >= len(old) or old[n] != blamed]
    if len(new) < len(old):
        sql.execute(
            "DELETE FROM {s}.tb_blame WHERE aggregate_id = ? AND line_no > ?",
            (aggregate_id, len(new)),
        )
    if not changed:
        return
    where = rows[0] if rows else located(sql, aggregate_id)
    book_slug, section_id = where["book_slug"], where["section_id"]
    sql.executemany(
        "INSERT INTO {s}.tb_blame VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (aggregate_id, line_no) DO UPDATE SET line = excluded.line,"
        " revision = excluded.revision, author = excluded.author,"
        " approver = excluded.approver, proposal_id = excluded.proposal_id, at = excluded.at",
        [
            (aggregate_id, n + 1, book_slug, section_id, line, o.revision, o.author, o.approver,
             o.proposal_id, o.at)
            for n in changed
            for line, o in [new[n]]
        ],
    )  # fmt: skip
