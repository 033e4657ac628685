"""Ids for an imported book: every heading gets one from its title (unique in the book, valid,
the same on every import of the same text); other ids are kept where links lead to them, and
links follow the renaming."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textbook.domain.markdown import unique_slug
from textbook.importing.tree import Element, attr_of, elements, is_empty_anchor, rewrite, text

PLAIN_ID = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass
class Ids:
    taken: set[str] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)
    linked: set[str] = field(default_factory=set)
    current: str = ""
    waiting: list[str] = field(default_factory=list)  # anchors before the next heading

    def assign(self, chapters: list[list[Element]]) -> list[list[Element]]:
        for element in elements(chapters):
            if element["t"] == "Link" and element["c"][2][0].startswith("#"):
                self.linked.add(element["c"][2][0][1:])
        done = [[self._block(block) for block in chapter] for chapter in chapters]
        return rewrite(done, self._link)  # type: ignore[no-any-return]

    def _block(self, block: Element) -> Element:
        if block["t"] == "Header":
            old = block["c"][1][0]
            new = unique_slug(text(block["c"][2]), self.taken)
            self.taken.add(new)
            for anchor in [old, *self.waiting]:
                if anchor:
                    self.renamed.setdefault(anchor, new)
            self.current, self.waiting = new, []
            block["c"][1][0] = new
            block["c"][2] = rewrite(block["c"][2], self._anchor)
            return block
        return rewrite([block], self._anchor)[0] if block["t"] != "Para" else self._para(block)

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
        attr = attr_of(element)
        if attr is not None and attr[0] and element["t"] != "Header":
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
