"""The reader's library: each book rendered for reading online (chapter pages, contents and
search), in memory, once per edition; past editions are kept a little while too."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from markupsafe import escape

from textbook.domain.application import Textbook
from textbook.projections.publishing import html
from textbook.projections.publishing.apparatus import (
    Place,
    book_index,
    glossary_of,
    index_html,
    linked_places,
)
from textbook.projections.publishing.cache import Cache, PreviewCache
from textbook.projections.publishing.edition import book_info, sections_of, vars_of
from textbook.projections.publishing.editions import book_to_build
from textbook.projections.publishing.prepare import fingerprint, prepare_chapters
from textbook.projections.publishing.search import Index, Results
from textbook.projections.publishing.sources import BookToBuild, Chapter
from textbook.projections.queries import Queries
from textbook.storage import BlobStore

# A moment this long ago is settled: every event stamped before it has been stored (a command
# saves its events within a second or two of stamping them).
SETTLED = timedelta(seconds=10)


@dataclass(frozen=True)
class ReadableBook:
    """One edition of a book, rendered: what every reader page of it shows."""

    book: BookToBuild
    info: dict[str, str]
    chapters: list[Chapter]
    fragments: dict[str, str]
    entries: list[dict[str, str]]
    # The book's one list of the works it cites, sanitised, where it has one (else each chapter
    # lists its own and this is "").
    references: str = ""

    def chapter(self, chapter_id: str) -> Chapter | None:
        return next((c for c in self.chapters if c.id == chapter_id), None)

    def fragment(self, chapter_id: str, query: str = "") -> str:
        """The chapter's HTML; with `query` (such as '?as_of=...'), its links to other chapters
        keep it, so that a reader of a past version stays in that version."""
        text = self.fragments[chapter_id]
        if not query:
            return text
        names = "|".join(re.escape(c.id) for c in self.chapters)
        kept = str(escape(query))
        text = text.replace(
            f'href="{self.references_page}#', f'href="{self.references_page}{kept}#'
        )
        return re.sub(
            f'href="({names})(#[^"]*)?"', lambda m: f'href="{m[1]}{kept}{m[2] or ""}"', text
        )

    @property
    def references_page(self) -> str:
        """The address of the book's list of the works it cites (when it has one)."""
        return references_page(self.book.state.slug)

    def neighbours(self, chapter: Chapter) -> tuple[Chapter | None, Chapter | None]:
        index = self.chapters.index(chapter)
        previous = self.chapters[index - 1] if index > 0 else None
        following = self.chapters[index + 1] if index + 1 < len(self.chapters) else None
        return previous, following

    def toc(self) -> list[dict[str, Any]]:
        """The contents; a copy of what was worked out once for this edition (from each
        chapter's syntax tree, a third of a chapter page's time when done per request)."""
        return [{**e, "sections": [dict(s) for s in e["sections"]]} for e in self._toc]

    @cached_property
    def _toc(self) -> tuple[dict[str, Any], ...]:
        return tuple({**vars_of(c), "sections": sections_of(c)} for c in self.chapters)

    def index(self) -> str:
        """The book's index as HTML, each entry linked to the sections it is marked in ("" if
        its authors marked none); worked out once for this edition."""
        return self._index_html

    @cached_property
    def _index_html(self) -> str:
        slug = self.book.state.slug

        def href(place: Place) -> str:
            return f"/books/{slug}/chapters/{place.chapter}#{place.anchor}"

        groups = book_index(self.chapters)
        return index_html(groups, linked_places(href)) if groups else ""

    def search(self, query: str, limit: int = 50) -> Results:
        """Sections holding every word and phrase of the query, typos forgiven, matches marked.

        A query over the limits is refused (QueryTooLong), never searched cut short.
        """
        return self._index.search(query, limit)

    @cached_property
    def _index(self) -> Index:
        return Index(self.entries)


class Library:
    """Renders books for reading, once per edition; past editions are kept a little while too."""

    def __init__(
        self,
        build_dir: Path,
        keep: int = 16,
        blobs: BlobStore | None = None,
        base_url: str = "",
    ) -> None:
        self.blobs = blobs  # the images' store; by default, the application's
        self.base_url = base_url  # the site's address, for the attribution's links
        self.cache = Cache(build_dir / "cache")
        self.previews = PreviewCache(build_dir / "cache")
        self.build_dir = build_dir
        self.books: OrderedDict[tuple[str, str], ReadableBook] = OrderedDict()
        # Past moments already read, each to its edition: working out the book at a moment
        # replays every section's events (0.2 s for the sample book), and a settled past
        # never changes.
        self.past: OrderedDict[tuple[str, str], ReadableBook] = OrderedDict()
        self.keep = keep
        self.lock = threading.Lock()

    def book(
        self, app: Textbook, queries: Queries, slug: str, as_of: datetime | None = None
    ) -> ReadableBook:
        settled = as_of is not None and as_of < datetime.now(UTC) - SETTLED
        moment = (slug, as_of.isoformat() if as_of else "")
        if settled:
            with self.lock:
                found = self.past.get(moment)
                if found is not None:
                    self.past.move_to_end(moment)
                    return found
        book = book_to_build(app, queries, slug, as_of, self.blobs, self.base_url)
        key = (slug, fingerprint(book))
        with self.lock:
            found = self.books.get(key)
            if found is not None:
                self.books.move_to_end(key)
        readable = found or self.render(book)
        with self.lock:
            self.books[key] = readable
            while len(self.books) > self.keep:
                self.books.popitem(last=False)
            if settled:
                self.past[moment] = readable
                while len(self.past) > self.keep * 8:
                    self.past.popitem(last=False)
        return readable

    def render(self, book: BookToBuild) -> ReadableBook:
        text = prepare_chapters(book.state, self.cache)
        glossary = glossary_of(text.chapters)
        page = references_page(book.state.slug) if text.consolidated else None
        fragments = {
            c.id: html.chapter_fragment(
                c, text.owners, text.bibliography, self.cache, "{chapter}", glossary, page
            )
            for c in text.chapters
        }
        entries = [entry for c in text.chapters for entry in html.search_entries(c)]
        references = text.references(self.cache)
        return ReadableBook(
            book,
            book_info(book.state),
            text.chapters,
            fragments,
            entries,
            html.clean_html(references) if references else "",
        )


def references_page(slug: str) -> str:
    """Where the site shows a book's list of the works it cites."""
    return f"/books/{slug}/references"
