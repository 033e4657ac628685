"""Read model of needs: what each book's sections and chapters need, who is on each, which
proposals answer them, and how they were closed. The reporter's email is never kept here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.need import Need
    from textbook.domain.proposal import Proposal
    from textbook.storage import Sql

# Changing TABLES needs VERSION + 1: a process that finds an older version rebuilds it.
VERSION = 1
TABLES = (
    "CREATE TABLE {s}.tb_needs (need_id TEXT PRIMARY KEY, book_id TEXT, book_slug TEXT,"
    " chapter_id TEXT, section_id TEXT, kind TEXT, reason TEXT, opened_by TEXT, quote TEXT,"
    " opened_at TEXT, taker TEXT, taken_at TEXT, is_open INTEGER, closed_by TEXT,"
    " close_reason TEXT, closed_proposal TEXT, closed_at TEXT)",
    "CREATE INDEX tb_needs_book ON {s}.tb_needs (book_slug, is_open, opened_at)",
    # The proposals that say they answer a need, and whether each is still open.
    "CREATE TABLE {s}.tb_need_answers (need_id TEXT, proposal_id TEXT, author TEXT,"
    " is_open INTEGER, PRIMARY KEY (need_id, proposal_id))",
    "CREATE INDEX tb_need_answers_proposal ON {s}.tb_need_answers (proposal_id)",
)
MODEL = ReadModel("needs", VERSION, TABLES)


def opened(sql: Sql, e: Need.Opened) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_needs VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 1, NULL, NULL, NULL, NULL)",
        (
            str(e.originator_id),
            str(e.book_id),
            e.book_slug,
            e.chapter_id,
            e.section_id,
            e.kind,
            e.reason,
            e.by,
            e.quote,
            e.timestamp.isoformat(),
        ),
    )


def taken(sql: Sql, e: Need.Taken) -> None:
    sql.execute(
        "UPDATE {s}.tb_needs SET taker = ?, taken_at = ? WHERE need_id = ?",
        (e.by, e.at.isoformat(), str(e.originator_id)),
    )


def released(sql: Sql, e: Need.Released) -> None:
    sql.execute(
        "UPDATE {s}.tb_needs SET taker = NULL, taken_at = NULL WHERE need_id = ?",
        (str(e.originator_id),),
    )


def answered(sql: Sql, e: Need.Answered) -> None:
    sql.execute(
        "DELETE FROM {s}.tb_need_answers WHERE need_id = ? AND proposal_id = ?",
        (str(e.originator_id), str(e.proposal_id)),
    )
    sql.execute(
        "INSERT INTO {s}.tb_need_answers VALUES (?, ?, ?, 1)",
        (str(e.originator_id), str(e.proposal_id), e.by),
    )


def closed(sql: Sql, e: Need.Closed) -> None:
    sql.execute(
        "UPDATE {s}.tb_needs SET is_open = 0, closed_by = ?, close_reason = ?,"
        " closed_proposal = ?, closed_at = ? WHERE need_id = ?",
        (
            e.by,
            e.reason,
            None if e.proposal_id is None else str(e.proposal_id),
            e.timestamp.isoformat(),
            str(e.originator_id),
        ),
    )


def proposal_closed(
    sql: Sql, e: Proposal.Approved | Proposal.Rejected | Proposal.Withdrawn
) -> None:
    sql.execute(
        "UPDATE {s}.tb_need_answers SET is_open = 0 WHERE proposal_id = ?",
        (str(e.originator_id),),
    )
