"""A book's outline: its chapters in order, each a file with its sections in order.

The first section of a chapter is its intro, whose id is the chapter's id. Events hold the
outline as JSON, a list of {"id": chapter id, "file": "name.md", "sections": [ids]}; `to_json`
and `from_json` convert at that boundary, so stored events keep their shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

OutlineJson = list[dict[str, Any]]
# The pages every edition has besides its chapters, named as a chapter's file would be: the web
# edition's contents (index.html), search and index pages, the EPUB's title page and navigation.
# A chapter with one of these ids would be written over by that page, or write over it.
PAGE_NAMES = frozenset({"index", "search", "book-index", "title", "nav"})


def page_name_problem(chapter_id: str) -> str | None:
    """Why a chapter cannot have this id (None: it can)."""
    if chapter_id not in PAGE_NAMES:
        return None
    return (
        f"'{chapter_id}' names a page every edition has ({', '.join(sorted(PAGE_NAMES))}): "
        f"give the chapter another id, such as '{chapter_id}-chapter'"
    )


@dataclass(frozen=True)
class ChapterOutline:
    id: str
    file: str
    sections: tuple[str, ...]

    @classmethod
    def new(cls, chapter_id: str) -> ChapterOutline:
        """A new chapter: its file named after it, holding its intro only."""
        return cls(chapter_id, f"{chapter_id}.md", (chapter_id,))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChapterOutline:
        return cls(str(data["id"]), str(data["file"]), tuple(str(s) for s in data["sections"]))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "file": self.file, "sections": list(self.sections)}


@dataclass(frozen=True)
class Outline:
    chapters: tuple[ChapterOutline, ...] = ()

    @classmethod
    def from_json(cls, data: Sequence[Mapping[str, Any]]) -> Outline:
        return cls(tuple(ChapterOutline.from_json(chapter) for chapter in data))

    def to_json(self) -> OutlineJson:
        return [chapter.to_json() for chapter in self.chapters]

    def __iter__(self) -> Iterator[ChapterOutline]:
        return iter(self.chapters)

    def section_ids(self) -> list[str]:
        return [section for chapter in self.chapters for section in chapter.sections]

    def chapter_ids(self) -> list[str]:
        return [chapter.id for chapter in self.chapters]

    def has_section(self, section_id: str) -> bool:
        return any(section_id in chapter.sections for chapter in self.chapters)

    def has_chapter(self, chapter_id: str) -> bool:
        return self.chapter(chapter_id) is not None

    def chapter(self, chapter_id: str) -> ChapterOutline | None:
        return next((c for c in self.chapters if c.id == chapter_id), None)

    def chapter_of(self, section_id: str) -> ChapterOutline | None:
        """The chapter holding the section, or None if no chapter does."""
        return next((c for c in self.chapters if section_id in c.sections), None)

    def is_intro(self, section_id: str) -> bool:
        return self.has_chapter(section_id)

    def with_section(self, chapter_id: str, after: str, section_id: str) -> Outline:
        """The outline with `section_id` placed after `after` in chapter `chapter_id` (right
        after the intro when `after` is not in it). KeyError if there is no such chapter."""
        for number, chapter in enumerate(self.chapters):
            if chapter.id == chapter_id:
                sections = chapter.sections
                position = sections.index(after) + 1 if after in sections else 1
                placed = (*sections[:position], section_id, *sections[position:])
                return self._replaced(number, ChapterOutline(chapter.id, chapter.file, placed))
        raise KeyError(chapter_id)

    def without_section(self, section_id: str) -> Outline:
        """The outline without the section; removing a chapter's intro removes the chapter."""
        return Outline(
            tuple(
                ChapterOutline(c.id, c.file, tuple(s for s in c.sections if s != section_id))
                for c in self.chapters
                if c.id != section_id
            )
        )

    def with_chapter(self, after: str, chapter_id: str) -> Outline:
        """The outline with a new chapter after chapter `after` ('' or unknown: at the start)."""
        ids = self.chapter_ids()
        position = ids.index(after) + 1 if after in ids else 0
        chapters = self.chapters
        new = ChapterOutline.new(chapter_id)
        return Outline((*chapters[:position], new, *chapters[position:]))

    def with_section_moved(self, section_id: str, chapter_id: str, after: str) -> Outline:
        return self.without_section(section_id).with_section(chapter_id, after, section_id)

    def _replaced(self, number: int, chapter: ChapterOutline) -> Outline:
        chapters = self.chapters
        return Outline((*chapters[:number], chapter, *chapters[number + 1 :]))
