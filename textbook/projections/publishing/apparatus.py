"""The book's index and glossary, from the marks authors put in their text (see the domain's
glossary.py for the syntax), for every format.

In prepare, each index mark gets an id of its own (`idx-1`, `idx-2`, ... in each chapter), so
that every format can link to the place, and each marked term becomes a link to its glossary
entry (`#gls-...`), which the formats resolve as any other link. Then the index is gathered
book-wide (entry -> sub-entries -> places), sorted and grouped by letter, and written by each
format: the web edition and the EPUB link to the places, the PDF prints their page numbers.
"""

from __future__ import annotations

import html as entities
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from textbook.domain.glossary import GLOSSARY, SUBENTRY, term_id
from textbook.projections.publishing.mathtext import math_text
from textbook.projections.publishing.sources import Chapter
from textbook.projections.publishing.tree import defined_ids, nodes

INDEX_ID = "idx-"


def attributes(node: dict[str, Any]) -> dict[str, str]:
    return {key: value for key, value in node["c"][0][2]}


def is_index_mark(node: dict[str, Any]) -> bool:
    if node["t"] != "Span":
        return False
    keys = attributes(node)
    return "index" in node["c"][0][1] or "index" in keys or "see" in keys


def is_term(node: dict[str, Any]) -> bool:
    return node["t"] == "Span" and ("term" in node["c"][0][1] or "term" in attributes(node))


def mark_places(ast: dict[str, Any]) -> None:
    """Give each index mark that marks a place an id (`idx-N`, counted through the chapter),
    and make each marked term a link to its glossary entry; in place."""
    count, taken = 0, set(defined_ids(ast))  # an author's own "idx-2" keeps its id
    for node in nodes(ast["blocks"]):
        if is_index_mark(node) and "see" not in attributes(node) and not node["c"][0][0]:
            count += 1
            while f"{INDEX_ID}{count}" in taken:
                count += 1
            node["c"][0][0] = f"{INDEX_ID}{count}"
        if is_term(node):
            attr, inlines = node["c"]
            target = term_id(attributes(node).get("term") or words(inlines))
            link = {"t": "Link", "c": [["", ["term"], []], inlines, [f"#{target}", ""]]}
            if is_index_mark(node):  # a term indexed too: the span keeps the place
                node["c"] = [attr, [link]]
            else:
                node["t"], node["c"] = link["t"], link["c"]


SPACES = {"Space", "SoftBreak", "LineBreak"}
BEFORE_PUNCTUATION = re.compile(r" ([.,;:!?)\]])")


def words(value: Any) -> str:
    """The words of an AST fragment as a reader sees them (math as text, no notes)."""
    found = []
    for node in nodes(value):
        kind = node["t"]
        if kind == "Str":
            found.append(node["c"])
        elif kind in SPACES or kind in ("Para", "Plain"):
            found.append(" ")
        elif kind == "Math":
            found.append(math_text(node["c"][1]))
        elif kind == "Code":
            found.append(node["c"][1])
    text = " ".join("".join(found).split())
    return BEFORE_PUNCTUATION.sub(r"\1", text)


def typographic(text: str) -> str:
    """Straight apostrophes as the text prints them (pandoc's smart quotes)."""
    return " ".join(text.replace("'", "\u2019").split())


@dataclass(frozen=True)
class Place:
    """A place an entry is marked: its chapter, its anchor there, and where that is ("2.3")."""

    chapter: str
    anchor: str
    label: str
    title: str


@dataclass
class Entry:
    term: str
    places: list[Place] = field(default_factory=list)
    see: list[str] = field(default_factory=list)
    subentries: dict[str, Entry] = field(default_factory=dict)

    def sub(self) -> list[Entry]:
        return sorted(self.subentries.values(), key=lambda e: sort_key(e.term))


@dataclass(frozen=True)
class Group:
    letter: str
    entries: list[Entry]


