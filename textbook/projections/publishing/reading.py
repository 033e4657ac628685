"""A book ready for reading online: chapter pages, contents and search, in memory per edition."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from textbook.domain.application import Textbook
from textbook.domain.markdown import check_section_size
from textbook.domain.state import BookState
from textbook.projections.publishing import html, pandoc
from textbook.projections.publishing.drafting import Placement
from textbook.projections.publishing.editions import book_to_build, fingerprint
from textbook.projections.publishing.pipeline import bibliography_file
from textbook.projections.publishing.search import Index, Results
from textbook.projections.publishing.sources import (
    BookToBuild,
    Cache,
    Chapter,
    chapters,
    defined_ids,
    number_captions,
    owners,
    resolve_links,
)
from textbook.projections.queries import Queries

# A moment this long ago is settled: every event stamped before it has been stored (a command
# saves its events within a second or two of stamping them).
SETTLED = timedelta(seconds=10)
CHAPTER_TITLE = re.compile(r"<(/?)h1\b")


@dataclass(frozen=True)
class ReadableBook:
    """One edition of a book, rendered: what every reader page of it shows."""

    book: BookToBuild
    info: dict[str, str]
    chapters: list[Chapter]
    fragments: dict[str, str]
    entries: list[dict[str, str]]

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
        return re.sub(
            f'href="({names})(#[^"]*)?"', lambda m: f'href="{m[1]}{kept}{m[2] or ""}"', text
        )

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
        return tuple({**html.vars_of(c), "sections": html.sections_of(c)} for c in self.chapters)

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

    def __init__(self, build_dir: Path, keep: int = 16) -> None:
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
        book = book_to_build(app, queries, slug, as_of)
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
        found = chapters(book.state, self.cache)
        owner_of = owners(found)
        bibliography = bibliography_file(book.state, self.cache)
        fragments = {
            c.id: html.chapter_fragment(c, owner_of, bibliography, self.cache, "{chapter}")
            for c in found
        }
        entries = [entry for c in found for entry in html.search_entries(c)]
        info = html.book_info(book.state)
        return ReadableBook(book, info, found, fragments, entries)


# A preview answers while the author waits: a tighter bound than a build's (30 s, 512 MB). Real
# sections preview in well under a second; the slowest 500 KB texts found (runs of backticks or
# '<', nested emphasis, tens of thousands of footnotes or table rows) took 8 to 30 s and up to
# 626 MB in pandoc. At most PREVIEW_SLOTS previews render at once in a process, so previews
# together hold at most PREVIEW_SLOTS x 256 MB, and one waits at most PREVIEW_WAIT for a slot.
PREVIEW = pandoc.Limits(seconds=5, heap_mb=256, what="the preview")
PREVIEW_SLOTS = 2
PREVIEW_WAIT = 10.0


class PreviewBusy(Exception):
    """Every preview slot stayed taken: the author may try again in a moment."""


class PreviewCache(Cache):
    """Previews' parsed ASTs, in memory, the least recently used evicted past a bound.

    Authors preview every few keystrokes: kept on disk like a build's work, each variant would
    stay forever. Only the bibliography (a file pandoc reads) goes to the folder.
    """

    def __init__(self, folder: Path, max_entries: int = 256, max_bytes: int = 32 * 1024**2) -> None:
        super().__init__(folder)
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, kind: str, key: str) -> bytes | None:
        with self.lock:
            data = self.entries.get((kind, key))
            if data is not None:
                self.entries.move_to_end((kind, key))
            return data

    def put(self, kind: str, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return  # larger than the whole cache: not kept
        with self.lock:
            self.size -= len(self.entries.pop((kind, key), b""))
            self.entries[(kind, key)] = data
            self.size += len(data)
            while len(self.entries) > self.max_entries or self.size > self.max_bytes:
                _, evicted = self.entries.popitem(last=False)
                self.size -= len(evicted)


SLOTS = threading.BoundedSemaphore(PREVIEW_SLOTS)


def preview(
    markdown: str,
    book: BookState | None,
    cache: Cache,
    attached: Collection[str] = (),
    attached_at: str = "",
    place: Placement | None = None,
) -> Markup:
    """Authors' Markdown as it will read, through the same safe pipeline as the book.

    With the book, its images show and its citations resolve against its bibliography, with a
    list of the works cited, as in the edition. A proposal's own images (`attached`, served
    under `attached_at`) show instead of the book's of the same name. The one place that marks
    a preview safe: its HTML comes from a sanitised AST and has been through nh3. Bounded: the
    domain's size limit, PREVIEW's time and heap for both pandoc runs together, and
    PREVIEW_SLOTS at once. With its `place` in the book, numbered as the book numbers it:
    sections, figure and table captions, and links into other chapters resolved.
    """
    check_section_size(markdown)  # the domain's limit: refused, never cut
    if not SLOTS.acquire(timeout=PREVIEW_WAIT):
        raise PreviewBusy("Too many previews are being rendered; try again in a moment.")
    try:
        deadline = time.monotonic() + PREVIEW.seconds
        return _render_preview(markdown, book, cache, attached, attached_at, deadline, place)
    finally:
        SLOTS.release()


def _render_preview(
    markdown: str,
    book: BookState | None,
    cache: Cache,
    attached: Collection[str],
    attached_at: str,
    deadline: float,
    place: Placement | None = None,
) -> Markup:
    from textbook.projections.publishing.sources import (
        REFERENCES_H1,
        Chapter,
        chapters,
        defined_ids,
        nodes,
        parse_chapter,
        resolve_images,
        resolve_links,
    )

    images = {image.name for image in book.images} if book else set()
    ast = parse_chapter(markdown, images | set(attached), cache, PREVIEW)
    args = ["--mathml", "--wrap=none"]
    if book is not None and place is not None:
        ast, numbering = placed(ast, book.slug, place)
        args += numbering
    if book is not None:
        # Links to ids elsewhere in the book go to the chapter that has them, as in the book.
        owner_of = {**owners(chapters(book, cache)), **dict.fromkeys(defined_ids(ast), "")}
        here = Chapter("", 0, "", ast, frozenset())
        ast = resolve_links(
            here, owner_of, lambda owner, target: f"/books/{book.slug}/chapters/{owner}#{target}"
        )
        ast = resolve_images(ast, f"/books/{book.slug}/images/")
        for node in nodes(ast["blocks"]):
            if node["t"] == "Image":
                name = node["c"][2][0].removeprefix(f"/books/{book.slug}/images/")
                if name in attached:
                    node["c"][2][0] = attached_at + name
        bibliography = bibliography_file(book, cache)
        if bibliography is not None:
            args += ["--citeproc", f"--bibliography={bibliography}"]
            args += ["-M", "reference-section-title=References"]
    left = PREVIEW.within(deadline - time.monotonic())
    written = pandoc.write(ast, "html5", args, limits=left)
    written = REFERENCES_H1.sub(r"<h2\1>References</h2>", written)
    # The preview sits under the page's own h1: a chapter's title shows as an h2 there.
    written = CHAPTER_TITLE.sub(r"<\1h2", written)
    return Markup(html.clean_html(written))  # sanitised twice, see above


def placed(ast: dict[str, Any], slug: str, place: Placement) -> tuple[dict[str, Any], list[str]]:
    """The draft's AST numbered and linked as its chapter will be in the book, and the writer's
    arguments that number its headings so (as render_chapter does for a whole chapter)."""
    number_captions(ast, place.chapter, {"Figure": place.figures, "Table": place.tables})
    own = frozenset(defined_ids(ast))
    # The draft stands for no chapter: ids it does not define link to the chapter page that does.
    draft = Chapter("", place.chapter, "", ast, own)
    owner_of = {**place.owners, **dict.fromkeys(own, "")}
    ast = resolve_links(draft, owner_of, lambda owner, at: f"/books/{slug}/chapters/{owner}#{at}")
    first = next((b["c"][0] for b in ast["blocks"] if b["t"] == "Header"), 2)
    return ast, ["--number-sections", f"--number-offset={place.offset(first)}", "--section-divs"]
