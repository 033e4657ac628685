"""Questions about who wrote what: approved revisions, blame, contributors."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from textbook.domain.errors import SectionNotFound
from textbook.projections.blame import Origin, carry
from textbook.projections.queries.books import BookQueries
from textbook.projections.queries.values import BlameLine, Contributor, Revision


class HistoryQueries(BookQueries):
    def history(self, slug: str, section_id: str | None = None) -> list[Revision]:
        """Approved revisions, oldest first: of one section, or of the whole book."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_revisions WHERE book_slug = ?"
                " AND (? = '' OR section_id = ?) ORDER BY at, section_id, version",
                (slug, section_id or "", section_id or ""),
            )
        if section_id is not None and not rows:  # a removed section keeps its history
            raise SectionNotFound(slug, section_id)
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

    def revision_text(self, slug: str, section_id: str, revision: int) -> str | None:
        with self.views.read() as sql:
            row = sql.one(
                "SELECT text FROM {s}.tb_revisions WHERE book_slug = ? AND section_id = ?"
                " AND revision = ? AND kind != 'removed' ORDER BY version DESC",
                (slug, section_id, revision),
            )
        return None if row is None else str(row["text"])

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
        return ranked([(row["author"], row["approver"]) for row in rows], names)

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
        origins = [origin for section in sections for _, origin in lines.get(section, [])]
        return ranked([(origin.author, origin.approver) for origin in origins], names)


def ranked(lines: list[tuple[str, str]], names: dict[str, str]) -> list[Contributor]:
    """Contributors of lines given as (author, approver): who wrote most first, then by id."""
    written = Counter(author for author, _ in lines)
    approved = Counter(approver for _, approver in lines)
    people = sorted(set(written) | set(approved), key=lambda u: (-written[u], u))
    return [Contributor(names.get(u, u), written[u], approved[u]) for u in people]
