"""A prepared chapter to HTML, as every format and the preview write it: links resolved into the
chapters that define their targets, sections numbered, references listed; cached by inputs."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textbook.projections.publishing import pandoc
from textbook.projections.publishing.cache import Cache, digest
from textbook.projections.publishing.sources import Chapter
from textbook.projections.publishing.tree import nodes


def resolve_links(
    chapter: Chapter, owner_of: dict[str, str], href: Callable[[str, str], str]
) -> dict[str, Any]:
    """A copy of the chapter's AST whose `#id` links point into the chapter that defines `id`.

    `href(chapter_id, id)` gives the link for an id in another chapter.
    """
    ast = copy.deepcopy(chapter.ast)
    for node in nodes(ast["blocks"]):
        if node["t"] == "Link":
            url = node["c"][2][0]
            if url.startswith("#"):
                target = url[1:]
                owner = owner_of.get(target)
                if owner is None:
                    # A link to nothing in the book: keep the words, mark them for the reader.
                    node["t"], node["c"] = "Span", [["", ["unresolved"], []], node["c"][1]]
                elif owner != chapter.id:
                    node["c"][2][0] = href(owner, target)
    return ast


def resolve_images(ast: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A copy of the AST whose `images/NAME` sources start with `prefix` instead."""
    ast = copy.deepcopy(ast)
    for node in nodes(ast["blocks"]):
        if node["t"] == "Image" and node["c"][2][0].startswith("images/"):
            node["c"][2][0] = prefix + node["c"][2][0].removeprefix("images/")
    return ast


# citeproc's reference-section-title is a level-1 heading: in a chapter it belongs at level 2.
REFERENCES_H1 = re.compile(r"<h1( class=\"unnumbered\"[^>]*)>References</h1>")


def numbered(chapter: Chapter) -> list[str]:
    """The writer's arguments that number a whole chapter's headings as the book does (back
    matter, number 0, is not numbered)."""
    if not chapter.number:
        return ["--section-divs"]
    return ["--number-sections", f"--number-offset={chapter.number - 1}", "--section-divs"]


def render_chapter(
    kind: str,
    chapter: Chapter,
    ast: dict[str, Any],
    bibliography: Path | None,
    cache: Cache,
    finish: Callable[[str], str] = lambda html: html,
    extra: Sequence[str] = (),
    numbering: Sequence[str] | None = None,
    limits: pandoc.Limits = pandoc.BUILD,
    references: str | None = None,
) -> str:
    """The chapter's AST as numbered HTML with its references, finished and cached by inputs.

    `numbering` is the writer's arguments that number the headings: by default the whole
    chapter's, as the book numbers it (a draft of a section numbers on from where it stands).
    With `references` (the address of the book's list of works cited: a page, or "" for the
    same document), the chapter lists none: each of its citations links to its work there.
    """
    numbering = numbered(chapter) if numbering is None else numbering
    bib = bibliography.read_bytes() if bibliography else b""
    linked = () if references is None else ("--references", references)
    key = digest(kind, json.dumps(ast, sort_keys=True), bib, *numbering, "--", *extra, *linked)
    cached = cache.get(kind, key)
    if cached is not None:
        return cached.decode()
    args = ["--mathml", *numbering, *extra, "--wrap=none"]
    args += ["-M", "reference-section-title=References"]
    if bibliography is not None:
        args += ["--citeproc", f"--bibliography={bibliography}"]
        if references is not None:
            args += ["-M", "link-citations=true"]
    html = pandoc.write(ast, "html5", args, limits=limits)
    if references is not None:
        html = cited_in(without_references(html), references)
    html = REFERENCES_H1.sub(r"<h2\1>References</h2>", html)
    html = finish(described_images(own_generated_ids(html, chapter.ids)))
    cache.put(kind, key, html.encode())
    return html


# The list citeproc writes at a chapter's end (its id prefixed in print), its heading and entries.
REFERENCES_SECTION = re.compile(
    r'<section id="(?:[^"]*--)?bibliography" class="level1 unnumbered">\s*'
    r'<h1 class="unnumbered">References</h1>\s*'
    r'<div id="(?:[^"]*--)?refs" .*?</div>\s*</section>\n?',
    re.S,
)
# A citation's link to its work, as citeproc writes it with link-citations.
CITATION_LINK = re.compile(r'<a href="#([^"]*)" role="doc-biblioref">')


def without_references(html: str) -> str:
    """The chapter without the list of works it cites (the book lists them once). The list is
    pandoc's, after the chapter's own text: its last match, whose entries hold no section."""
    found = list(REFERENCES_SECTION.finditer(html))
    if not found:
        return html
    last = found[-1]
    return html[: last.start()] + html[last.end() :]