def sort_key(term: str) -> tuple[str, str]:
    """Case-insensitive, accents and leading punctuation or symbols ignored."""
    plain = unicodedata.normalize("NFKD", term).encode("ascii", "ignore").decode()
    stripped = re.sub(r"^[^A-Za-z0-9]+", "", plain).casefold()
    return (stripped, term)


def letter_of(term: str) -> str:
    first = sort_key(term)[0][:1]
    return first.upper() if first.isalpha() else "Symbols and numbers"


def places_in(chapter: Chapter) -> Iterable[tuple[dict[str, Any], Place | None]]:
    """Each index mark of the chapter, with its place (None for a "see" reference)."""
    label, title, section = (str(chapter.number) if chapter.number else chapter.title), "", 0
    title = chapter.title
    for block in chapter.ast["blocks"]:
        if block["t"] == "Header" and block["c"][0] == 2:
            section += 1
            title = words(block["c"][2])
            label = f"{chapter.number}.{section}" if chapter.number else title
        for node in nodes(block):
            if is_index_mark(node):
                anchor = node["c"][0][0]
                place = Place(chapter.id, anchor, label, title) if anchor else None
                yield node, place


def book_index(chapters: Sequence[Chapter]) -> list[Group]:
    """Every entry of the book's index, with its sub-entries and places, grouped by letter."""
    entries: dict[str, Entry] = {}

    def entry_for(term: str, into: dict[str, Entry]) -> Entry:
        key = sort_key(term)[0] or term
        if key not in into:
            into[key] = Entry(term)
        return into[key]

    for chapter in chapters:
        for node, place in places_in(chapter):
            keys = attributes(node)
            named = typographic(keys.get("index") or words(node["c"][1]))
            main, _, sub = named.partition(SUBENTRY)
            entry = entry_for(main.strip(), entries)
            if sub.strip():
                entry = entry_for(sub.strip(), entry.subentries)
            if "see" in keys and keys["see"].strip():
                see = typographic(keys["see"])
                if see not in entry.see:
                    entry.see.append(see)
            elif place is not None:
                entry.places.append(place)
    groups: dict[str, list[Entry]] = {}
    for entry in sorted(entries.values(), key=lambda e: sort_key(e.term)):
        groups.setdefault(letter_of(entry.term), []).append(entry)
    ordered = sorted(groups, key=lambda letter: (len(letter) == 1, letter))
    return [Group(letter, groups[letter]) for letter in ordered]


# Writing the index: each format says how a place is shown (a link to it, or its page).
Locators = Callable[[list[Place]], list[tuple[str, str, str]]]  # (href, text, title)


def index_html(groups: Sequence[Group], locate: Locators, level: int = 2) -> str:
    """The index as HTML: a heading per letter, each entry with its places, sub-entries
    indented, "see" references in italics."""
    out = []
    for group in groups:
        slug = re.sub(r"[^a-z]+", "-", group.letter.lower()).strip("-")
        out.append(f'<section class="index-group" aria-labelledby="index-{slug}">')
        out.append(f'<h{level} id="index-{slug}">{entities.escape(group.letter)}</h{level}>')
        out.append('<ul class="index-entries">')
        for entry in group.entries:
            out.append(f"<li>{entry_html(entry, locate)}")
            if entry.subentries:
                out.append('<ul class="index-subentries">')
                out.extend(f"<li>{entry_html(sub, locate)}</li>" for sub in entry.sub())
                out.append("</ul>")
            out.append("</li>")
        out.append("</ul></section>")
    return "\n".join(out)


def entry_html(entry: Entry, locate: Locators) -> str:
    """ "bisection, 2.1, 2.3" or "LU decomposition, *see* LU factorization"."""
    shown = f'<span class="index-term">{entities.escape(entry.term)}</span>'
    located = locate(entry.places)
    if located:
        links = ", ".join(
            f'<a href="{entities.escape(href)}"'
            + (f' title="{entities.escape(title)}"' if title else "")
            + f">{entities.escape(text)}</a>"
            for href, text, title in located
        )
        shown += f', <span class="index-locators">{links}</span>'
    for see in entry.see:
        also = "see also" if located else "see"
        shown += (
            f'{"; " if located else ", "}<em class="index-see">{also}</em> {entities.escape(see)}'
        )
    return shown


