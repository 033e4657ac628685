"""What changed between two moments of a book, chapter by chapter: the sections changed, added,
removed or moved, the words written and taken out, and the approved changes that made them."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from textbook.domain.state import BookState, ChapterState
from textbook.projections.queries.editions import ApprovedChange

HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*(\{[^}]*\})?\s*$")


@dataclass(frozen=True)
class SectionChange:
    id: str
    title: str
    kind: str  # "changed", "added", "removed" or "moved" (from another chapter, text the same)
    before: str
    after: str
    words_added: int
    words_removed: int


@dataclass(frozen=True)
class ChapterChanges:
    id: str
    title: str
    sections: list[SectionChange]
    changes: list[ApprovedChange]  # the approved changes that touched its sections
    status: str = "kept"  # or "added", "removed"

    def count(self, kind: str) -> int:
        return sum(1 for s in self.sections if s.kind == kind)

    @property
    def words_added(self) -> int:
        return sum(s.words_added for s in self.sections)

    @property
    def words_removed(self) -> int:
        return sum(s.words_removed for s in self.sections)


@dataclass(frozen=True)
class Comparison:
    chapters: list[ChapterChanges]  # only those that changed, in the order of the later book
    changes: list[ApprovedChange]  # every approved change between the two moments
    details: list[ApprovedChange] = field(default_factory=list)  # the book's details changed
    # Changes to sections in neither book (one added, then removed again, between the two).
    elsewhere: list[ApprovedChange] = field(default_factory=list)

    @property
    def words_added(self) -> int:
        return sum(c.words_added for c in self.chapters)

    @property
    def words_removed(self) -> int:
        return sum(c.words_removed for c in self.chapters)


def title_of(text: str, fallback: str) -> str:
    first = text.lstrip("\n").split("\n", 1)[0]
    found = HEADING.match(first)
    return found.group(1) if found and found.group(1) else fallback


def words_changed(before: str, after: str) -> tuple[int, int]:
    """(words added, words removed) from `before` to `after`, word by word."""
    old, new = before.split(), after.split()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            added, removed = added + j2 - j1, removed + i2 - i1
    return added, removed


def compare(before: BookState, after: BookState, changes: list[ApprovedChange]) -> Comparison:
    """What changed from `before` to `after`; `changes` are the approved changes between them."""
    old_text = {s.id: s.text for c in before.chapters for s in c.sections}
    old_chapter = {s.id: c.id for c in before.chapters for s in c.sections}
    new_ids = {s.id for c in after.chapters for s in c.sections}
    old_chapters = {c.id: c for c in before.chapters}
    new_chapters = {c.id for c in after.chapters}
    found: list[ChapterChanges] = []
    ordered: list[tuple[ChapterState, str]] = [(c, "kept") for c in after.chapters]
    ordered += [(c, "removed") for c in before.chapters if c.id not in new_chapters]
    for chapter, status in ordered:
        if status == "kept" and chapter.id not in old_chapters:
            status = "added"
        sections: list[SectionChange] = []
        if status != "removed":
            for s in chapter.sections:
                old = old_text.get(s.id)
                if old is None:
                    sections.append(section_change(s.id, "added", "", s.text))
                elif old != s.text:
                    sections.append(section_change(s.id, "changed", old, s.text))
                elif old_chapter[s.id] != chapter.id:
                    sections.append(section_change(s.id, "moved", old, s.text))
        gone = old_chapters.get(chapter.id)
        for s in gone.sections if gone is not None else ():
            if s.id not in new_ids:
                sections.append(section_change(s.id, "removed", s.text, ""))
        ids = {s.id for s in chapter.sections} | {s.id for s in sections}
        touched = [c for c in changes if ids & set(c.sections)]
        if sections or touched:
            text = chapter.sections[0].text if chapter.sections else ""
            found.append(
                ChapterChanges(chapter.id, title_of(text, chapter.id), sections, touched, status)
            )
    details = [c for c in changes if c.kind == "details"]
    placed = {id(c) for chapter in found for c in chapter.changes} | {id(c) for c in details}
    elsewhere = [c for c in changes if id(c) not in placed]
    return Comparison(found, changes, details, elsewhere)


def section_change(section_id: str, kind: str, before: str, after: str) -> SectionChange:
    added, removed = words_changed(before, after)
    title = title_of(after or before, section_id)
    return SectionChange(section_id, title, kind, before, after, added, removed)
