"""A book's source folder (book.yaml, chapters, images/, references.bib): read, check, write."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from textbook.domain.bibliography import entry_keys
from textbook.domain.book import METADATA_FIELDS
from textbook.domain.errors import InvalidBook, TextbookError
from textbook.domain.images import NAME as IMAGE_FILE
from textbook.domain.images import InvalidImage, checked_image
from textbook.domain.markdown import (
    VALID_ID,
    explicit_ids,
    outside_code,
    parse_heading,
    slugify,
    split_chapter,
    unique_slug,
    with_heading_id,
)
from textbook.domain.metadata import (
    PEOPLE_FIELDS,
    TEXT_FIELDS,
    UnknownLicence,
    checked_bibliography,
    checked_isbn,
    licence_of,
)
from textbook.domain.outline import PAGE_NAMES, page_name_problem
from textbook.domain.state import BookState, ChapterState, ImageRef, ImportProblem, SectionState

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
CHAPTER_FILE = re.compile(r"^[a-z0-9][a-z0-9_-]*\.md$")
IMAGE_REFERENCE = re.compile(r"!\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)")
LINK_TO_ID = re.compile(r"\]\(#([^)\s]+)\)")
CITATION = re.compile(r"(?:\[|;\s*)-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*[\w])")
REQUIRED = ("title", "language", "license", "identifier", "chapters")
ALLOWED = (*METADATA_FIELDS, "chapters")
MAX_YAML = 64 * 1024
MAX_CHAPTER = 2 * 1024 * 1024
MAX_BIBLIOGRAPHY = 2 * 1024 * 1024
MAX_PEOPLE = 200


@dataclass(frozen=True)
class SourceBook:
    """What import needs: the book's state, the bytes of its images by SHA-256, and the problems
    found that lose no text (an unknown citation, a missing image): the import goes on with them."""

    state: BookState
    blobs: dict[str, bytes] = field(default_factory=dict)
    problems: tuple[ImportProblem, ...] = ()


def read_book(folder: Path) -> SourceBook:
    """Read and check a book's source folder.

    What would lose or corrupt text raises InvalidBook, naming the file and line at fault; other
    problems are listed in SourceBook.problems, each with its file and line.
    """
    if not folder.is_dir():
        raise InvalidBook(str(folder), "no such folder")
    slug = folder.resolve().name
    if not SLUG.match(slug):
        raise InvalidBook(
            str(folder), f"'{slug}' is not a valid book slug (lowercase letters, digits, hyphens)"
        )
    metadata, files, yaml_text, lines = _read_metadata(folder)
    _check_listing(folder, files, lines)
    texts = {name: _read_text(folder / name, MAX_CHAPTER) for name in files}
    chapters = _chapters(folder, texts)
    images, blobs = _read_images(folder)
    names = {image.name for image in images}
    bibliography = ""
    if (folder / "references.bib").exists():
        bibliography = _read_text(folder / "references.bib", MAX_BIBLIOGRAPHY)
    ids = {section.id for chapter in chapters for section in chapter.sections}
    ids |= {found for text in texts.values() for _, found in explicit_ids(text)}
    ids |= {found for text in texts.values() for found in _automatic_ids(text)}
    problems = [
        *_cover_problems(metadata, names, _key_lines(yaml_text).get("cover")),
        *_image_problems(texts, names),
        *_citation_problems(texts, entry_keys(bibliography)),
        *_link_problems(texts, ids),
    ]
    order = ["book.yaml", *files]  # as a person reads the book: file by file, line by line
    problems.sort(key=lambda found: (order.index(found.file), found.line or 0))
    state = BookState(slug, metadata, yaml_text, chapters, images, bibliography)
    return SourceBook(state=state, blobs=blobs, problems=tuple(problems))


def _read_text(path: Path, limit: int) -> str:
    if not path.is_file():
        raise InvalidBook(str(path), "missing")
    data = path.read_bytes()
    if len(data) > limit:
        raise InvalidBook(str(path), f"{len(data):,} bytes is over the limit of {limit:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidBook(str(path), "not UTF-8 text", line) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InvalidBook(str(path), "contains a NUL character: not text", line)
    return text


def _read_metadata(folder: Path) -> tuple[dict[str, Any], list[str], str, dict[str, int]]:
    path = folder / "book.yaml"
    text = _read_text(path, MAX_YAML)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise InvalidBook(str(path), f"not valid YAML: {problem}", line) from None
    if not isinstance(data, dict):
        raise InvalidBook(str(path), "must be a mapping of fields (title: ..., chapters: ...)")
    key_lines = _key_lines(text)
    for key in data:
        if key not in ALLOWED:
            raise InvalidBook(str(path), f"unknown field '{key}'", key_lines.get(str(key)))
    for key in REQUIRED:
        if key not in data or data[key] in (None, "", []):
            raise InvalidBook(str(path), f"the field '{key}' is missing")
    metadata: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        value = data.get(key) or ""
        if not isinstance(value, str):
            raise InvalidBook(str(path), f"'{key}' must be text", key_lines.get(key))
        metadata[key] = value.strip()
    for key in PEOPLE_FIELDS:
        metadata[key] = _people(path, key, data.get(key), key_lines.get(key))
    _check_metadata(path, metadata, key_lines)
    files = _chapter_files(path, data["chapters"], text)
    return metadata, files, text, _entry_lines(text)


def _people(path: Path, key: str, value: Any, line: int | None) -> list[str]:
    """A list of names; one name alone may be written as text (authors: Ada Lovelace)."""
    if value is None or value == "":
        return []
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise InvalidBook(str(path), f"'{key}' must be a list of names (- Ada Lovelace)", line)
    if len(names) > MAX_PEOPLE:
        raise InvalidBook(str(path), f"'{key}' lists more than {MAX_PEOPLE} names", line)
    return [name.strip() for name in names]


def _check_metadata(path: Path, metadata: dict[str, Any], key_lines: dict[str, int]) -> None:
    if not LANGUAGE.match(metadata["language"]):
        problem = f"'{metadata['language']}' is not a BCP 47 language tag such as en or pt-BR"
        raise InvalidBook(str(path), problem, key_lines.get("language"))
    try:
        metadata["license"] = licence_of(metadata["license"]).expression
    except UnknownLicence as error:
        raise InvalidBook(str(path), f"license: {error}", key_lines.get("license")) from None
    if metadata["isbn"]:
        try:
            metadata["isbn"] = checked_isbn(metadata["isbn"])
        except ValueError as error:
            raise InvalidBook(str(path), str(error), key_lines.get("isbn")) from None
    try:
        metadata["bibliography"] = checked_bibliography(metadata["bibliography"])
    except ValueError as error:
        line = key_lines.get("bibliography")
        raise InvalidBook(str(path), f"bibliography: {error}", line) from None
    for key, value in metadata.items():
        if len(value if isinstance(value, str) else "".join(value)) > 5000:
            raise InvalidBook(str(path), f"'{key}' is too long", key_lines.get(key))


def _chapter_files(path: Path, chapters: Any, text: str) -> list[str]:
    if not isinstance(chapters, list) or not all(isinstance(c, str) for c in chapters):
        raise InvalidBook(str(path), "'chapters' must be a list of file names")
    entry_lines = _entry_lines(text)
    seen: set[str] = set()
    for name in chapters:
        if not CHAPTER_FILE.match(name):
            problem = f"'{name}' is not a chapter file name (lowercase, ending in .md)"
            raise InvalidBook(str(path), problem, entry_lines.get(name))
        if name in seen:
            raise InvalidBook(str(path), f"'{name}' is listed twice", entry_lines.get(name))
        seen.add(name)
    return list(chapters)


def _key_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def _entry_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        match = re.match(r"^\s*-\s*['\"]?([^'\"#\s]+)", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def _check_listing(folder: Path, files: list[str], lines: dict[str, int]) -> None:
    for name in files:
        if not (folder / name).is_file():
            problem = f"the chapter file '{name}' is listed but missing"
            raise InvalidBook(str(folder / "book.yaml"), problem, lines.get(name))
    for path in sorted(folder.glob("*.md")):
        if path.name not in files:
            raise InvalidBook(str(path), "this chapter file is not listed in book.yaml's chapters")


def _chapters(folder: Path, texts: dict[str, str]) -> tuple[ChapterState, ...]:
    first_use: dict[str, tuple[str, int]] = {}
    for name, text in texts.items():
        for line, found in explicit_ids(text):
            where = str(folder / name)
            if found in first_use:
                other, other_line = first_use[found]
                problem = f"the id '{found}' is already used at {other}:{other_line}"
                raise InvalidBook(where, problem, line)
            first_use[found] = (where, line)
    taken = set(first_use) | PAGE_NAMES  # a chapter "Index" without an id is "index-1"
    return tuple(_chapter(folder / name, text, taken) for name, text in texts.items())


def _chapter(path: Path, text: str, taken: set[str]) -> ChapterState:
    chunks = split_chapter(text)
    if not chunks or chunks[0].heading.level != 1:
        line = chunks[0].line if chunks else 1
        raise InvalidBook(str(path), "a chapter must open with '# Title {#chapter-id}'", line)
    sections = []
    for position, chunk in enumerate(chunks):
        if position > 0 and chunk.heading.level == 1:
            problem = "a second '# ' chapter heading: one chapter per file"
            raise InvalidBook(str(path), problem, chunk.line)
        section_text, section_id = chunk.text, chunk.heading.id
        if section_id is None:
            section_id = unique_slug(chunk.heading.title, taken)
            taken.add(section_id)
            section_text = with_heading_id(section_text, section_id)
        elif not VALID_ID.match(section_id):
            problem = f"'{section_id}' is not a valid id: use lowercase letters, digits, hyphens"
            raise InvalidBook(str(path), problem, chunk.line)
        elif position == 0 and (clash := page_name_problem(section_id)) is not None:
            raise InvalidBook(str(path), clash, chunk.line)
        sections.append(SectionState(section_id, section_text))
    return ChapterState(sections[0].id, path.name, tuple(sections))


def _read_images(folder: Path) -> tuple[tuple[ImageRef, ...], dict[str, bytes]]:
    images, blobs = [], {}
    directory = folder / "images"
    if not directory.is_dir():
        return (), {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue
        if not path.is_file() or not IMAGE_FILE.match(path.name):
            raise InvalidBook(str(path), "images must be PNG, JPEG or SVG files (.png .jpg .svg)")
        data = path.read_bytes()
        try:
            media_type = checked_image(path.name, data)
        except InvalidImage as error:
            raise InvalidBook(str(path), error.problem, error.line) from None
        sha256 = hashlib.sha256(data).hexdigest()
        blobs[sha256] = data
        images.append(ImageRef(path.name, sha256, media_type, len(data)))
    return tuple(images), blobs


def _cover_problems(
    metadata: dict[str, Any], names: set[str], line: int | None
) -> list[ImportProblem]:
    cover = metadata["cover"]
    if not cover or (cover.startswith("images/") and cover.removeprefix("images/") in names):
        return []
    metadata["cover"] = ""
    problem = f"the cover '{cover}' is not an image in the book's images/ folder; no cover is shown"
    return [ImportProblem("book.yaml", line, problem)]


def _image_problems(texts: dict[str, str], names: set[str]) -> list[ImportProblem]:
    problems = []
    for file_name, text in texts.items():
        for index, line in outside_code(text.split("\n")):
            for match in IMAGE_REFERENCE.finditer(line):
                target = match.group(1)
                name = target.removeprefix("images/")
                if not target.startswith("images/") or "/" in name:
                    problem = f"the image '{target}' is not in the book's images/ folder"
                elif name not in names:
                    problem = f"the image '{target}' does not exist"
                else:
                    continue
                problems.append(ImportProblem(file_name, index + 1, problem))
    return problems


def _citation_problems(texts: dict[str, str], keys: set[str]) -> list[ImportProblem]:
    problems = []
    for file_name, text in texts.items():
        for index, line in outside_code(text.split("\n")):
            for match in CITATION.finditer(line):
                if match.group(1) not in keys:
                    problem = f"the citation '@{match.group(1)}' is not in references.bib"
                    problems.append(ImportProblem(file_name, index + 1, problem))
    return problems


def _automatic_ids(text: str) -> set[str]:
    """The ids pandoc gives headings below sections that have none: links to them are fine."""
    headings = (parse_heading(line) for _, line in outside_code(text.split("\n")))
    return {slugify(h.title) for h in headings if h is not None and h.id is None}


def _link_problems(texts: dict[str, str], ids: set[str]) -> list[ImportProblem]:
    problems = []
    for file_name, text in texts.items():
        for index, line in outside_code(text.split("\n")):
            for match in LINK_TO_ID.finditer(line):
                if match.group(1) not in ids:
                    target = match.group(1)
                    problem = f"the link to '#{target}' leads nowhere: nothing has that id"
                    problems.append(ImportProblem(file_name, index + 1, problem))
    return problems


def metadata_yaml(state: BookState) -> str:
    """book.yaml for the state: as imported while its chapter list still holds, else regenerated."""
    files = [chapter.file for chapter in state.chapters]
    try:
        stored = yaml.safe_load(state.metadata_yaml) if state.metadata_yaml else None
    except yaml.YAMLError:
        stored = None
    if isinstance(stored, dict) and stored.get("chapters") == files:
        return state.metadata_yaml
    data: dict[str, Any] = {key: value for key, value in state.metadata.items() if value}
    data["chapters"] = files
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_book(state: BookState, images: dict[str, bytes], folder: Path) -> list[Path]:
    """Write the book's source folder; `images` maps SHA-256 to bytes. Returns the files written."""
    if folder.exists() and any(folder.iterdir()):
        raise TextbookError(f"{folder} is not empty; export into a new or empty folder.")
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "book.yaml"]
    written[0].write_text(metadata_yaml(state), encoding="utf-8")
    for chapter in state.chapters:
        (folder / chapter.file).write_text(chapter.text, encoding="utf-8")
        written.append(folder / chapter.file)
    if state.images:
        (folder / "images").mkdir()
    for image in state.images:
        (folder / "images" / image.name).write_bytes(images[image.sha256])
        written.append(folder / "images" / image.name)
    if state.bibliography:
        (folder / "references.bib").write_text(state.bibliography, encoding="utf-8")
        written.append(folder / "references.bib")
    return written