def linked_places(href: Callable[[Place], str]) -> Locators:
    """Places as links, one for each section an entry is marked in ("2.3")."""

    def locate(places: list[Place]) -> list[tuple[str, str, str]]:
        seen: dict[tuple[str, str], Place] = {}
        for place in places:
            seen.setdefault((place.chapter, place.label), place)
        return [(href(p), p.label, p.title) for p in seen.values()]

    return locate


def paged_places(pages: Mapping[str, int]) -> Locators:
    """Places as page numbers, each page once, in order, each a link to its first place there."""

    def locate(places: list[Place]) -> list[tuple[str, str, str]]:
        first: dict[int, str] = {}
        for place in places:
            anchor = f"{place.chapter}--{place.anchor}"
            page = pages.get(anchor)
            if page is not None:
                first.setdefault(page, anchor)
        return [(f"#{first[page]}", str(page), "") for page in sorted(first)]

    return locate


# The glossary.


@dataclass(frozen=True)
class Definition:
    id: str
    term: str
    text: str  # its words, as a tooltip shows them


def glossary_of(chapters: Sequence[Chapter]) -> dict[str, Definition]:
    """Each entry of the glossary chapter: its id, its term, the words of its definition."""
    chapter = next((c for c in chapters if c.id == GLOSSARY), None)
    if chapter is None:
        return {}
    found: dict[str, Definition] = {}
    current: tuple[str, str] | None = None
    text: list[str] = []

    def close() -> None:
        if current is not None:
            found[current[0]] = Definition(current[0], current[1], " ".join(text).strip())

    for block in chapter.ast["blocks"]:
        if block["t"] == "Header" and block["c"][0] <= 2:
            close()
            identifier = block["c"][1][0]
            current = (identifier, words(block["c"][2])) if block["c"][0] == 2 else None
            text = []
        elif current is not None and block["t"] in ("Para", "Plain"):
            text.append(words(block["c"]))
    close()
    return found


TERM_LINK = re.compile(r'<a href="([^"]*#(gls-[\w:.-]+))" class="term">(.*?)</a>', re.S)
MAX_TIP = 320  # characters of a definition in a tooltip; the glossary has the rest


def with_definitions(
    html: str, glossary: Mapping[str, Definition], taken: Collection[str] = ()
) -> str:
    """Each link to a glossary entry described by its definition, in a tooltip that shows on
    hover, focus and tap (book.css, terms.js); the link still leads to the entry. The tooltips'
    ids (`tip-N`) pass over those the chapter's authors have `taken`."""
    count = 0

    def tip(match: re.Match[str]) -> str:
        nonlocal count
        definition = glossary.get(match.group(2))
        if definition is None:
            return match.group(0)
        count += 1
        while f"tip-{count}" in taken:
            count += 1
        text = definition.text
        if len(text) > MAX_TIP:
            text = text[: MAX_TIP - 1].rsplit(" ", 1)[0] + "…"
        tip_id = f"tip-{count}"
        return (
            f'<a href="{match.group(1)}" class="term" aria-describedby="{tip_id}">'
            f"{match.group(3)}</a>"
            f'<span class="term-tip" role="tooltip" id="{tip_id}">'
            f"<strong>{entities.escape(definition.term)}:</strong> {entities.escape(text)}</span>"
        )

    return TERM_LINK.sub(tip, html)


def print_index(groups: Sequence[Group]) -> Callable[[Mapping[str, int]], str]:
    """The index for print, once the page of every anchor is known: a heading per letter, in
    two columns, each entry's pages in order, each page once (pdf.BackMatter's `render`)."""

    def render(pages: Mapping[str, int]) -> str:
        body = index_html(groups, paged_places(pages), level=2)
        return f'<h1 id="book-index">Index</h1>\n<div class="book-index">\n{body}\n</div>'

    return render
