"""Read model of every approved revision of every section: who wrote it, who approved it."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from textbook.domain.section import Section
from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 2  # 2: `words`, the words each revision added (for the community page)
TABLES = (
    "CREATE TABLE {s}.tb_revisions (aggregate_id TEXT, version INTEGER,"
    " book_slug TEXT, section_id TEXT, revision INTEGER, kind TEXT, text TEXT, author TEXT,"
    " approver TEXT, proposal_id TEXT, message TEXT, at TEXT, words INTEGER,"
    " PRIMARY KEY (aggregate_id, version))",
    "CREATE INDEX tb_revisions_by_book ON {s}.tb_revisions (book_slug, section_id)",
    "CREATE INDEX tb_revisions_by_proposal ON {s}.tb_revisions (proposal_id)",
)
MODEL = ReadModel("history", VERSION, TABLES)


def section_changed(
    sql: Sql, e: Section.Created | Section.Revised | Section.Removed, kind: str
) -> None:
    """A row for the new revision; where the section is comes from its first row, so that this
    read model reads only its own table (it is rebuilt alone when its version changes)."""
    book_slug, section_id, revision, before = where_and_revision(sql, e)
    text = "" if isinstance(e, Section.Removed) else e.text
    sql.execute(
        "INSERT INTO {s}.tb_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(e.originator_id),
            e.originator_version,
            book_slug,
            section_id,
            revision,
            kind,
            text,
            str(e.by),
            str(e.approved_by),
            str(e.proposal_id) if e.proposal_id else None,
            e.message,
            e.timestamp.isoformat(),
            0 if isinstance(e, Section.Removed) else words_added(before, text),
        ),
    )


def words_added(before: str, after: str) -> int:
    """How many words `after` has that `before` had not: the words a revision wrote (a word
    changed counts, a word moved counts where it lands, a word removed does not)."""
    old, new = before.split(), after.split()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return sum(j2 - j1 for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal")


def where_and_revision(
    sql: Sql, e: Section.Created | Section.Revised | Section.Removed
) -> tuple[str, str, int, str]:
    """The section's book and id, its revision after `e` (a removal keeps the revision), and
    its text before `e`."""
    if isinstance(e, Section.Created):
        return e.book_slug, e.section_id, 1, ""
    last = sql.one(
        "SELECT book_slug, section_id, revision, text FROM {s}.tb_revisions"
        " WHERE aggregate_id = ?"
        " ORDER BY version DESC LIMIT 1",
        (str(e.originator_id),),
    )
    if last is None:
        raise LookupError(f"section {e.originator_id} is not in the read model")
    revision = e.revision if isinstance(e, Section.Revised) else last["revision"]
    return last["book_slug"], last["section_id"], revision, last["text"]
