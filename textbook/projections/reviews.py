"""Read model of proposals, their review thread, and each book's review queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textbook.domain.vocabulary import ProposalStatus
from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.proposal import Proposal
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 1
TABLES = (
    "CREATE TABLE {s}.tb_proposals (proposal_id TEXT PRIMARY KEY, book_slug TEXT,"
    " kind TEXT, section_id TEXT, chapter_id TEXT, after_id TEXT, status TEXT, author TEXT,"
    " base_revision INTEGER, text TEXT, message TEXT, opened_at TEXT, updated_at TEXT,"
    " applied_revision INTEGER)",
    "CREATE INDEX tb_proposals_by_book ON {s}.tb_proposals (book_slug, status)",
    "CREATE INDEX tb_proposals_by_author ON {s}.tb_proposals (author)",
    "CREATE TABLE {s}.tb_thread (proposal_id TEXT, version INTEGER, kind TEXT,"
    " by_user TEXT, comment TEXT, at TEXT, PRIMARY KEY (proposal_id, version))",
    # Every version of every proposal's text, so that a reviewer sees what changed since the
    # version they read. (A proposal's current version is counted from tb_thread, which stores
    # made before this table existed have too.)
    "CREATE TABLE {s}.tb_proposal_versions (proposal_id TEXT, version INTEGER,"
    " text TEXT, base_revision INTEGER, at TEXT, PRIMARY KEY (proposal_id, version))",
    "CREATE TABLE {s}.tb_proposal_images (proposal_id TEXT, name TEXT,"
    " sha256 TEXT, media_type TEXT, size INTEGER, PRIMARY KEY (proposal_id, name))",
)
MODEL = ReadModel("reviews", VERSION, TABLES)
# The thread's steps that make a new version of the text.
VERSION_STEPS = "('opened', 'revised')"

# The thread's steps that decide (each is named after the status it gives the proposal).
DECISION_STEPS = (
    ProposalStatus.APPROVED,
    ProposalStatus.REJECTED,
    ProposalStatus.CHANGES_REQUESTED,
)

# The status a proposal has after each step of its thread that changes it.
STATUS_AFTER = {
    "revised": ProposalStatus.OPEN,
    "changes_requested": ProposalStatus.CHANGES_REQUESTED,
    "approved": ProposalStatus.APPROVED,
    "rejected": ProposalStatus.REJECTED,
    "withdrawn": ProposalStatus.WITHDRAWN,
}


def opened(sql: Sql, e: Proposal.Opened) -> None:
    at = e.timestamp.isoformat()
    sql.execute(
        "INSERT INTO {s}.tb_proposals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        (
            str(e.originator_id),
            e.book_slug,
            e.kind,
            e.section_id,
            e.chapter_id,
            e.after,
            ProposalStatus.OPEN.value,
            str(e.by),
            e.base_revision,
            e.text,
            e.message,
            at,
            at,
        ),
    )
    thread(sql, e, "opened", e.message)
    text_version(sql, e, 1, e.text, e.base_revision)


def text_version(sql: Sql, e: Proposal.Event, version: int, text: str, base_revision: int) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_proposal_versions VALUES (?, ?, ?, ?, ?)",
        (str(e.originator_id), version, text, base_revision, e.timestamp.isoformat()),
    )


def version_count(sql: Sql, proposal_id: str) -> int:
    """How many versions of its text the proposal has had so far (its current version)."""
    row = sql.one(
        "SELECT COUNT(*) AS n FROM {s}.tb_thread WHERE proposal_id = ?"
        f" AND kind IN {VERSION_STEPS}",
        (proposal_id,),
    )
    return int(row["n"]) if row is not None else 0


def thread(sql: Sql, e: Proposal.Event, kind: str, comment: str) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_thread VALUES (?, ?, ?, ?, ?, ?)",
        (
            str(e.originator_id),
            e.originator_version,
            kind,
            str(getattr(e, "by", "")),
            comment,
            e.timestamp.isoformat(),
        ),
    )


def reviewed(sql: Sql, e: Proposal.Event, kind: str) -> None:
    """Record a step of the review; steps other than comments change the proposal's status."""
    at, proposal_id = e.timestamp.isoformat(), str(e.originator_id)
    if kind in STATUS_AFTER:
        sql.execute(
            "UPDATE {s}.tb_proposals SET status = ?, updated_at = ? WHERE proposal_id = ?",
            (STATUS_AFTER[kind].value, at, proposal_id),
        )
    thread(sql, e, kind, getattr(e, "comment", "") or getattr(e, "message", ""))


def revised(sql: Sql, e: Proposal.Revised) -> None:
    """A new version of the text; its message goes to the thread, the title stays."""
    sql.execute(
        "UPDATE {s}.tb_proposals SET text = ?, base_revision = ? WHERE proposal_id = ?",
        (e.text, e.base_revision, str(e.originator_id)),
    )
    version = version_count(sql, str(e.originator_id)) + 1
    text_version(sql, e, version, e.text, e.base_revision)
    reviewed(sql, e, "revised")


def approved(sql: Sql, e: Proposal.Approved) -> None:
    sql.execute(
        "UPDATE {s}.tb_proposals SET applied_revision = ? WHERE proposal_id = ?",
        (e.revision, str(e.originator_id)),
    )
    reviewed(sql, e, "approved")


def image_attached(sql: Sql, e: Proposal.ImageAttached) -> None:
    """The images a proposal carries, for its page to show (a new one under a name replaces)."""
    sql.execute(
        "INSERT INTO {s}.tb_proposal_images VALUES (?, ?, ?, ?, ?) ON CONFLICT (proposal_id, name)"
        " DO UPDATE SET sha256 = excluded.sha256, media_type = excluded.media_type,"
        " size = excluded.size",
        (str(e.originator_id), e.name, e.sha256, e.media_type, e.size),
    )
    sql.execute(
        "UPDATE {s}.tb_proposals SET updated_at = ? WHERE proposal_id = ?",
        (e.timestamp.isoformat(), str(e.originator_id)),
    )
