"""The publishing pipeline, in named stages, as a build, the reader and the preview run it:

1. prepare (prepare.py): each chapter's Markdown to a safe, numbered pandoc AST; which chapter
   defines each id; the bibliography as citeproc reads it;
2. cache (cache.py): every stage's work kept by a hash of its inputs, so that an unchanged
   chapter is not redone;
3. formats: one module per format (html.py, epub.py, pdf.py), each a `Format`, writing its
   chapters through render.py as every other format and the preview do;
4. assemble: the Publisher below runs the formats asked for and reports their times.

The reader's pages (library.py) and the preview (preview.py) run stage 1 and the HTML of
stage 3 on one chapter, so that what they show is what the book prints.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from textbook.projections.publishing.cache import Cache
from textbook.projections.publishing.epub import EpubFormat
from textbook.projections.publishing.html import HtmlFormat
from textbook.projections.publishing.pagebreaks import PageStart
from textbook.projections.publishing.pdf import PdfFormat
from textbook.projections.publishing.prepare import PreparedBook, Where, nowhere, prepare
from textbook.projections.publishing.sources import BookToBuild, BuildError


class Format(Protocol):
    """One format of the book: what it is called, what it is served as, how its download's
    file name ends, and how it is built from the prepared book into `out` (returning what it
    wrote there)."""

    name: str
    media_type: str
    suffix: str

    def build(self, prepared: PreparedBook, out: Path) -> Path: ...


# Every format a book is published in, in the order a build runs them. A new format is a module
# with a `Format` class, added here: the command line's choices, the publishing worker and the
# book page's downloads all follow.
FORMAT_CLASSES: tuple[type[HtmlFormat] | type[EpubFormat] | type[PdfFormat], ...] = (
    HtmlFormat,
    EpubFormat,
    PdfFormat,
)
FORMATS = tuple(cls.name for cls in FORMAT_CLASSES)


@dataclass(frozen=True)
class BuildReport:
    slug: str
    outputs: dict[str, Path]
    seconds: dict[str, float] = field(default_factory=dict)


class Publisher:
    """Builds books in the formats it holds; each format keeps its own state (the PDF its
    chapter layouts, between builds), so two publishers never share any."""

    def __init__(self, formats: Sequence[Format] | None = None) -> None:
        found = list(formats) if formats is not None else [cls() for cls in FORMAT_CLASSES]
        self.formats = {f.name: f for f in found}

    def pdf_pages(self, prepared: PreparedBook) -> tuple[PageStart, ...]:
        """Where each page of this book's PDF begins, if this publisher has just built it (in
        this build, or the one before, as a worker builds one format at a time)."""
        pdf = self.formats.get("pdf")
        return pdf.pages_for(prepared) if isinstance(pdf, PdfFormat) else ()

    def build(
        self,
        book: BookToBuild,
        formats: Sequence[str],
        out: Path,
        cache_dir: Path,
        progress: Callable[[str], None] | None = None,
        at: Where = nowhere,
    ) -> BuildReport:
        """Build the requested formats of the book into `out`; unchanged chapters come from cache.

        `at` hears where the build is ("chapter 'x' (laying out the PDF)"), so that a build
        stopped at its time limit can say where the time went.
        """
        unknown = [f for f in formats if f not in self.formats]
        if unknown:
            raise ValueError(f"unknown formats: {', '.join(unknown)}")
        if not book.state.chapters:  # an EPUB needs a chapter; so does a reader
            raise BuildError(
                f"The book '{book.state.slug}' has no chapter yet: there is nothing to publish."
            )
        out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        prepared = prepare(book, Cache(cache_dir), at)
        seconds = {"parse": time.perf_counter() - started}
        outputs: dict[str, Path] = {}
        for name in in_order(f for f in self.formats if f in formats):
            started = time.perf_counter()
            if name == "epub":  # it lists the PDF's pages, if the PDF of this book was just built
                prepared = dataclasses.replace(prepared, pages=self.pdf_pages(prepared))
            outputs[name] = self.formats[name].build(prepared, out)
            seconds[name] = time.perf_counter() - started
            if progress:
                progress(name)
        return BuildReport(slug=book.state.slug, outputs=outputs, seconds=seconds)


def in_order(names: Iterable[str]) -> list[str]:
    """The formats in the publisher's order, but the PDF before the EPUB when both are built:
    the EPUB's page list says where the PDF's pages begin."""
    found = list(names)
    if "pdf" in found and "epub" in found:
        found.remove("pdf")
        found.insert(found.index("epub"), "pdf")
    return found


def build(
    book: BookToBuild,
    formats: Sequence[str],
    out: Path,
    cache_dir: Path,
    progress: Callable[[str], None] | None = None,
    at: Where = nowhere,
) -> BuildReport:
    """A build by a publisher of its own, with the default formats (see Publisher.build)."""
    return Publisher().build(book, formats, out, cache_dir, progress, at)
