"""From a reader's blocks to a book's: sections out of their wrappers, raw HTML and TeX dropped
(and said where), images brought into images/ under names the book accepts, headings leveled."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from textbook.domain.images import InvalidImage, checked_image
from textbook.domain.state import ImageRef, ImportProblem
from textbook.importing import inline_html
from textbook.importing.draft import FindImage, Part
from textbook.importing.lines import Text
from textbook.importing.tree import Element, header, is_blank, is_empty_anchor, rewrite, text, words

IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".svg")
UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
# Quarto's cross-references are written as citations: @fig-x, @tbl-x, @sec-x, @eq-x.
FROM = "textbook-from"  # a heading's key: the file and line it came from, until ids are given
CROSS_REFERENCE = {"fig": "Figure", "tbl": "Table", "sec": "Section", "eq": "Equation"}


@dataclass
class Images:
    """The book's images, by name, and the bytes of each by SHA-256."""

    find: FindImage
    refs: dict[str, ImageRef] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    by_source: dict[tuple[str, str], str] = field(default_factory=dict)

    def bring(self, target: str, file: str) -> str:
        """The image's name in the book; InvalidImage saying why it cannot come."""
        if (target, file) in self.by_source:
            return self.by_source[(target, file)]
        found = self.find(target, file)
        if isinstance(found, str):
            raise InvalidImage(found)
        name, data = found
        name = self._name(name, data)
        checked = checked_image(name, data)
        sha256 = hashlib.sha256(data).hexdigest()
        self.refs[name] = ImageRef(name, sha256, checked, len(data))
        self.blobs[sha256] = data
        self.by_source[(target, file)] = name
        return name

    def _name(self, original: str, data: bytes) -> str:
        path = PurePosixPath(original)
        suffix = path.suffix.lower()
        if suffix not in IMAGE_TYPES:
            kind = suffix.lstrip(".").upper() or "unknown"
            raise InvalidImage(f"{kind} images cannot be shown: a book takes PNG, JPEG or SVG")
        stem = UNSAFE.sub("-", path.stem).strip("-.")[:80] or "image"
        if not stem[0].isalnum():
            stem = "image-" + stem
        sha256 = hashlib.sha256(data).hexdigest()
        for ref in self.refs.values():
            if ref.sha256 == sha256 and ref.name.endswith(suffix):
                return ref.name
        name, number = f"{stem}{suffix}", 2
        while name in self.refs:
            name, number = f"{stem}-{number}{suffix}", number + 1
        return name