def cited_in(html: str, references: str) -> str:
    """Each citation linked to its work in the book's list at `references` ("page.html", or ""
    for the same document), whose entries have the ids citeproc gives them: `ref-KEY`."""

    def link(m: re.Match[str]) -> str:
        target = m.group(1)
        at = target.find("ref-")
        return f'<a href="{references}#{target[at:]}" role="doc-biblioref">'

    return CITATION_LINK.sub(link, html)


def cited_keys(chapters: Sequence[Chapter]) -> list[str]:
    """The key of every work the chapters cite, each once, in the order first cited."""
    keys: dict[str, None] = {}
    for chapter in chapters:
        for node in nodes(chapter.ast["blocks"]):
            if node["t"] == "Cite":
                for citation in node["c"][0]:
                    keys.setdefault(str(citation["citationId"]), None)
    return list(keys)


# The list citeproc writes of the works cited: the div of its entries.
REFS_DIV = re.compile(r'<div id="refs" .*</div>', re.S)


def book_references(
    chapters: Sequence[Chapter],
    bibliography: Path | None,
    cache: Cache,
    finish: Callable[[str], str] = lambda html: html,
    limits: pandoc.Limits = pandoc.BUILD,
) -> str:
    """Every work the book cites, once, as citeproc lists and sorts them: the div of entries
    (`<div id="refs" ...>`, each entry `ref-KEY`), finished and cached; "" if none is cited."""
    keys = cited_keys(chapters)
    if bibliography is None or not keys:
        return ""
    key = digest("book-references", bibliography.read_bytes(), *keys)
    cached = cache.get("html", key)
    if cached is not None:
        return cached.decode()
    citations = [
        {
            "citationId": k,
            "citationPrefix": [],
            "citationSuffix": [],
            "citationMode": {"t": "NormalCitation"},
            "citationNoteNum": 0,
            "citationHash": 0,
        }
        for k in keys
    ]
    cite = {"t": "Cite", "c": [citations, [{"t": "Str", "c": "[@]"}]]}
    ast = {
        "pandoc-api-version": chapters[0].ast["pandoc-api-version"],
        "meta": {"nocite": {"t": "MetaInlines", "c": [cite]}},
        "blocks": [],
    }
    args = ["--citeproc", f"--bibliography={bibliography}", "--wrap=none"]
    found = REFS_DIV.search(pandoc.write(ast, "html5", args, limits=limits))
    html = finish(found.group(0)) if found else ""
    cache.put("html", key, html.encode())
    return html


# Ids pandoc gives what it generates at a chapter's end: the notes, the reference list and its div.
GENERATED_IDS = (
    ('<section id="footnotes" class="footnotes', "footnotes"),
    ('<section id="bibliography" class="', "bibliography"),
    ('<div id="refs" class="references', "refs"),
)


def own_generated_ids(html: str, taken: frozenset[str]) -> str:
    """Rename pandoc's generated sections whose id an author's heading already holds.

    A book with a section titled "Footnotes {#footnotes}" otherwise has that id twice in a page,
    which EPUBCheck refuses (RSC-005). Pandoc's part comes last, so its last occurrence is renamed;
    nothing links to these ids, so no link changes.
    """
    for opening, identifier in GENERATED_IDS:
        if identifier not in taken:
            continue
        at = html.rfind(opening)
        if at < 0:
            continue
        free, number = f"{identifier}-2", 2
        while free in taken:
            number += 1
            free = f"{identifier}-{number}"
        renamed = opening.replace(f'id="{identifier}"', f'id="{free}"')
        html = html[:at] + renamed + html[at + len(opening) :]
    return html


IMAGE_TAG = re.compile(r"<img\s[^>]*>")
DESCRIPTION = re.compile(r'\s+data-desc="([^"]*)"')
ALT = re.compile(r'\balt="[^"]*"')


def described_images(html: str) -> str:
    """An image's text alternative is its author's description (`{desc="..."}`) where it has
    one, rather than its caption, which readers hear anyway."""

    def describe(m: re.Match[str]) -> str:
        tag = m.group(0)
        found = DESCRIPTION.search(tag)
        if found is None:
            return tag
        tag = DESCRIPTION.sub("", tag)
        alt = f'alt="{found.group(1)}"'
        if ALT.search(tag):
            return ALT.sub(lambda _: alt, tag)
        return tag.replace("<img", f"<img {alt}", 1)

    return IMAGE_TAG.sub(describe, html)
