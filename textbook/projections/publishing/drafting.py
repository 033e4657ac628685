"""What the editor needs from a book: where a draft stands in it, what it may cite and link to.

A draft previews as the book will print it: its sections numbered as they will be, its figures
and tables numbered after those before it in the chapter, its links to other chapters resolved.
The pickers offer the book's works (as pandoc's citeproc reads references.bib), its images and
the ids its chapters define (headings, figures, tables, equations).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from textbook.domain.state import BookState, ChapterState
from textbook.projections.publishing import pandoc
from textbook.projections.publishing.cache import Cache, digest
from textbook.projections.publishing.prepare import chapters
from textbook.projections.publishing.sources import BuildError, Chapter
from textbook.projections.publishing.tree import nodes, plain_text

# Bounds on what a page of the editor carries, whatever the book: a work's label, how many works,
# ids and images are offered (a book past them is still edited; the picker says some are left).
MAX_LABEL = 120
MAX_WORKS = 2000
MAX_TARGETS = 3000
MAX_IMAGES = 1000
BIBLIOGRAPHY = pandoc.Limits(seconds=10, heap_mb=256, what="reading the bibliography")


@dataclass(frozen=True)
class Placement:
    """Where a draft stands: its chapter's number, and the numbered things before it there."""

    chapter_id: str  # "" for a new chapter
    chapter: int
    sections: int  # level-2 headings before the draft in its chapter
    figures: int
    tables: int
    equations: int = 0  # labelled ones
    listings: int = 0

    def counts(self) -> dict[str, int]:
        """The numbered things before the draft in its chapter: its numbers count on."""
        return {
            "Figure": self.figures,
            "Table": self.tables,
            "Equation": self.equations,
            "Listing": self.listings,
            "Section": self.sections,
        }

    def offset(self, first_level: int) -> str:
        """pandoc's --number-offset: a draft starting with its chapter's heading numbers it as
        the chapter; a section continues after the sections before it."""
        if first_level <= 1:
            return str(self.chapter - 1)
        return f"{self.chapter},{self.sections}"

    def numbering(self, first_level: int) -> list[str]:
        """The writer's arguments that number the draft's headings as the book will (back
        matter, the glossary, is not numbered)."""
        if not self.chapter and self.chapter_id:
            return ["--section-divs"]
        return [
            "--number-sections",
            f"--number-offset={self.offset(first_level)}",
            "--section-divs",
        ]


def placement(
    state: BookState, cache: Cache, kind: str, section: str, chapter: str, after: str
) -> Placement | None:
    """Where an edit of `section`, a new section in `chapter` after `after`, or a new chapter
    after chapter `after` stands; None if the book's own text cannot be read right now."""
    try:
        found = chapters(state, cache)
    except (BuildError, pandoc.PandocFailed):
        return None
    if kind == "add_chapter":
        index = next((i + 1 for i, c in enumerate(found) if c.id == after), 0)
        return Placement("", sum(1 for c in found[:index] if c.number) + 1, 0, 0, 0)
    for source, parsed in zip(state.chapters, found, strict=True):
        if kind == "add_section" and source.id == chapter:
            cut = start_of(parsed, following(source, after))
        elif kind == "edit" and any(s.id == section for s in source.sections):
            cut = start_of(parsed, section) if source.sections[0].id != section else 0
        else:
            continue
        before = parsed.ast["blocks"][:cut]
        counted = [node["t"] for node in nodes(before)]
        level2 = sum(1 for b in before if b["t"] == "Header" and b["c"][0] == 2)
        figures, tables = counted.count("Figure"), counted.count("Table")
        classes = [node["c"][0][1] for node in nodes(before) if node["t"] in ("Span", "Div")]
        equations = sum("equation-numbered" in c for c in classes)
        listings = sum("listing" in c for c in classes)
        return Placement(source.id, parsed.number, level2, figures, tables, equations, listings)
    return None


def following(chapter: ChapterState, after: str) -> str | None:
    """The section that comes after `after` ("" is the chapter's introduction), if any."""
    ids = [s.id for s in chapter.sections]
    index = ids.index(after) if after in ids else 0
    return ids[index + 1] if index + 1 < len(ids) else None


