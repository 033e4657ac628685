"""What both converters share: ids for headings, line scanning that skips code and comments,
images copied into images/, and writing book.yaml.

A converter reads a book written for another tool and writes a textbook source folder: book.yaml,
one Markdown file per chapter opening with `# Title {#id}`, every heading with a stable id,
images under images/ and references.bib. It converts what the other tool would have done when
building the book (includes, hidden lines, cross-references); it does not hide problems the
importer must report, such as a citation missing from the bibliography.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
ATTRIBUTES = re.compile(r"[ \t]*\{([^{}]*)\}$")
FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})(.*)$")
IMAGE = re.compile(r"(!\[(?:[^\[\]]|\[[^\]]*\])*\]\()\s*<?([^)\s>]+)>?((?:\s+\"[^\"]*\")?\))")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def slugify(text: str) -> str:
    """A lowercase id of letters, digits and hyphens, as VALID_ID in textbook.domain.markdown."""
    text = re.sub(r"`|\*|_(?=\w)|\[|\]\([^)]*\)|<[^>]+>", "", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not text or not text[0].isalpha():
        text = f"s-{text}".rstrip("-")
    return text[:60].rstrip("-")


@dataclass
class Ids:
    """Unique ids across the whole book."""

    taken: set[str] = field(default_factory=set)

    def claim(self, wanted: str) -> str:
        base = slugify(wanted)
        candidate, number = base, 2
        while candidate in self.taken:
            candidate, number = f"{base}-{number}", number + 1
        self.taken.add(candidate)
        return candidate


@dataclass(frozen=True)
class Line:
    index: int
    text: str
    in_code: bool
    in_comment: bool


def scan(lines: list[str]) -> Iterator[Line]:
    """Each line, with whether it lies inside a fenced code block or an HTML comment."""
    fence: str | None = None
    comment = False
    for index, text in enumerate(lines):
        match = FENCE.match(text)
        if fence is not None:
            closing = match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence)
            yield Line(index, text, True, False)
            if closing and not match.group(2).strip():  # type: ignore[union-attr]
                fence = None
            continue
        if comment:
            yield Line(index, text, False, True)
            comment = "-->" not in text
            continue
        if match:
            fence = match.group(1)
            yield Line(index, text, True, False)
            continue
        if "<!--" in text and "-->" not in text.split("<!--", 1)[1]:
            yield Line(index, text, False, False)
            comment = True
            continue
        yield Line(index, text, False, False)


def split_heading(text: str) -> tuple[int, str, str | None] | None:
    """(level, title, explicit id) of a heading line, or None."""
    match = HEADING.match(text)
    if match is None:
        return None
    title, found = match.group(2), None
    attributes = ATTRIBUTES.search(title)
    if attributes is not None:
        ids = re.findall(r"(?:^|\s)#([^\s}]+)", attributes.group(1))
        found = ids[0] if ids else None
        title = title[: attributes.start()]
    return len(match.group(1)), re.sub(r"[ \t]+#+$", "", title).strip(), found


@dataclass
class Images:
    """Images copied into the book's flat images/ folder, each under one unique name."""

    folder: Path
    names: dict[Path, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def copy(self, source: Path) -> str | None:
        source = source.resolve()
        if source in self.names:
            return self.names[source]
        if not source.is_file() or source.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
            return None
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", source.stem).strip("-") or "image"
        name, number = f"{stem}{source.suffix.lower()}", 2
        while name in self.names.values():
            name, number = f"{stem}-{number}{source.suffix.lower()}", number + 1
        (self.folder / "images").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, self.folder / "images" / name)
        self.names[source] = name
        return name

    def rewrite(self, text: str, base: Path) -> str:
        """Point each local image at images/NAME; a remote image becomes a link to it."""

        def one(match: re.Match[str]) -> str:
            target = match.group(2)
            if re.match(r"^[a-z]+:", target):
                return match.group(0)[1:]  # a link: the build never fetches from the network
            name = self.copy(base / target.split("#")[0])
            if name is None:
                self.missing.append(f"{base / target}")
                return match.group(0)
            return f"{match.group(1)}images/{name}{match.group(3)}"

        return IMAGE.sub(one, text)


Metadata = dict[str, str | list[str]]


def write_book_yaml(folder: Path, metadata: Metadata, chapters: list[str]) -> None:
    data: dict[str, object] = {key: value for key, value in metadata.items() if value}
    data["chapters"] = chapters
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    (folder / "book.yaml").write_text(text, encoding="utf-8")


def fresh_folder(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def close_gaps(lines: list[str]) -> list[str]:
    """Headings nested without skipping a level, siblings kept at one level.

    A tool that does not number sections shows `####` under `##` as a smaller heading; numbered,
    it reads 1.2.0.1. Each heading goes one level below the nearest heading above it whose level
    was lower in the source.
    """
    result = list(lines)
    open_levels: list[tuple[int, int]] = []  # (level in the source, level now), outermost first
    for line in scan(lines):
        heading = split_heading(line.text) if not (line.in_code or line.in_comment) else None
        if heading is None:
            continue
        while open_levels and open_levels[-1][0] >= heading[0]:
            open_levels.pop()
        level = open_levels[-1][1] + 1 if open_levels else heading[0]
        if level != heading[0]:
            result[line.index] = "#" * level + line.text[heading[0] :]
        open_levels.append((heading[0], level))
    return result
