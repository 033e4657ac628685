"""The prepare stage: a book's chapters parsed, made safe and numbered, once for every format,
for the reader's pages and for the preview of a draft.

Each chapter's Markdown becomes a sanitised pandoc AST (cached by its text), its figures,
tables, labelled equations, listings and headings numbered ("Figure 3.2:", see numbering.py);
then which chapter defines each id, what each label names, the references to labels resolved
into links across the book, and the bibliography as citeproc reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from textbook.domain.bibliography import for_citeproc
from textbook.domain.glossary import chapter_numbers
from textbook.domain.metadata import consolidated
from textbook.domain.state import BookState
from textbook.files import write_atomically
from textbook.projections.publishing import pandoc
from textbook.projections.publishing.apparatus import mark_places
from textbook.projections.publishing.cache import Cache, digest
from textbook.projections.publishing.edition import Edition, book_info
from textbook.projections.publishing.numbering import (
    labels_of,
    number_chapter,
    resolve_references,
)
from textbook.projections.publishing.pagebreaks import PageStart
from textbook.projections.publishing.render import book_references
from textbook.projections.publishing.sanitize import UnsafeInput, check_brackets, sanitize
from textbook.projections.publishing.sources import BookToBuild, BuildError, Chapter, Numbered
from textbook.projections.publishing.tree import defined_ids, first_header, plain_text

Where = Callable[[str], None]  # hears where a build is: "chapter 'x' (laying out the PDF)"


def nowhere(_where: str) -> None:
    pass


def parse_chapter(
    markdown: str, images: set[str], cache: Cache, limits: pandoc.Limits = pandoc.BUILD
) -> dict[str, Any]:
    key = digest(markdown, "\n".join(sorted(images)))
    cached = cache.get("ast", key)
    if cached is not None:
        ast: dict[str, Any] = json.loads(cached)
        return ast
    check_brackets(markdown)
    ast = sanitize(pandoc.parse(markdown, limits), images)
    cache.put("ast", key, json.dumps(ast, sort_keys=True).encode())
    return ast


def chapters(state: BookState, cache: Cache, at: Where = nowhere) -> list[Chapter]:
    """Every chapter of the book, parsed, made safe, its captions numbered (the glossary, back
    matter, has no number: 0), its index marks given ids and its terms linked to the glossary."""
    images = {image.name for image in state.images}
    result = []
    numbers = chapter_numbers([chapter.id for chapter in state.chapters])
    for number, chapter in zip(numbers, state.chapters, strict=True):
        at(f"chapter '{chapter.id}' (reading its Markdown)")
        try:
            ast = parse_chapter(chapter.text, images, cache)
        except (pandoc.PandocFailed, UnsafeInput) as error:
            raise BuildError(f"chapter '{chapter.id}' cannot be published: {error}") from None
        numbered_as_the_contents(ast)
        numbered = tuple(number_chapter(ast, number))
        mark_places(ast)
        title = plain_text(first_header(ast)) or chapter.id
        ids = frozenset(defined_ids(ast))
        result.append(Chapter(chapter.id, number, title, ast, ids, numbered))
    return result


def draft_chapter(
    markdown: str,
    images: set[str],
    cache: Cache,
    limits: pandoc.Limits,
    number: int = 0,
    before: Mapping[str, int] | None = None,
) -> Chapter:
    """A draft prepared as the book prepares a chapter; with its chapter's `number`, its
    figures, tables, equations, listings and sections numbered on from `before` (those before
    it in that chapter). It stands for no chapter of the book (its id is "")."""
    ast = parse_chapter(markdown, images, cache, limits)
    mark_places(ast)
    numbered = tuple(number_chapter(ast, number, before)) if number else ()
    return Chapter("", number, "", ast, frozenset(defined_ids(ast)), numbered)


def numbered_as_the_contents(ast: dict[str, Any]) -> None:
    """Number every chapter and section heading, as the contents and "In this chapter" do: a
    heading marked `{.unnumbered}` (as Quarto and pandoc books mark a preface) would otherwise
    leave pandoc's count one behind the book's, and its sections numbered as the chapter before."""
    for block in ast["blocks"]:
        if block["t"] == "Header" and block["c"][0] <= 2:
            classes = block["c"][1][1]
            classes[:] = [name for name in classes if name not in ("unnumbered", "-")]


def owners(book: list[Chapter]) -> dict[str, str]:
    """Which chapter defines each id (the first, where pandoc's automatic ids repeat)."""
    found: dict[str, str] = {}
    for chapter in book:
        for identifier in sorted(chapter.ids):
            found.setdefault(identifier, chapter.id)
    return found


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


@dataclass(frozen=True)
class PreparedChapters:
    """A book's text, prepared: its chapters (their cross-references resolved), which chapter
    defines each id, what each label names ("Figure 3.2"), its bibliography, and whether the
    works cited are listed once for the whole book (else after each chapter)."""

    chapters: list[Chapter]
    owners: dict[str, str]
    bibliography: Path | None
    labels: dict[str, Numbered] = field(default_factory=dict)
    consolidated: bool = False

    def references(self, cache: Cache) -> str:
        """The book's list of the works it cites, as pandoc writes it (`<div id="refs" ...>`),
        when it lists them once for the whole book and cites any; else ""."""
        if not self.consolidated:
            return ""
        return book_references(self.chapters, self.bibliography, cache)


def prepare_chapters(state: BookState, cache: Cache, at: Where = nowhere) -> PreparedChapters:
    found = chapters(state, cache, at)
    labels = labels_of(found)
    for chapter in found:
        resolve_references(chapter.ast, labels)
    bibliography = bibliography_file(state, cache)
    return PreparedChapters(
        found, owners(found), bibliography, labels, consolidated(state.metadata)
    )


@dataclass(frozen=True)
class PreparedBook:
    """What every format builds from: the book, its prepared text, the cache, and who hears
    where the build is."""

    book: BookToBuild
    text: PreparedChapters
    cache: Cache
    at: Where = nowhere
    # Where each page of the PDF begins, once the PDF of this text is laid out: the EPUB's page
    # list (an EPUB built without the PDF has none).
    pages: tuple[PageStart, ...] = ()

    @property
    def slug(self) -> str:
        return self.book.state.slug

    @property
    def chapters(self) -> list[Chapter]:
        return self.text.chapters

    @property
    def edition(self) -> Edition:
        info = book_info(self.book.state)
        book = self.book
        return Edition(
            info,
            self.chapters,
            list(book.contributors),
            book.edition,
            book.attribution,
            self.text.references(self.cache),
        )

    @property
    def modified(self) -> datetime:
        return datetime.fromisoformat(self.book.edition.replace("Z", "+00:00"))

    def each(self, doing: str) -> Iterator[Chapter]:
        """The chapters, saying to `at` which one is being worked on, and how."""
        for chapter in self.chapters:
            self.at(f"chapter '{chapter.id}' ({doing})")
            yield chapter


def prepare(book: BookToBuild, cache: Cache, at: Where = nowhere) -> PreparedBook:
    return PreparedBook(book, prepare_chapters(book.state, cache, at), cache, at)


def fingerprint(book: BookToBuild) -> str:
    """Changes whenever anything a reader would see in an edition changes."""
    state = book.state
    return digest(
        state.markdown(),
        state.metadata_yaml,
        repr(sorted(state.metadata.items())),  # a named edition's name and date are in it
        state.bibliography,
        "\n".join(f"{i.name}={i.sha256}" for i in state.images),
        repr(list(book.contributors)),
        book.edition,
        book.attribution.text(),
    )
