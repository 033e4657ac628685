"""Questions the attribution asks: the text of each taken revision, who wrote a source's taken
revisions, and who wrote the rest of the book (its local contributors)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from textbook.projections.queries.books import BookQueries
from textbook.projections.queries.history import ranked
from textbook.projections.queries.values import Contributor


class AttributionQueries(BookQueries):
    def taken_texts(self, slug: str) -> dict[tuple[str, int], str]:
        """The text of each of the book's sections at each revision that was taken."""
        with self.views.read() as sql:
            rows = sql.all(
                "SELECT t.section_id, t.at_revision, r.text FROM {s}.tb_taken t"
                " JOIN {s}.tb_revisions r ON r.book_slug = t.book_slug"
                " AND r.section_id = t.section_id AND r.revision = t.at_revision"
                " AND r.kind != 'removed' WHERE t.book_slug = ?"
                " ORDER BY t.section_id, t.at_revision, r.version",
                (slug,),
            )
        return {(r["section_id"], r["at_revision"]): r["text"] for r in rows}

    def revision_texts(
        self, slug: str, revisions: Sequence[tuple[str, int]]
    ) -> dict[tuple[str, int], str]:
        """The text of the book's sections at the revisions named (section, revision)."""
        found: dict[tuple[str, int], str] = {}
        wanted = sorted(set(revisions))
        with self.views.read() as sql:
            for start in range(0, len(wanted), 200):
                chunk = wanted[start : start + 200]
                either = " OR ".join("(section_id = ? AND revision = ?)" for _ in chunk)
                rows = sql.all(
                    "SELECT section_id, revision, text FROM {s}.tb_revisions"
                    f" WHERE book_slug = ? AND kind != 'removed' AND ({either})"
                    " ORDER BY section_id, revision, version",
                    (slug, *(value for pair in chunk for value in pair)),
                )
                found |= {(r["section_id"], r["revision"]): r["text"] for r in rows}
        return found

    def writers(self, slug: str, revisions: Sequence[tuple[str, int]]) -> list[str]:
        """Who wrote the book's sections up to the revisions named (section, revision), who
        wrote most first."""
        wanted = dict(revisions)
        with self.views.read() as sql:
            names = self._names(sql)
            rows = sql.all(
                "SELECT section_id, revision, author FROM {s}.tb_revisions"
                " WHERE book_slug = ? AND kind != 'removed'",
                (slug,),
            )
        counted = Counter(
            r["author"] for r in rows if r["revision"] <= wanted.get(r["section_id"], 0)
        )
        people = sorted(counted, key=lambda u: (-counted[u], names.get(u, u)))
        return [names.get(u, u) for u in people]

    def local_contributors(self, slug: str) -> list[Contributor]:
        """Everyone whose approved text in the book now is the book's own (not taken from
        another book), and the editors who approved it."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT b.author, b.approver FROM {s}.tb_blame b JOIN {s}.tb_outline o"
                " ON o.book_slug = b.book_slug AND o.section_id = b.section_id"
                " WHERE b.book_slug = ? AND NOT EXISTS (SELECT 1 FROM {s}.tb_taken t"
                " WHERE t.book_slug = b.book_slug AND t.section_id = b.section_id"
                " AND t.at_revision = b.revision)",
                (slug,),
            )
        return ranked([(row["author"], row["approver"]) for row in rows], names)
