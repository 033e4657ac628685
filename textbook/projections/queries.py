"""Questions answered from the read models, as frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from textbook.domain import ids
from textbook.domain.book import METADATA_FIELDS
from textbook.domain.errors import BookNotFound, ProposalNotFound, SectionNotFound
from textbook.domain.state import BookState, ChapterState, ImageRef, SectionState
from textbook.projections import reviews
from textbook.projections.blame import Origin, carry
from textbook.projections.queue import QueueEntry, queue_entries
from textbook.projections.views import TABLE_NAMES, ReadModels
from textbook.storage import Sql

OPERATOR_NAME = "operator"


@dataclass(frozen=True)
class SectionSummary:
    id: str
    title: str
    revision: int


@dataclass(frozen=True)
class ChapterSummary:
    id: str
    file: str
    title: str
    sections: tuple[SectionSummary, ...]


@dataclass(frozen=True)
class BookOutline:
    slug: str
    title: str
    subtitle: str
    language: str
    license: str
    description: str
    updated_at: str
    chapters: tuple[ChapterSummary, ...]


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    chapter: str
    revision: int
    text: str


@dataclass(frozen=True)
class Revision:
    section_id: str
    revision: int
    kind: str
    author: str
    approver: str
    proposal_id: str | None
    message: str
    at: str
    text: str


@dataclass(frozen=True)
class BlameLine:
    number: int
    line: str
    revision: int
    author: str
    approver: str
    proposal_id: str | None
    at: str


@dataclass(frozen=True)
class ProposalSummary:
    id: str
    book_slug: str
    kind: str
    section_id: str
    status: str
    author: str
    base_revision: int
    message: str
    opened_at: str
    updated_at: str
    version: int
    chapter_id: str = ""  # for new text and moves: the chapter it goes to
    after: str = ""  # and the section (or chapter) it goes after


@dataclass(frozen=True)
class ProposalView:
    id: str
    book_slug: str
    kind: str
    section_id: str
    chapter_id: str
    after: str
    status: str
    author: str
    base_revision: int
    text: str
    message: str
    opened_at: str
    updated_at: str
    applied_revision: int | None
    version: int  # each revision of the text adds one; approving names it


@dataclass(frozen=True)
class ThreadEntry:
    kind: str
    by: str
    comment: str
    at: str


@dataclass(frozen=True)
class Contributor:
    name: str
    lines_written: int
    lines_approved: int


# Proposals with their current version: the count of versions recorded in their thread.
PROPOSALS = (
    "SELECT p.*, (SELECT COUNT(*) FROM {s}.tb_thread t WHERE t.proposal_id = p.proposal_id"
    f" AND t.kind IN {reviews.VERSION_STEPS}) AS version FROM {{s}}.tb_proposals p"
)


class Queries:
    def __init__(self, views: ReadModels) -> None:
        self.views = views

    def _names(self, sql: Sql) -> dict[str, str]:
        names = {row["user_id"]: row["name"] for row in sql.all("SELECT * FROM {s}.tb_users")}
        names[str(ids.OPERATOR)] = OPERATOR_NAME
        return names

    def _book_row(self, sql: Sql, slug: str) -> dict[str, Any]:
        if "\x00" in slug:  # PostgreSQL refuses NUL even as a query parameter
            raise BookNotFound(slug)
        row = sql.one("SELECT * FROM {s}.tb_books WHERE slug = ?", (slug,))
        if row is None:
            raise BookNotFound(slug)
        return row

    def books(self) -> list[BookOutline]:
        with self.views.read() as sql:
            slugs = [r["slug"] for r in sql.all("SELECT slug FROM {s}.tb_books ORDER BY slug")]
        return [self.outline(slug) for slug in slugs]

    def outline(self, slug: str) -> BookOutline:
        with self.views.read() as sql:
            book = self._book_row(sql, slug)
            rows = sql.all(
                "SELECT o.chapter_id, o.chapter_file, o.section_id, s.title, s.revision"
                " FROM {s}.tb_outline o JOIN {s}.tb_sections s"
                " ON s.book_slug = o.book_slug AND s.section_id = o.section_id"
                " WHERE o.book_slug = ? ORDER BY o.position",
                (slug,),
            )
        chapters: list[ChapterSummary] = []
        for row in rows:
            section = SectionSummary(row["section_id"], row["title"], row["revision"])
            if chapters and chapters[-1].id == row["chapter_id"]:
                last = chapters[-1]
                chapters[-1] = ChapterSummary(
                    last.id, last.file, last.title, (*last.sections, section)
                )
            else:
                chapters.append(
                    ChapterSummary(row["chapter_id"], row["chapter_file"], row["title"], (section,))
                )
        return BookOutline(
            slug=slug,
            title=book["title"],
            subtitle=book["subtitle"],
            language=book["language"],
            license=book["license"],
            description=book["description"],
            updated_at=book["updated_at"],
            chapters=tuple(chapters),
        )

    def book_state(self, slug: str) -> BookState:
        """The book's current approved state, from the read models."""
        with self.views.read() as sql:
            book = self._book_row(sql, slug)
            rows = sql.all(
                "SELECT o.chapter_id, o.chapter_file, o.section_id, s.text, s.revision"
                " FROM {s}.tb_outline o JOIN {s}.tb_sections s"
                " ON s.book_slug = o.book_slug AND s.section_id = o.section_id"
                " WHERE o.book_slug = ? ORDER BY o.position",
                (slug,),
            )
            images = sql.all(
                "SELECT name, sha256, media_type, size FROM {s}.tb_images"
                " WHERE book_slug = ? ORDER BY name",
                (slug,),
            )
        chapters: list[ChapterState] = []
        for row in rows:
            section = SectionState(row["section_id"], row["text"], row["revision"])
            if chapters and chapters[-1].id == row["chapter_id"]:
                last = chapters[-1]
                chapters[-1] = ChapterState(last.id, last.file, (*last.sections, section))
            else:
                chapters.append(ChapterState(row["chapter_id"], row["chapter_file"], (section,)))
        return BookState(
            slug=slug,
            metadata={key: book[key] for key in METADATA_FIELDS},
            metadata_yaml=book["metadata_yaml"],
            chapters=tuple(chapters),
            images=tuple(ImageRef(**image) for image in images),
            bibliography=book["bibliography"],
        )

    def section(self, slug: str, section_id: str) -> SectionView:
        if "\x00" in section_id:
            raise SectionNotFound(slug, section_id)
        with self.views.read() as sql:
            row = sql.one(
                "SELECT s.section_id, s.title, s.revision, s.text, o.chapter_id"
                " FROM {s}.tb_sections s JOIN {s}.tb_outline o"
                " ON s.book_slug = o.book_slug AND s.section_id = o.section_id"
                " WHERE s.book_slug = ? AND s.section_id = ?",
                (slug, section_id),
            )
            if row is None:
                self._book_row(sql, slug)
                raise SectionNotFound(slug, section_id)
        return SectionView(
            row["section_id"], row["title"], row["chapter_id"], row["revision"], row["text"]
        )

    def history(self, slug: str, section_id: str | None = None) -> list[Revision]:
        """Approved revisions, oldest first: of one section, or of the whole book."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            if section_id is not None:
                self.section(slug, section_id)
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_revisions WHERE book_slug = ?"
                " AND (? = '' OR section_id = ?) ORDER BY at, section_id, version",
                (slug, section_id or "", section_id or ""),
            )
        return [
            Revision(
                section_id=r["section_id"],
                revision=r["revision"],
                kind=r["kind"],
                author=names.get(r["author"], r["author"]),
                approver=names.get(r["approver"], r["approver"]),
                proposal_id=r["proposal_id"],
                message=r["message"],
                at=r["at"],
                text=r["text"],
            )
            for r in rows
        ]

    def blame(self, slug: str, section_id: str) -> list[BlameLine]:
        self.section(slug, section_id)
        with self.views.read() as sql:
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_blame WHERE book_slug = ? AND section_id = ?"
                " ORDER BY line_no",
                (slug, section_id),
            )
        return [
            BlameLine(
                number=r["line_no"],
                line=r["line"],
                revision=r["revision"],
                author=names.get(r["author"], r["author"]),
                approver=names.get(r["approver"], r["approver"]),
                proposal_id=r["proposal_id"],
                at=r["at"],
            )
            for r in rows
        ]

    def proposals(self, slug: str, status: str | None = None) -> list[ProposalSummary]:
        """A book's proposals, oldest first; status 'open' gives the review queue."""
        statuses = {"open": ("open", "changes_requested")}.get(status or "", (status or "",))
        marks = ", ".join("?" for _ in statuses)
        wanted = "" if status is None else f" AND status IN ({marks})"
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                f"{PROPOSALS} WHERE book_slug = ?{wanted} ORDER BY opened_at",
                (slug, *(statuses if status is not None else ())),
            )
        return [_summary(r, names) for r in rows]

    def queue(self, slug: str) -> list[QueueEntry]:
        """The book's open proposals, oldest first, with the titles of where each goes."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            rows = sql.all(
                "SELECT proposal_id, text FROM {s}.tb_proposals WHERE book_slug = ?"
                " AND status IN ('open', 'changes_requested')",
                (slug,),
            )
        texts = {row["proposal_id"]: row["text"] for row in rows}
        return queue_entries(self.outline(slug), self.proposals(slug, "open"), texts)

    def proposal(self, proposal_id: str) -> ProposalView:
        if "\x00" in proposal_id:
            raise ProposalNotFound(proposal_id)
        with self.views.read() as sql:
            names = self._names(sql)
            row = sql.one(f"{PROPOSALS} WHERE proposal_id = ?", (proposal_id,))
        if row is None:
            raise ProposalNotFound(proposal_id)
        return ProposalView(
            id=row["proposal_id"],
            book_slug=row["book_slug"],
            kind=row["kind"],
            section_id=row["section_id"],
            chapter_id=row["chapter_id"],
            after=row["after_id"],
            status=row["status"],
            author=names.get(row["author"], row["author"]),
            base_revision=row["base_revision"],
            text=row["text"],
            message=row["message"],
            opened_at=row["opened_at"],
            updated_at=row["updated_at"],
            applied_revision=row["applied_revision"],
            version=row["version"],
        )

    def proposal_text(self, proposal_id: str, version: int) -> str | None:
        """The proposal's text at one of its versions (None if it is not known)."""
        with self.views.read() as sql:
            row = sql.one(
                "SELECT text FROM {s}.tb_proposal_versions WHERE proposal_id = ? AND version = ?",
                (proposal_id, version),
            )
        return None if row is None else str(row["text"])

    def proposals_by(self, user_name: str) -> list[ProposalSummary]:
        """A user's proposals in every book, the most recently changed first."""
        with self.views.read() as sql:
            user = sql.one("SELECT user_id FROM {s}.tb_users WHERE name = ?", (user_name,))
            if user is None:
                return []
            names = self._names(sql)
            rows = sql.all(
                f"{PROPOSALS} WHERE author = ? ORDER BY updated_at DESC, book_slug, opened_at",
                (user["user_id"],),
            )
        return [_summary(r, names) for r in rows]

    def review_delays(self, slug: str) -> list[float]:
        """Seconds from opening to the first decision (approval, rejection or changes requested)."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            rows = sql.all(
                "SELECT p.opened_at, MIN(t.at) AS decided FROM {s}.tb_proposals p"
                " JOIN {s}.tb_thread t ON t.proposal_id = p.proposal_id"
                " WHERE p.book_slug = ? AND t.kind IN ('approved', 'rejected', 'changes_requested')"
                " GROUP BY p.proposal_id, p.opened_at",
                (slug,),
            )
        return [
            (
                datetime.fromisoformat(r["decided"]) - datetime.fromisoformat(r["opened_at"])
            ).total_seconds()
            for r in rows
        ]

    def revision_text(self, slug: str, section_id: str, revision: int) -> str | None:
        with self.views.read() as sql:
            row = sql.one(
                "SELECT text FROM {s}.tb_revisions WHERE book_slug = ? AND section_id = ?"
                " AND revision = ? AND kind != 'removed' ORDER BY version DESC",
                (slug, section_id, revision),
            )
        return None if row is None else str(row["text"])

    def image(self, slug: str, name: str) -> tuple[str, str] | None:
        """The SHA-256 and media type of one of the book's images."""
        with self.views.read() as sql:
            row = sql.one(
                "SELECT sha256, media_type FROM {s}.tb_images WHERE book_slug = ? AND name = ?",
                (slug, name),
            )
        return None if row is None else (row["sha256"], row["media_type"])

    def proposal_images(self, proposal_id: str) -> tuple[ImageRef, ...]:
        """The images a proposal carries, by name."""
        if "\x00" in proposal_id:
            return ()
        with self.views.read() as sql:
            rows = sql.all(
                "SELECT name, sha256, media_type, size FROM {s}.tb_proposal_images"
                " WHERE proposal_id = ? ORDER BY name",
                (proposal_id,),
            )
        return tuple(ImageRef(**row) for row in rows)

    def thread(self, proposal_id: str) -> list[ThreadEntry]:
        with self.views.read() as sql:
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_thread WHERE proposal_id = ? ORDER BY version",
                (proposal_id,),
            )
        return [
            ThreadEntry(r["kind"], names.get(r["by_user"], r["by_user"]), r["comment"], r["at"])
            for r in rows
        ]

    def members(self, slug: str) -> list[tuple[str, str]]:
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all("SELECT * FROM {s}.tb_members WHERE book_slug = ?", (slug,))
        return sorted((names.get(r["user_id"], r["user_id"]), r["role"]) for r in rows)

    def contributors(self, slug: str) -> list[Contributor]:
        """Everyone whose approved text is in the book now, and the editors who approved it."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT b.author, b.approver FROM {s}.tb_blame b JOIN {s}.tb_outline o"
                " ON o.book_slug = b.book_slug AND o.section_id = b.section_id"
                " WHERE b.book_slug = ?",
                (slug,),
            )
        written: dict[str, int] = {}
        approved: dict[str, int] = {}
        for row in rows:
            written[row["author"]] = written.get(row["author"], 0) + 1
            approved[row["approver"]] = approved.get(row["approver"], 0) + 1
        people = sorted(set(written) | set(approved), key=lambda u: (-written.get(u, 0), u))
        return [Contributor(names.get(u, u), written.get(u, 0), approved.get(u, 0)) for u in people]

    def edition(self, slug: str, as_of: datetime | None = None) -> str:
        """When the book last changed (at or before `as_of`): the edition's date, in UTC."""
        with self.views.read() as sql:
            book = self._book_row(sql, slug)
            row = sql.one(
                "SELECT MAX(at) AS at FROM {s}.tb_revisions WHERE book_slug = ? AND at <= ?",
                (slug, as_of.isoformat() if as_of else "9999"),
            )
        moments = [book["created_at"], *([row["at"]] if row and row["at"] else [])]
        if as_of is None:
            moments.append(book["updated_at"])
        latest = max(datetime.fromisoformat(m) for m in moments)
        return latest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def contributors_as_of(
        self, slug: str, as_of: datetime, sections: list[str]
    ) -> list[Contributor]:
        """Contributors of the text as it stood at `as_of`, replaying each section's revisions."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_revisions WHERE book_slug = ? AND at <= ?"
                " ORDER BY aggregate_id, version",
                (slug, as_of.isoformat()),
            )
        lines: dict[str, list[tuple[str, Origin]]] = {}
        for r in rows:
            if r["kind"] == "removed":
                continue
            origin = Origin(r["revision"], r["author"], r["approver"], r["proposal_id"], r["at"])
            lines[r["section_id"]] = carry(lines.get(r["section_id"], []), r["text"], origin)
        written: dict[str, int] = {}
        approved: dict[str, int] = {}
        for section in sections:
            for _, origin in lines.get(section, []):
                written[origin.author] = written.get(origin.author, 0) + 1
                approved[origin.approver] = approved.get(origin.approver, 0) + 1
        people = sorted(set(written) | set(approved), key=lambda u: (-written.get(u, 0), u))
        return [Contributor(names.get(u, u), written.get(u, 0), approved.get(u, 0)) for u in people]

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every read model, in a stable order: to compare two builds of them."""
        with self.views.read() as sql:
            return {
                table: sorted(sql.all(f"SELECT * FROM {{s}}.{table}"), key=_row_key)
                for table in TABLE_NAMES
            }


def _summary(row: dict[str, Any], names: dict[str, str]) -> ProposalSummary:
    return ProposalSummary(
        id=row["proposal_id"],
        book_slug=row["book_slug"],
        kind=row["kind"],
        section_id=row["section_id"],
        status=row["status"],
        author=names.get(row["author"], row["author"]),
        base_revision=row["base_revision"],
        message=row["message"],
        opened_at=row["opened_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        chapter_id=row["chapter_id"] or "",
        after=row["after_id"] or "",
    )


def _row_key(row: dict[str, Any]) -> str:
    return repr(sorted(row.items()))
