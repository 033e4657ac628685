"""Ids for an imported book: every heading gets one from its title (unique in the book, valid,
the same on every import of the same text; chapters choose first, so that a chapter's file is
named after its title); other ids are kept where links lead to them, and links follow the
renaming. Text that only looks like an id (`{{#include x}}` in a paragraph) is written so that
it is not read as one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textbook.domain.markdown import ANY_EXPLICIT_ID, CODE_SPAN, outside_code, unique_slug
from textbook.domain.outline import PAGE_NAMES
from textbook.importing.clean import FROM
from textbook.importing.tree import Element, attr_of, elements, is_empty_anchor, rewrite, text

PLAIN_ID = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass
class Ids:
    taken: set[str] = field(default_factory=lambda: set(PAGE_NAMES))  # a chapter "Index": index-1
    renamed: dict[str, str] = field(default_factory=dict)
    linked: set[str] = field(default_factory=set)
    current: str = ""
    waiting: list[str] = field(default_factory=list)  # anchors before the next heading
    origins: dict[str, tuple[str, int]] = field(default_factory=dict)  # heading id -> file, line
    chosen: list[str] = field(default_factory=list)  # the chapters' ids, in order

    def assign(self, chapters: list[list[Element]]) -> list[list[Element]]:
        for element in elements(chapters):
            if element["t"] == "Link" and element["c"][2][0].startswith("#"):
                self.linked.add(element["c"][2][0][1:])
        for chapter in chapters:
            self.chosen.append(unique_slug(text(chapter[0]["c"][2]), self.taken))
            self.taken.add(self.chosen[-1])
        done = [
            [self._heading(block, self.chosen[number]) if position == 0 else self._block(block)
             for position, block in enumerate(chapter)]
            for number, chapter in enumerate(chapters)
        ]  # fmt: skip
        return rewrite(done, self._link)  # type: ignore[no-any-return]

    def _block(self, block: Element) -> Element:
        if block["t"] == "Header":
            return self._heading(block, self._new(text(block["c"][2])))
        return rewrite([block], self._anchor)[0] if block["t"] != "Para" else self._para(block)

    def _new(self, title: str) -> str:
        new = unique_slug(title, self.taken)
        self.taken.add(new)
        return new

    def _heading(self, block: Element, new: str) -> Element:
        old = block["c"][1][0]
        for anchor in [old, *self.waiting]:
            if anchor:
                self.renamed.setdefault(anchor, new)
        self.current, self.waiting = new, []
        self._origin(block, new)
        block["c"][1][0] = new
        block["c"][2] = rewrite(block["c"][2], self._anchor)
        return block

    def _origin(self, block: Element, new: str) -> None:
        attributes = block["c"][1][2]
        for key, value in attributes:
            file, _, line = value.rpartition(":")
            if key == FROM and line.isdigit():
                self.origins[new] = (file, int(line))
        block["c"][1][2] = [pair for pair in attributes if pair[0] != FROM]

    def _para(self, block: Element) -> Element:
        found = rewrite([block], self._anchor)
        return found[0] if found else {"t": "Para", "c": []}

    def _anchor(self, element: Element) -> list[Element]:
        if is_empty_anchor(element):
            old = element["c"][0][0]
            if self.current:
                self.renamed.setdefault(old, self.current)
            else:
                self.waiting.append(old)
            return []
        if element["t"] == "Header":  # in a list or a quotation: not a section, an id all the same
            old, new = element["c"][1][0], self._new(text(element["c"][2]))
            if old:
                self.renamed.setdefault(old, new)
            self._origin(element, new)
            element["c"][1][0] = new
            return [element]
        attr = attr_of(element)
        if attr is not None and attr[0]:
            attr[0] = self._other(attr[0])
        return [element]

    def _other(self, old: str) -> str:
        if old not in self.linked and not PLAIN_ID.match(old):
            return ""
        base = re.sub(r"[^a-z0-9-]+", "-", old.lower()).strip("-") or "ref"
        if not base[0].isalpha():
            base = "ref-" + base
        new, number = base, 1
        while new in self.taken:
            new, number = f"{base}-{number}", number + 1
        self.taken.add(new)
        self.renamed.setdefault(old, new)
        return new

    def _link(self, element: Element) -> list[Element]:
        if element["t"] == "Link":
            target = element["c"][2][0]
            if target.startswith("#") and target[1:] in self.renamed:
                element["c"][2][0] = "#" + self.renamed[target[1:]]
        return [element]


def unmarked(markdown: str, ids: set[str]) -> str:
    """`markdown` with each `{... #word ...}` of its text that names none of the book's `ids`
    written with `&#35;` for its `#`: it reads the same, and is not taken for an id."""
    lines = markdown.split("\n")
    for index, _ in outside_code(lines):
        for _ in range(100):  # a second `#` in the same braces is found once the first is gone
            spaced = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), lines[index])
            found = [m for m in ANY_EXPLICIT_ID.finditer(spaced) if m.group(1) not in ids]
            if not found:
                break
            for match in reversed(found):
                at = match.start(1) - 1
                lines[index] = lines[index][:at] + "&#35;" + lines[index][at + 1 :]
    return "\n".join(lines)
