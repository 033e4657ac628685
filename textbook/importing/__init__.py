"""Bring a book from where it lives: our own source folder, a Word document, an EPUB, an mdBook,
a Quarto book or a LaTeX book (a file, a folder, or a zip of a folder) becomes the same
SourceBook our folder reader gives, with a summary of what came through and what did not.

Everything here reads files from strangers: zips are checked before they are opened, files are
read only inside the book's folder, and pandoc runs sandboxed with time and memory limits.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from textbook.book_folder import SLUG, SourceBook, read_book
from textbook.domain.errors import InvalidBook
from textbook.domain.markdown import outside_code
from textbook.domain.state import ImportProblem
from textbook.importing import archives
from textbook.importing.assemble import LicenceNeeded, assemble, book_slug
from textbook.importing.documents import read_document
from textbook.importing.draft import Draft
from textbook.importing.latex import main_file, read_latex
from textbook.importing.mdbook import read_mdbook
from textbook.importing.quarto import read_quarto

FORMATS = ("auto", "folder", "docx", "epub", "mdbook", "quarto", "latex")
SUFFIXES = {".docx": "docx", ".epub": "epub", ".tex": "latex"}
UPLOADS = (".docx", ".epub", ".tex", ".zip")
NOTE = re.compile(r"^\[\^[^\]\s]+\]:")
CITATION = re.compile(r"(?<![\w@\\])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*\w|[A-Za-z0-9_])")

__all__ = [
    "FORMATS",
    "UPLOADS",
    "Imported",
    "LicenceNeeded",
    "Summary",
    "detect",
    "figures",
    "read_source",
]


@dataclass(frozen=True)
class Summary:
    """What a person sees after an import: the book's shape, and every warning with its place."""

    format: str
    chapters: int
    sections: int
    images: int
    citations: int
    footnotes: int
    warnings: tuple[ImportProblem, ...]


@dataclass(frozen=True)
class Imported:
    book: SourceBook
    summary: Summary


def read_source(
    path: Path,
    form: str = "auto",
    *,
    name: str | None = None,
    slug: str | None = None,
    license: str | None = None,
    source: str | None = None,
    language: str | None = None,
) -> Imported:
    """Read the book at `path` (a file or folder) in format `form`; `name` is what the person
    called it (an uploaded file's name), shown in problems and as the default source."""
    if form not in FORMATS:
        raise InvalidBook(str(path), f"'{form}' is not a format: use one of {', '.join(FORMATS)}")
    if not path.exists():
        raise InvalidBook(str(path), "no such file or folder")
    name = name or path.name
    given = {"slug": slug, "license": license, "source": source, "language": language}
    try:
        return _read(path, form, name, given)
    except (RecursionError, UnicodeError, OSError, ValueError, KeyError, TypeError, IndexError):
        # A file from a stranger that breaks a reader in a way not foreseen: refused, not a 500.
        raise InvalidBook(name, f"this could not be read as a book ({form} format)") from None


def _read(path: Path, form: str, name: str, given: dict[str, str | None]) -> Imported:
    slug = given["slug"]
    with tempfile.TemporaryDirectory(prefix="textbook-source-") as temporary:
        work = Path(temporary)
        if path.is_file() and path.suffix.lower() == ".zip":
            archives.unpack(path, work / "unpacked")
            path = _top(work / "unpacked")
            if not slug and (path / "book.yaml").is_file():
                slug = path.name if SLUG.match(path.name) else book_slug(name, None)
        found = form if form != "auto" else detect(path)
        if found == "folder":
            return _folder(path, slug, work)
        draft, api = _draft(path, found, name, work)
        book, citations = assemble(draft, api, given)
    return Imported(book, summary(book, found, citations))


def detect(path: Path) -> str:
    if path.is_file():
        found = SUFFIXES.get(path.suffix.lower())
        if found is None:
            raise InvalidBook(
                path.name,
                "not a book textbook can import: give a .docx, .epub, .tex or .zip "
                "file, or a folder (ours, an mdBook, a Quarto book or a LaTeX book)",
            )
        return found
    if (path / "book.yaml").is_file():
        return "folder"
    if (path / "book.toml").is_file():
        return "mdbook"
    if (path / "_quarto.yml").is_file():
        return "quarto"
    if any(path.glob("*.tex")):
        return "latex"
    if any(path.glob("*.md")):
        return "folder"  # chapters without their book.yaml: the folder reader says what is missing
    raise InvalidBook(
        path.name,
        "no book found here: a folder needs book.yaml (ours), book.toml (mdBook), "
        "_quarto.yml (Quarto) or a main .tex file (LaTeX)",
    )


def _top(folder: Path) -> Path:
    """The folder a zip holds its book in: itself, or its only folder."""
    entries = [p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder


def _draft(path: Path, form: str, name: str, work: Path) -> tuple[Draft, list[int]]:
    if form in ("docx", "epub"):
        if not path.is_file():
            raise InvalidBook(name, f"a {form} book is a file, not a folder")
        return read_document(path, form, name, work)
    if form == "latex":
        if path.is_file():
            archives.check_size(path)
            return read_latex(path, path.parent, name, work)
        return read_latex(main_file(path), path, name, work)
    if not path.is_dir():
        raise InvalidBook(name, f"an {form} book is a folder (or a zip of one), not a file")
    return read_mdbook(path, name) if form == "mdbook" else read_quarto(path, name)


def _folder(path: Path, slug: str | None, work: Path) -> Imported:
    if slug and slug != path.resolve().name:
        copy = work / "renamed" / slug
        shutil.copytree(path, copy, symlinks=True)
        path = copy
    book = read_book(path)
    citations = sum(
        len(CITATION.findall(line))
        for chapter in book.state.chapters
        for _, line in outside_code(chapter.text.split("\n"))
    )
    return Imported(book, summary(book, "folder", citations))


def summary(book: SourceBook, form: str, citations: int) -> Summary:
    state = book.state
    footnotes = sum(
        1
        for chapter in state.chapters
        for _, line in outside_code(chapter.text.split("\n"))
        if NOTE.match(line)
    )
    return Summary(
        format=form,
        chapters=len(state.chapters),
        sections=sum(len(chapter.sections) for chapter in state.chapters),
        images=len(state.images),
        citations=citations,
        footnotes=footnotes,
        warnings=book.problems,
    )


def figures(summary: Summary) -> list[tuple[str, int]]:
    """The summary's figures, labelled, in the order the CLI and the web show them."""
    return [
        ("chapters", summary.chapters),
        ("sections", summary.sections),
        ("images", summary.images),
        ("citations", summary.citations),
        ("footnotes", summary.footnotes),
        ("warnings", len(summary.warnings)),
    ]
