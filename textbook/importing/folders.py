"""Reading files inside a book's folder, and never outside it."""

from __future__ import annotations

import re
from pathlib import Path

from textbook.domain.errors import InvalidBook
from textbook.domain.state import ImportProblem
from textbook.importing.draft import FindImage

MAX_TEXT = 2 * 1024 * 1024  # one chapter file, as in our own folders
MAX_IMAGE_FILE = 10 * 1024 * 1024
IMAGE_SUFFIXES = ("", ".svg", ".png", ".jpg", ".jpeg", ".pdf", ".eps")


def inside(root: Path, relative: str, place: str) -> Path:
    """The file `relative` names inside `root`; InvalidBook if it would lead outside."""
    if "\x00" in relative or relative.startswith("/"):
        raise InvalidBook(place, f"'{relative[:200]}' is not a file inside the book's folder")
    path = (root / relative).resolve()
    if root.resolve() not in path.parents:
        raise InvalidBook(place, f"'{relative[:200]}' leads out of the book's folder")
    return path


def read_text(path: Path, place: str) -> str:
    if not path.is_file():
        raise InvalidBook(place, "missing")
    data = path.read_bytes()
    if len(data) > MAX_TEXT:
        raise InvalidBook(place, f"{len(data):,} bytes is over the limit of {MAX_TEXT:,}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidBook(place, "not UTF-8 text", line) from None


def images_beside(root: Path) -> FindImage:
    """Images named relative to the file that shows them, inside `root` only."""
    top = root.resolve()

    def find(target: str, file: str) -> tuple[str, bytes] | str:
        if "://" in target or target.startswith("data:"):
            return "images are brought only from the book's folder, not from the web"
        base = (top / file).parent
        for suffix in IMAGE_SUFFIXES:
            path = (base / (target + suffix)).resolve()
            if top not in path.parents:
                return "it is outside the book's folder"
            if path.is_file():
                if path.stat().st_size > MAX_IMAGE_FILE:
                    return "it is too large"
                return path.name, path.read_bytes()
        return "there is no such file in the book's folder"

    return find


def marked(text: str, pattern: re.Pattern[str], place: str, what: str) -> list[ImportProblem]:
    """A problem for each line of `text` where `pattern` is found (something no reader keeps)."""
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        match = pattern.search(line)
        if match:
            problems.append(ImportProblem(place, number, f"{what}: {match.group(0)[:80]}"))
    return problems
