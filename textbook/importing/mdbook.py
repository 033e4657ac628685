"""An mdBook: book.toml for the metadata, src/SUMMARY.md for the chapters, their order and their
nesting. A top-level entry is a chapter; entries nested under it become its sections."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from textbook.domain.errors import InvalidBook
from textbook.domain.state import ImportProblem
from textbook.importing import pandoc
from textbook.importing.draft import Draft, Metadata, Part
from textbook.importing.folders import images_beside, inside, read_text
from textbook.importing.mdbook_links import expand, mathjax

ENTRY = re.compile(r"^(\s*)(?:[-*+]\s+)?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)>]*?)>?\s*\)\s*$")
PART = re.compile(r"^#\s+(.*\S)\s*$")
READER = "commonmark_x-yaml_metadata_block"


def read_mdbook(root: Path, name: str) -> tuple[Draft, list[int]]:
    config = _config(root)
    book: dict[str, Any] = config.get("book", {}) if isinstance(config.get("book"), dict) else {}
    source = str(book.get("src", "src"))
    src = inside(root, source, "book.toml") if source not in ("", ".") else root.resolve()
    summary = src / "SUMMARY.md"
    place = f"{source}/SUMMARY.md"
    problems: list[ImportProblem] = []
    entries = _entries(read_text(summary, place), place, problems)
    if not entries:
        raise InvalidBook(place, "lists no chapters")
    parts, api = [], [1, 23]
    for depth, title, link, line in entries:
        file = f"{source}/{link}"
        path = inside(src, link, f"{place}:{line}")
        text = expand(root, file, read_text(path, file), problems)
        text = mathjax(text) if _mathjax(config) else text
        found = pandoc.read(path, READER, file, text=text)
        problems += found.problems
        api = found.ast["pandoc-api-version"]
        parts.append(Part(file, found.ast["blocks"], depth, title, text))
    authors = book.get("authors", [])
    metadata = Metadata(
        title=str(book.get("title") or ""),
        authors=[str(a) for a in authors] if isinstance(authors, list) else [str(authors)],
        language=str(book.get("language") or ""),
        description=str(book.get("description") or ""),
    )
    draft = Draft("mdbook", name, metadata, parts, images_beside(root), problems=problems)
    return draft, api


def _mathjax(config: dict[str, Any]) -> bool:
    output = config.get("output", {})
    html = output.get("html", {}) if isinstance(output, dict) else {}
    return isinstance(html, dict) and html.get("mathjax-support") is True


def _config(root: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(root / "book.toml", "book.toml"))
    except tomllib.TOMLDecodeError as error:
        raise InvalidBook("book.toml", f"not valid TOML: {error}") from None


def _entries(
    summary: str, place: str, problems: list[ImportProblem]
) -> list[tuple[int, str, str, int]]:
    """(depth, title, file, line) for each chapter SUMMARY.md lists, in order."""
    entries: list[tuple[int, str, str, int]] = []
    indents: list[int] = []
    for number, line in enumerate(summary.split("\n"), start=1):
        part = PART.match(line)
        if part and number > 1 and entries:
            said = f"the part heading '{part.group(1)[:80]}' is not kept; its chapters follow"
            problems.append(ImportProblem(place, number, said))
            continue
        match = ENTRY.match(line)
        if match is None:
            continue
        indent, title, link = len(match.group(1).expandtabs(4)), match.group(2), match.group(3)
        while indents and indents[-1] >= indent:
            indents.pop()
        depth = len(indents)
        indents.append(indent)
        if not link.strip():
            said = f"the draft chapter '{title[:80]}' has no file; it was left out"
            problems.append(ImportProblem(place, number, said))
            continue
        entries.append((depth, title, link.split("#")[0].strip(), number))
    return entries