def start_of(chapter: Chapter, section: str | None) -> int:
    blocks = chapter.ast["blocks"]
    return next(
        (i for i, b in enumerate(blocks) if b["t"] == "Header" and b["c"][1][0] == section),
        len(blocks),
    )


def works(state: BookState, cache: Cache) -> list[dict[str, str]]:
    """The book's works as citeproc reads them: key, and a short label (authors, year, title)."""
    if not state.bibliography.strip():
        return []
    key = digest("works", state.bibliography)
    cached = cache.get("works", key)
    if cached is None:
        try:
            read = pandoc.run(
                ["-f", "bibtex", "-t", "csljson"], state.bibliography, limits=BIBLIOGRAPHY
            )
        except pandoc.PandocFailed:
            return []
        cached = json.dumps([label(item) for item in json.loads(read)][:MAX_WORKS]).encode()
        cache.put("works", key, cached)
    found: list[dict[str, str]] = json.loads(cached)
    return found


def label(item: dict[str, Any]) -> dict[str, str]:
    names = [
        person.get("family") or person.get("literal") or ""
        for person in item.get("author", item.get("editor", []))
    ]
    who = names[0] + (
        " et al." if len(names) > 2 else f" and {names[1]}" if len(names) == 2 else ""
    )
    year = str((item.get("issued", {}).get("date-parts") or [[""]])[0][0])
    title = str(item.get("title", ""))
    text = ", ".join(part for part in (who, year, title) if part)
    return {"key": str(item["id"]), "label": text[:MAX_LABEL]}


def targets(state: BookState, cache: Cache) -> list[dict[str, str]]:
    """Every id a link may point to, in book order, with what it is as a person reads it."""
    try:
        found = chapters(state, cache)
    except (BuildError, pandoc.PandocFailed):
        return []
    result: list[dict[str, str]] = []
    for chapter in found:
        result += targets_in(chapter)
    return result[:MAX_TARGETS]


def targets_in(chapter: Chapter) -> list[dict[str, str]]:
    result, sections, counts = [], 0, {"Figure": 0, "Table": 0}
    numbered = {thing.id: thing for thing in chapter.numbered if thing.id}
    for node in nodes(chapter.ast["blocks"]):
        kind, attr = node["t"], node.get("c") or []
        if kind == "Header" and attr[1][0]:
            level, title = attr[0], plain_text(attr[2])
            sections += level == 2
            where = f"{chapter.number}" if level == 1 else f"{chapter.number}.{sections}"
            named = "Chapter" if level == 1 else "Section" if level == 2 else "Subsection"
            text = f"{named} {where}: {title}" if level <= 2 else f"{named}: {title}"
            if not chapter.number:  # back matter (the glossary) has no number
                text = title if level == 1 else f"{chapter.title}: {title}"
            result.append({"id": attr[1][0], "label": text[:MAX_LABEL]})
        elif kind in counts:
            counts[kind] += 1
            if node["c"][0][0]:
                # The chapter's captions are numbered already ("Figure 3.2: ...").
                caption = plain_text(node["c"][1][1]) or f"{kind} {chapter.number}.{counts[kind]}"
                result.append({"id": node["c"][0][0], "label": caption[:MAX_LABEL]})
        elif kind in ("Div", "Span") and numbered.get(attr[0][0]):
            thing = numbered[attr[0][0]]  # a labelled equation or a listing: "Listing 2.1: ..."
            text = f"{thing.name}: {thing.caption}" if thing.kind == "Listing" else thing.name
            result.append({"id": thing.id, "label": text[:MAX_LABEL]})
        elif kind in ("Div", "Span") and attr[0][0] and is_equation(node):
            result.append({"id": attr[0][0], "label": f"Equation in chapter {chapter.number}"})
    return result


def is_equation(node: dict[str, Any]) -> bool:
    return any(n["t"] == "Math" and n["c"][0]["t"] == "DisplayMath" for n in nodes(node["c"][1]))


def images(state: BookState) -> list[str]:
    return sorted(image.name for image in state.images)[:MAX_IMAGES]
