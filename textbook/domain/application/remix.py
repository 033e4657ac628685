"""Remixes: a new book made of chapters and sections taken from several books, and text taken
from another book into this one as a proposal.

Each taken section records its source (`Section.Taken`: book, section, revision, licence), and
the remix its books (`Book.Remixed`), so that every edition credits them. The licence of the
remix is the most open that every source's licence admits (ShareAlike sources make it
ShareAlike); sources that cannot be combined, or allow no derivatives, are refused with the
reason, and nothing is recorded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from textbook.domain import ids
from textbook.domain.application.proposals import Proposals
from textbook.domain.book import Book
from textbook.domain.checks import Context, bibliography_keys, problems_in
from textbook.domain.details import checked_slug
from textbook.domain.errors import InvalidInput, SectionNotFound, SlugTaken
from textbook.domain.images import image_names
from textbook.domain.licences import check_admits, check_derivatives_allowed, licence_for
from textbook.domain.markdown import explicit_ids
from textbook.domain.metadata import UnknownLicence, filled, licence_of
from textbook.domain.outline import ChapterOutline, Outline
from textbook.domain.section import Section, Source
from textbook.domain.state import ImportProblem

MAX_TITLE = 300
MAX_PIECES = 200
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class RemixReport:
    slug: str
    licence: str
    sources: tuple[str, ...]
    chapters: int
    sections: int
    images: int
    problems: tuple[ImportProblem, ...] = ()


@dataclass(frozen=True)
class Taking:
    """One section to take: from which book, into which chapter of the remix."""

    book: Book
    section: Section
    chapter: str


def parse_piece(piece: str) -> tuple[str, str]:
    """'BOOK:CHAPTER-OR-SECTION' as (book, id), or InvalidInput saying the form."""
    book, colon, part = piece.partition(":")
    if not colon or not book or not part:
        raise InvalidInput(f"'{piece[:120]}' is not BOOK:CHAPTER or BOOK:SECTION.")
    return book.strip(), part.strip()


class Remixes(Proposals):
    def remix(
        self,
        new_slug: str,
        title: str,
        pieces: Sequence[tuple[str, str]],
        by: str,
        licence: str | None = None,
        language: str = "en",
    ) -> RemixReport:
        """Make the book `new_slug`, maintained by `by`, of `pieces`: (book, chapter id) takes
        the chapter with its sections, (book, section id) the section, into the chapter taken
        before it (or, first, into its own chapter's intro, taken too). The licence is
        `licence`, which each source's must admit, or the most open they all admit."""
        checked_slug(new_slug)
        title = checked_title(title)
        if not LANGUAGE.match(language):
            raise InvalidInput(f"'{language[:40]}' is not a language tag such as en or pt-BR.")
        if not pieces:
            raise InvalidInput("Name at least one chapter or section to take.")
        if len(pieces) > MAX_PIECES:
            raise InvalidInput(f"A remix takes at most {MAX_PIECES} pieces at once.")
        user = self.user(by)
        books = {slug: self.book(slug) for slug in dict.fromkeys(slug for slug, _ in pieces)}
        for book in books.values():
            check_derivatives_allowed(book.licence, book.title)
        chosen = self._remix_licence(list(books.values()), licence)
        if self._exists(ids.book_id(new_slug)):
            raise SlugTaken("book", new_slug)
        takings = self._takings(pieces, books)
        outline = remix_outline(takings)
        check_unique_ids(takings)
        images = self._images(takings)
        bibliography, problems = bibliography_of(takings)
        position = self.recorder.max_notification_id() or 0
        metadata = filled({"title": title, "language": language, "license": chosen})
        metadata["identifier"] = f"urn:uuid:{uuid.uuid4()}"
        remix = Book.create(new_slug, metadata, "", outline, by=user.id)
        remix.record_remix(sources_of(takings, pieces), chosen, position, by=user.id)
        for name, image in sorted(images.items()):
            remix.put_image(name, **image, by=user.id)
        remix.change_bibliography(bibliography, by=user.id)
        problems += problems_of(takings, outline, bibliography, set(images))
        remix.record_import_problems([vars(p) for p in problems], by=user.id)
        copies = [self._copy(new_slug, taking, user.id) for taking in takings]
        self._save(remix, *copies)
        return RemixReport(
            new_slug, chosen, tuple(books), len(outline.chapters), len(copies), len(images),
            tuple(problems),
        )  # fmt: skip

    def _remix_licence(self, books: list[Book], asked: str | None) -> str:
        if not asked:
            return licence_for([book.licence for book in books])
        try:
            chosen = licence_of(asked.strip()).expression
        except UnknownLicence as error:
            raise InvalidInput(f"The licence '{asked[:80]}' is not known: {error}.") from None
        for book in books:
            check_admits(book.licence, chosen, f"“{book.title}”")
        return chosen

    def _takings(self, pieces: Sequence[tuple[str, str]], books: dict[str, Book]) -> list[Taking]:
        takings: list[Taking] = []
        for slug, part in pieces:
            book = books[slug]
            chapter = book.outline.chapter(part)
            home = book.outline.chapter_of(part)
            if home is None:
                raise SectionNotFound(slug, part)
            if chapter is not None:
                wanted, into = list(chapter.sections), part
            elif takings:
                wanted, into = [part], takings[-1].chapter
            else:  # a section first: its chapter's intro comes with it, as its chapter
                wanted, into = [home.id, part], home.id
            for section_id in wanted:
                if any(t.book.slug == slug and t.section.section_id == section_id for t in takings):
                    raise InvalidInput(f"The section '{section_id}' of '{slug}' is taken twice.")
                takings.append(Taking(book, self._live_section(book, section_id), into))
        return takings

    @staticmethod
    def _images(takings: list[Taking]) -> dict[str, dict[str, Any]]:
        """The images the taken text shows, from the books it is taken from."""
        images: dict[str, dict[str, Any]] = {}
        for taking in takings:
            for name in image_names(taking.section.text.split("\n")):
                image = taking.book.images.get(name)
                if image is None:
                    continue
                if name in images and images[name]["sha256"] != image["sha256"]:
                    raise InvalidInput(
                        f"Two books taken from have different images named '{name}'; "
                        "a book holds each name once."
                    )
                images[name] = dict(image)
        return images

    @staticmethod
    def _copy(slug: str, taking: Taking, by: UUID) -> Section:
        original, book = taking.section, taking.book
        copy = Section(
            slug, original.section_id, original.text, by, by, None, f"Taken from {book.title}"
        )
        copy.take(Source(book.slug, original.section_id, original.revision, book.licence), by=by)
        return copy

    def take_into(
        self,
        slug: str,
        source_book: str,
        part: str,
        by: str,
        chapter_id: str = "",
        after: str = "",
        message: str = "",
    ) -> UUID:
        """Propose the current text of `part` of another book into `slug`, marked as taken
        from it: a chapter's intro as a new chapter (after the chapter `after`, or at the end),
        a section into `chapter_id` after `after`. Refused first, with the reason, if its
        licence does not admit the book's."""
        book, origin = self.book(slug), self.book(source_book)
        if origin.slug == book.slug:
            raise InvalidInput("Text is taken from another book; this is the same one.")
        section = self._live_section(origin, part)
        check_admits(origin.licence, book.licence, f"The section '{part}' of '{source_book}'")
        message = message or f"Take “{part}” from {origin.title}"
        if origin.is_intro(part):  # after the chapter named, or at the end
            chapters = book.outline.chapter_ids()
            after = after if after in chapters else (chapters[-1] if chapters else "")
            proposal = self.propose_chapter(slug, after, section.text, message, by)
        else:
            proposal = self.propose_section(slug, chapter_id, after, section.text, message, by)
        self.mark_source(proposal, source_book, part, by=by, source_revision=section.revision)
        return proposal


def checked_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput("A book needs a title.")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"The title has {len(title):,} characters; at most {MAX_TITLE}.")
    return title


