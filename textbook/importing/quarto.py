"""A Quarto book: _quarto.yml's book.chapters (with parts and appendices) in order, its title,
authors and bibliography; each chapter is pandoc Markdown (.qmd or .md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from textbook.domain.errors import InvalidBook
from textbook.domain.state import ImportProblem
from textbook.importing import pandoc
from textbook.importing.draft import Draft, Metadata, Part
from textbook.importing.folders import images_beside, inside, marked, read_text
from textbook.importing.lines import Text
from textbook.importing.quarto_cells import convert, not_run
from textbook.importing.tree import text

SHORTCODE = re.compile(r"\{\{<\s*[^>]*>\}\}")
READER = "markdown"
MAX_BIBLIOGRAPHY = 2 * 1024 * 1024


def read_quarto(root: Path, name: str) -> tuple[Draft, list[int]]:
    config = _config(root)
    book = _mapping(config.get("book"))
    problems: list[ImportProblem] = []
    files = _files(book.get("chapters"), problems) + _files(book.get("appendices"), problems)
    if not files:
        raise InvalidBook("_quarto.yml", "book.chapters lists no chapters")
    parts, api, cells = [], [1, 23], {}
    for file in files:
        path = inside(root, file, "_quarto.yml")
        text = read_text(path, file)
        problems += marked(text, SHORTCODE, file, "a Quarto shortcode was left out")
        source, cells[file] = convert(Text.of(file, text))
        found = pandoc.read(path, READER, file, text=source)
        problems += found.problems
        api = found.ast["pandoc-api-version"]
        title = _text(found.ast["meta"].get("title"))
        parts.append(Part(file, found.ast["blocks"], 0, title, source))
    problems += not_run({file: count for file, count in cells.items() if count})
    draft = Draft(
        "quarto", name, _metadata(config, book), parts, images_beside(root), problems=problems
    )
    draft.bibliography = _bibliography(
        root, book.get("bibliography") or config.get("bibliography"), problems
    )
    return draft, api


def _config(root: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(read_text(root / "_quarto.yml", "_quarto.yml"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InvalidBook("_quarto.yml", "not valid YAML", line) from None
    return _mapping(data)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _files(entries: Any, problems: list[ImportProblem]) -> list[str]:
    """Chapter files in order; a part's chapters follow its title, which is not kept."""
    found: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, dict) and "part" in entry:
            part = str(entry["part"])
            if part.endswith((".qmd", ".md")):
                found.append(part)
            else:
                said = f"the part '{part[:80]}' is not kept as a heading; its chapters follow"
                problems.append(ImportProblem("_quarto.yml", None, said))
            found += _files(entry.get("chapters"), problems)
        elif isinstance(entry, dict) and isinstance(entry.get("file"), str):
            found.append(entry["file"])
    return found


def _text(value: Any) -> str:
    return text(value) if value else ""


def _people(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    names = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name", "")
            if isinstance(item, dict):
                item = item.get("literal") or " ".join(
                    str(item.get(k, "")) for k in ("given", "family")
                )
        if str(item).strip():
            names.append(str(item).strip())
    return names


def _metadata(config: dict[str, Any], book: dict[str, Any]) -> Metadata:
    def field(*keys: str) -> str:
        for key in keys:
            for source in (book, config):
                value = source.get(key)
                if isinstance(value, str | int | float) and str(value).strip():
                    return str(value).strip()
        return ""

    return Metadata(
        title=field("title"),
        subtitle=field("subtitle"),
        authors=_people(book.get("author") or config.get("author")),
        language=field("lang", "language"),
        license=field("license"),
        description=field("description", "abstract"),
    )


def _bibliography(root: Path, value: Any, problems: list[ImportProblem]) -> str:
    files = value if isinstance(value, list) else [value] if value else []
    texts = []
    for file in files:
        file = str(file)
        if not file.endswith(".bib"):
            said = f"the bibliography '{file[:80]}' is not BibTeX (.bib); it was left out"
            problems.append(ImportProblem("_quarto.yml", None, said))
            continue
        texts.append(read_text(inside(root, file, "_quarto.yml"), file))
    text = "\n".join(texts)
    if len(text.encode()) > MAX_BIBLIOGRAPHY:
        raise InvalidBook("_quarto.yml", "the bibliography is over 2 MB")
    return text
