"""Questions about books: their outline, approved text, images, members and edition."""

from __future__ import annotations

from datetime import UTC, datetime

from textbook.domain.errors import SectionNotFound
from textbook.domain.state import BookState, ChapterState, ImageRef, SectionState
from textbook.projections.queries.base import QueriesBase
from textbook.projections.queries.values import (
    BookOutline,
    ChapterSummary,
    SectionSummary,
    SectionView,
)


class BookQueries(QueriesBase):
    def books(self) -> list[BookOutline]:
        with self.views.read() as sql:
            slugs = [r["slug"] for r in sql.all("SELECT slug FROM {s}.tb_books ORDER BY slug")]
        return [self.outline(slug) for slug in slugs]

    def outline(self, slug: str) -> BookOutline:
        with self.views.read() as sql:
            book = self._book_row(sql, slug)
            problems = self._import_problems(sql, book["book_id"])
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
        metadata = book["metadata"]
        return BookOutline(
            slug=slug,
            title=book["title"],
            subtitle=book["subtitle"],
            language=book["language"],
            license=book["license"],
            description=book["description"],
            updated_at=book["updated_at"],
            chapters=tuple(chapters),
            authors=tuple(metadata["authors"]),
            editors=tuple(metadata["editors"]),
            publisher=metadata["publisher"],
            isbn=metadata["isbn"],
            cover=metadata["cover"],
            problems=problems,
            source=metadata["source"],
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
            metadata=book["metadata"],
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

    def image(self, slug: str, name: str) -> tuple[str, str] | None:
        """The SHA-256 and media type of one of the book's images."""
        with self.views.read() as sql:
            row = sql.one(
                "SELECT sha256, media_type FROM {s}.tb_images WHERE book_slug = ? AND name = ?",
                (slug, name),
            )
        return None if row is None else (row["sha256"], row["media_type"])

    def members(self, slug: str) -> list[tuple[str, str]]:
        with self.views.read() as sql:
            self._book_row(sql, slug)
            names = self._names(sql)
            rows = sql.all("SELECT * FROM {s}.tb_members WHERE book_slug = ?", (slug,))
        return sorted((names.get(r["user_id"], r["user_id"]), r["role"]) for r in rows)

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
