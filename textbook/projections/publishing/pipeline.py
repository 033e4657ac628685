"""build(): the approved state of a book to its web edition, EPUB and PDF, reusing cached work."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from textbook.domain.bibliography import for_citeproc
from textbook.domain.state import BookState
from textbook.files import write_atomically
from textbook.projections.publishing import epub, html, pdf
from textbook.projections.publishing.sources import (
    FORMATS,
    BookToBuild,
    Cache,
    Chapter,
    chapters,
    digest,
    owners,
)


@dataclass(frozen=True)
class BuildReport:
    slug: str
    outputs: dict[str, Path]
    seconds: dict[str, float] = field(default_factory=dict)


def build(
    book: BookToBuild,
    formats: Sequence[str],
    out: Path,
    cache_dir: Path,
    progress: Callable[[str], None] | None = None,
    at: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build the requested formats of the book into `out`; unchanged chapters come from cache.

    `at` hears where the build is ("chapter 'x' (laying out the PDF)"), so that a build stopped
    at its time limit can say where the time went.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown formats: {', '.join(unknown)}")
    at = at or _nowhere
    out.mkdir(parents=True, exist_ok=True)
    cache = Cache(cache_dir)
    started = time.perf_counter()
    book_chapters = chapters(book.state, cache, at)
    owner_of = owners(book_chapters)
    bibliography = bibliography_file(book.state, cache)
    seconds = {"parse": time.perf_counter() - started}
    outputs: dict[str, Path] = {}
    info = html.book_info(book.state)
    edition = html.Edition(info, book_chapters, list(book.contributors), book.edition)
    slug = book.state.slug
    if "html" in formats:
        started = time.perf_counter()
        fragments = {
            c.id: html.chapter_fragment(c, owner_of, bibliography, cache)
            for c in _each(book_chapters, at, "writing its web page")
        }
        at("the web edition's files")
        html.write_web_edition(out / slug, edition, fragments, book.images)
        outputs["html"] = out / slug
        seconds["html"] = time.perf_counter() - started
        if progress:
            progress("html")
    if "epub" in formats:
        started = time.perf_counter()
        bodies = {
            c.id: epub.chapter_xhtml(c, owner_of, bibliography, cache)
            for c in _each(book_chapters, at, "writing its EPUB XHTML")
        }
        at("the EPUB's assembly")
        modified = datetime.fromisoformat(book.edition.replace("Z", "+00:00"))
        target = out / f"{slug}.epub"
        epub.write_epub(target, edition, bodies, list(book.state.images), book.images, modified)
        outputs["epub"] = target
        seconds["epub"] = time.perf_counter() - started
        if progress:
            progress("epub")
    if "pdf" in formats:
        started = time.perf_counter()
        folder = (cache_dir / "pdf-work" / slug).resolve()
        _stage_images(folder, book.images)
        bodies = {
            c.id: pdf.chapter_html(c, owner_of, bibliography, folder, cache)
            for c in _each(book_chapters, at, "formulas to SVG, HTML for print")
        }
        outputs["pdf"] = pdf.write_pdf(out / f"{slug}.pdf", edition, bodies, folder, at)
        seconds["pdf"] = time.perf_counter() - started
        if progress:
            progress("pdf")
    return BuildReport(slug=slug, outputs=outputs, seconds=seconds)


def _nowhere(_where: str) -> None:
    pass


def _each(found: list[Chapter], at: Callable[[str], None], doing: str) -> Iterator[Chapter]:
    for chapter in found:
        at(f"chapter '{chapter.id}' ({doing})")
        yield chapter


def _stage_images(folder: Path, images: dict[str, bytes]) -> None:
    """The book's images, where WeasyPrint (which reads nothing else) can find them."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        path = folder / "images" / name
        if not path.exists() or path.read_bytes() != data:
            write_atomically(path, data)


def bibliography_file(state: BookState, cache: Cache) -> Path | None:
    """references.bib as pandoc's citeproc reads it (corporate authors braced, languages set)."""
    if not state.bibliography.strip():
        return None
    text = for_citeproc(state.bibliography, str(state.metadata["language"]))
    key = digest("bibliography", text)
    path = cache.path("bib", key).with_suffix(".bib")
    if not path.exists():
        write_atomically(path, text.encode())
    return path