@dataclass
class Cleaner:
    images: Images
    problems: list[ImportProblem] = field(default_factory=list)
    citations: int = 0
    place: str = ""
    source: Text | None = None
    at: int = 0  # the index in `source` of the line of the last heading
    next: int = 0  # where to look for the next one

    def part(self, part: Part) -> list[Element]:
        """The part's blocks, cleaned, with its headings lowered by its depth, each marked with
        the line of the file it stands on (FROM) where that can be found."""
        blocks = rewrite(rewrite(inline_html.said(part.blocks), self._unwrap), self._simpler)
        if part.title and not any(b["t"] == "Header" and b["c"][0] == 1 for b in blocks):
            blocks.insert(0, header(1, "", words(part.title)))
        out = []
        self.source, self.at, self.next, self.place = part.source, 0, 0, ""
        for block in blocks:
            if block["t"] == "Header":
                block["c"][0] = min(block["c"][0] + part.depth, 6)
                self.place = text(block["c"][2])
                found = part.source.heading(self.place, self.next) if part.source else None
                if found is not None:
                    self.at, self.next = found, found + 1
                line = self._line()
                if line is not None:
                    block["c"][1][2] = [*block["c"][1][2], [FROM, f"{part.file}:{line}"]]
            if is_blank(block) and not any(is_empty_anchor(i) for i in block["c"]):
                continue
            cleaned = rewrite([block], partial(self._clean, file=part.file))
            out.extend(cleaned)
        return out

    @staticmethod
    def _unwrap(element: Element) -> list[Element]:
        """EPUB and LaTeX readers wrap a section in a Div; its heading must stand on its own."""
        if element["t"] == "Div":
            blocks = element["c"][1]
            if any(b["t"] == "Header" and b["c"][0] <= 2 for b in blocks):
                return blocks  # type: ignore[no-any-return]
        return [element]

    @staticmethod
    def _simpler(element: Element) -> list[Element]:
        """A citation's own text (raw LaTeX from \\textcite) is left to citeproc; a figure whose
        caption says what its image's description says is written `![it](image)`."""
        if element["t"] == "Cite":
            return [{"t": "Cite", "c": [element["c"][0], []]}]
        if element["t"] == "Figure":
            _, (_, caption), blocks = element["c"]
            if len(blocks) == 1 and blocks[0]["t"] in ("Plain", "Para"):
                inlines = blocks[0]["c"]
                image: Element = inlines[0] if len(inlines) == 1 else {"t": ""}
                if image["t"] == "Image" and text(caption) == text(image["c"][1]):
                    if element["c"][0][0] and not image["c"][0][0]:  # links to it still lead here
                        image["c"][0][0] = element["c"][0][0]
                    return [{"t": "Para", "c": inlines}]
        return [element]

    def _clean(self, element: Element, file: str) -> list[Element]:
        kind = element["t"]
        if kind in ("RawBlock", "RawInline"):
            return self._raw(element, file)
        if kind == "Image":
            return self._image(element, file)
        if kind == "Cite":
            return self._cite(element)
        if kind == "Table":  # widths as Word sets them would make grid tables of simple ones
            element["c"][2] = [[align, {"t": "ColWidthDefault"}] for align, _ in element["c"][2]]
        if kind == "Span" and "citation" in element["c"][0][1]:
            self.citations += 1  # a citation already formatted (an EPUB made with citeproc)
        return [element]

    def _where(self) -> str:
        return f"in '{self.place}'" if self.place else "before the first heading"

    def _line(self, needle: str = "") -> int | None:
        """The file's line holding `needle` at or after the last heading, else the heading's."""
        if self.source is None:
            return None
        found = self.source.find(needle, self.at) if needle else None
        return self.source.origin((self.at if found is None else found) + 1)

    def _raw(self, element: Element, file: str) -> list[Element]:
        form, content = element["c"]
        if re.fullmatch(r"\s*</\w+>\s*", str(content)):
            return []  # the end of an element whose start is said
        shown = " ".join(str(content).split())[:80]
        what = {"html": "HTML", "latex": "LaTeX", "tex": "TeX"}.get(form, form)
        line = self._line(str(content).strip().split("\n")[0][:40])
        self.problems.append(
            ImportProblem(file, line, f"{self._where()}: raw {what} was left out: {shown}")
        )
        return []

    def _image(self, element: Element, file: str) -> list[Element]:
        attr, alt, (target, title) = element["c"]
        try:
            name = self.images.bring(target, file)
        except InvalidImage as error:
            problem = f"{self._where()}: the image '{target[:120]}' was left out: {error.problem}"
            self.problems.append(ImportProblem(file, self._line(target), problem))
            return [{"t": "Emph", "c": alt or words(f"[image {PurePosixPath(target).name}]")}]
        return [{"t": "Image", "c": [[attr[0], attr[1], []], alt, [f"images/{name}", title]]}]

    def _cite(self, element: Element) -> list[Element]:
        citations: list[dict[str, Any]] = element["c"][0]
        keys = [c["citationId"] for c in citations]
        kinds = {key.split("-", 1)[0] for key in keys}
        if all("-" in key for key in keys) and kinds <= set(CROSS_REFERENCE):
            links: list[Element] = []
            for key in keys:
                if links:
                    links.append({"t": "Str", "c": ","})
                    links.append({"t": "Space"})
                label = words(CROSS_REFERENCE[key.split("-", 1)[0]])
                links.append({"t": "Link", "c": [["", [], []], label, [f"#{key}", ""]]})
            return links
        self.citations += len(citations)
        return [element]
