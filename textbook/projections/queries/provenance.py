"""Questions about where books and text came from: a fork's upstream, the books forked from a
book, and the sections whose text was taken from another book."""

from __future__ import annotations

import json
from dataclasses import dataclass

from textbook.projections.queries.books import BookQueries


@dataclass(frozen=True)
class Upstream:
    """The book a fork was forked from, at which version and store position, and when."""

    slug: str
    title: str
    version: int
    position: int
    licence: str
    forked_by: str
    forked_at: str


@dataclass(frozen=True)
class Fork:
    slug: str
    title: str
    forked_by: str
    forked_at: str


@dataclass(frozen=True)
class Taken:
    """A section's text, at its revision `at_revision`, taken from a section of another book."""

    section_id: str
    source_book: str
    source_section: str
    source_revision: int
    licence: str
    at_revision: int
    taken_by: str
    taken_at: str


@dataclass(frozen=True)
class RemixSource:
    """A book a remix took chapters or sections from, as it was then."""

    slug: str
    title: str
    version: int
    licence: str
    pieces: tuple[str, ...]
    remixed_by: str
    remixed_at: str


class ProvenanceQueries(BookQueries):
    def remixed_from(self, slug: str) -> list[RemixSource]:
        """The books `slug` was remixed from, in the order taken ([]: not a remix)."""
        with self.views.read() as sql:
            book = self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_remixes WHERE book_id = ? ORDER BY position",
                (book["book_id"],),
            )
        return [
            RemixSource(
                slug=r["source_slug"],
                title=r["source_title"],
                version=r["source_version"],
                licence=r["licence"],
                pieces=tuple(json.loads(r["pieces"])),
                remixed_by=names.get(r["remixed_by"], r["remixed_by"]),
                remixed_at=r["remixed_at"],
            )
            for r in rows
        ]

    def upstream(self, slug: str) -> Upstream | None:
        """The book `slug` was forked from, or None."""
        with self.views.read() as sql:
            book = self._book_row(sql, slug)
            row = sql.one("SELECT * FROM {s}.tb_forks WHERE book_id = ?", (book["book_id"],))
            if row is None:
                return None
            names = self._names(sql)
        return Upstream(
            slug=row["upstream_slug"],
            title=row["upstream_title"],
            version=row["upstream_version"],
            position=row["upstream_position"],
            licence=row["licence"],
            forked_by=names.get(row["forked_by"], row["forked_by"]),
            forked_at=row["forked_at"],
        )

    def forks(self, slug: str) -> list[Fork]:
        """The books forked from `slug`, oldest first."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT b.slug, b.title, f.forked_by, f.forked_at FROM {s}.tb_forks f"
                " JOIN {s}.tb_books b ON b.book_id = f.book_id"
                " WHERE f.upstream_slug = ? ORDER BY f.forked_at, b.slug",
                (slug,),
            )
        return [
            Fork(r["slug"], r["title"], names.get(r["forked_by"], r["forked_by"]), r["forked_at"])
            for r in rows
        ]

    def taken(self, slug: str, section_id: str | None = None) -> list[Taken]:
        """Every recorded take of text from another book into `slug` (or one of its sections),
        in the order they were recorded; a section's latest take is its current source."""
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all(
                "SELECT * FROM {s}.tb_taken WHERE book_slug = ? AND (? = '' OR section_id = ?)"
                " ORDER BY taken_at, section_id, at_revision",
                (slug, section_id or "", section_id or ""),
            )
        return [
            Taken(
                section_id=r["section_id"],
                source_book=r["source_book"],
                source_section=r["source_section"],
                source_revision=r["source_revision"],
                licence=r["licence"],
                at_revision=r["at_revision"],
                taken_by=names.get(r["taken_by"], r["taken_by"]),
                taken_at=r["taken_at"],
            )
            for r in rows
        ]