def remix_outline(takings: list[Taking]) -> Outline:
    chapters: dict[str, list[str]] = {}
    for taking in takings:
        chapters.setdefault(taking.chapter, []).append(taking.section.section_id)
    return Outline(tuple(ChapterOutline(c, f"{c}.md", tuple(s)) for c, s in chapters.items()))


def check_unique_ids(takings: list[Taking]) -> None:
    """Refuse two taken texts that define one id (a book holds each id once), naming both."""
    seen: dict[str, Taking] = {}
    for taking in takings:
        defined = {taking.section.section_id} | {i for _, i in explicit_ids(taking.section.text)}
        for found in sorted(defined):
            other = seen.setdefault(found, taking)
            if other is not taking:
                raise InvalidInput(
                    f"The id '{found}' is in both the section '{other.section.section_id}' of "
                    f"'{other.book.slug}' and the section '{taking.section.section_id}' of "
                    f"'{taking.book.slug}': a book holds each id once, so take only one of them."
                )


def sources_of(takings: list[Taking], pieces: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    sources: dict[str, dict[str, Any]] = {}
    for taking in takings:
        book = taking.book
        sources.setdefault(
            book.slug,
            {
                "slug": book.slug,
                "title": book.title,
                "licence": book.licence,
                "version": book.version,
                "pieces": [part for slug, part in pieces if slug == book.slug],
            },
        )
    return list(sources.values())


def bibliography_of(takings: list[Taking]) -> tuple[str, list[ImportProblem]]:
    """The books' bibliographies together; one that defines a key another already does is
    left out, and said."""
    kept: list[str] = []
    keys: set[str] = set()
    problems: list[ImportProblem] = []
    books = {taking.book.slug: taking.book for taking in takings}
    for book in books.values():
        text = book.bibliography.strip()
        if not text or text in kept:
            continue
        clash = sorted(bibliography_keys(text) & keys)
        if clash:
            problems.append(
                ImportProblem(
                    "references.bib",
                    None,
                    f"the bibliography of '{book.slug}' defines '{clash[0]}' as another book's "
                    "does: it was left out",
                )
            )
            continue
        kept.append(text)
        keys |= bibliography_keys(text)
    return "\n\n".join(kept) + ("\n" if kept else ""), problems


def problems_of(
    takings: list[Taking], outline: Outline, bibliography: str, images: set[str]
) -> list[ImportProblem]:
    """What the taken text lacks in the remix (a link to a section not taken, a citation whose
    work is not in its bibliography): shown on the book's page, to be fixed by proposals."""
    defined = {
        found: taking.section.section_id
        for taking in takings
        for found in {taking.section.section_id} | {i for _, i in explicit_ids(taking.section.text)}
    }
    keys, found = bibliography_keys(bibliography), []
    for taking in takings:
        section_id = taking.section.section_id
        others = {i: s for i, s in defined.items() if s != section_id}
        context = Context(others, keys, frozenset(images))
        chapter = outline.chapter_of(section_id)
        where = f"{chapter.file if chapter else section_id} (section '{section_id}')"
        for problem in problems_in(taking.section.text, context):
            found.append(ImportProblem(where, problem.line, problem.message))
    return found
