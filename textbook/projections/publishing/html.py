"""The web edition: one page per chapter, a contents page, a search page and its index; and the
chapter's HTML as the reader's pages and the preview show it."""

from __future__ import annotations

import html as entities
import json
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import nh3
from markupsafe import Markup

from textbook.projections.publishing.apparatus import (
    Definition,
    Place,
    index_html,
    linked_places,
    with_definitions,
)
from textbook.projections.publishing.cache import Cache
from textbook.projections.publishing.edition import STATIC as STATIC
from textbook.projections.publishing.edition import (
    TEMPLATES,
    Edition,
    sections_of,
    vars_of,
)
from textbook.projections.publishing.mathtext import math_text
from textbook.projections.publishing.prepare import PreparedBook
from textbook.projections.publishing.render import render_chapter, resolve_links
from textbook.projections.publishing.sources import Chapter

MATHML = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover",
    "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror",
}  # fmt: skip
TAGS = set(nh3.ALLOWED_TAGS) | MATHML | {"section"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "role", "lang", "title", "aria-hidden", "aria-label", "dir"},
    "a": {"href", "tabindex"},  # only "-1", see keep_attribute
    "img": {"src", "alt", "width", "height", "style"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style"},
    "col": {"style", "span"},
    "ol": {"start", "type"},
    "math": {"display", "xmlns"},
    "annotation": {"encoding"},
    "mo": {"stretchy", "fence", "form", "accent", "largeop", "movablelimits", "separator"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mtd": {"columnalign"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "mspace": {"width"},
    "mpadded": {"width", "lspace"},
    "span": {"data-cites"},
}
INDEX_PAGE = "book-index.html"  # index.html is the contents
# The book's list of the works it cites, when it has one (never a chapter's id: those are
# chapter-ids, and a book may well have a chapter "references").
REFERENCES_PAGE = "book-references.html"


def keep_attribute(element: str, attribute: str, value: str) -> str | None:
    """tabindex="-1" keeps pandoc's aria-hidden line anchors in code out of the tab order."""
    if attribute == "tabindex":
        return value if value == "-1" else None
    return value


def clean_html(html: str) -> str:
    """Defence in depth: pandoc's output of a sanitised AST, through an allowlist again."""
    return scrollable(
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            attribute_filter=keep_attribute,
            url_schemes={"http", "https", "mailto"},
            link_rel=None,
            filter_style_properties={"text-align", "width", "height"},
        )
    )


MATH = re.compile(r'<math display="(block|inline)"[^>]*>.*?</math>', re.S)
LONG_INLINE_MATH = 28  # characters of formula: wider than a phone's line in the book's type
TABLE = re.compile(r"<table\b([^>]*)>(\s*<caption>(.*?)</caption>)?", re.S)
SCROLL_BOX = 'role="region" tabindex="0"'  # a box that scrolls is reached and named
TAGS_IN = re.compile(r"<annotation\b.*?</annotation>|<[^>]+>", re.S)


def scrollable(html: str) -> str:
    """Display math, tables and code wider than a phone scroll sideways in a box of their own.

    A box that scrolls takes keyboard focus, so that it can be scrolled without a pointer, and
    says what it holds (WCAG 2.1.1; axe's scrollable-region-focusable). Runs on the allowlisted
    output, so these attributes are ours, never an author's.
    """
    html = MATH.sub(equation_box, html)
    html = TABLE.sub(table_box, html).replace("</table>", "</table></div>")
    return html.replace("<pre ", '<pre tabindex="0" ').replace("<pre>", '<pre tabindex="0">')


def equation_box(match: re.Match[str]) -> str:
    """Display math, and inline math too long for a phone's line, in a box that scrolls."""
    formula = "".join(text_in(match.group(0)).split())
    if match.group(1) == "inline" and len(formula) < LONG_INLINE_MATH:
        return match.group(0)
    kind = "equation" if match.group(1) == "block" else "equation inline"
    return f'<span class="{kind}" {SCROLL_BOX} aria-label="Equation">{match.group(0)}</span>'


def text_in(html: str) -> str:
    return " ".join(entities.unescape(TAGS_IN.sub(" ", html)).split())


def table_box(match: re.Match[str]) -> str:
    caption = text_in(match.group(3) or "")
    name = entities.escape(caption or "Table")  # pandoc numbers captions: "Table 8.1: ..."
    return (
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{name}">{match.group(0)}'
    )


def chapter_fragment(
    chapter: Chapter,
    owners: dict[str, str],
    bibliography: Path | None,
    cache: Cache,
    page: str = "{chapter}.html",
    glossary: Mapping[str, Definition] | None = None,
    references: str | None = None,
) -> str:
    """The chapter as an HTML fragment for the web edition, each marked term described by its
    definition in the `glossary`.

    `page` is the address of another chapter's page relative to this one's: `{chapter}.html` in
    the downloadable edition, `{chapter}` where the site serves chapters without a suffix.
    `references` is the address of the book's list of works cited, where the book has one:
    the chapter then lists none, and its citations link there.
    """
    ast = resolve_links(
        chapter, owners, lambda owner, target: page.format(chapter=owner) + f"#{target}"
    )
    written = render_chapter(
        "html", chapter, ast, bibliography, cache, clean_html, references=references
    )
    # After the allowlist: the tooltips and their aria-describedby are ours, never an author's.
    return with_definitions(written, glossary or {}, chapter.ids)


def index_page(edition: Edition, page: str = "{chapter}.html") -> str:
    """The book's index as the web edition shows it: each entry linked to where it is marked."""

    def href(place: Place) -> str:
        return page.format(chapter=place.chapter) + f"#{place.anchor}"

    return TEMPLATES.get_template("book-index.html").render(
        book=edition.book, body=Markup(index_html(edition.index, linked_places(href)))
    )


def references_page(references: str) -> str:
    """The book's list of the works it cites, as a page of the web edition."""
    return f'<h1 id="book-references">References</h1>\n{clean_html(references)}'


def render_page(edition: Edition, content: str, chapter: Chapter | None = None) -> str:
    index = edition.chapters.index(chapter) if chapter else -1
    # A chapter's own contents go between its title and its text.
    heading, end, text = content.partition("</h1>") if chapter else ("", "", content)
    return TEMPLATES.get_template("page.html").render(
        book=edition.book,
        chapter=chapter,
        heading=Markup(heading + end),
        sections=sections_of(chapter) if chapter else [],
        has_index=bool(edition.index),
        has_references=bool(edition.references),
        previous=edition.chapters[index - 1] if chapter and index > 0 else None,
        next=edition.chapters[index + 1] if chapter and index + 1 < len(edition.chapters) else None,
        content=Markup(text),  # our own pipeline's sanitised output
        licence=edition.licence,
        authors=edition.names("author"),
        editors=edition.names("editor"),
        edition=edition.edition,
    )


def search_entries(chapter: Chapter) -> list[dict[str, str]]:
    """One entry per section: its title and words, footnotes and captions included."""
    groups: list[tuple[str, str, list[str]]] = [(chapter.id, chapter.title, [])]
    for block in chapter.ast["blocks"]:
        if block["t"] == "Header" and block["c"][0] == 2:
            groups.append((block["c"][1][0], text_of(block["c"][2]), []))
        else:
            groups[-1][2].append(text_of(block))
    return [
        {
            "chapter": f"{chapter.number}. {chapter.title}" if chapter.number else chapter.title,
            "title": title,
            "href": f"{chapter.id}.html#{identifier}",
            "text": " ".join(word for word in words if word),
        }
        for identifier, title, words in groups
    ]


SPACES = {"Space", "SoftBreak", "LineBreak", "Para", "Plain", "Header", "LineBlock"}
BEFORE_PUNCTUATION = re.compile(r" ([.,;:!?)\]])")


def text_of(value: Any) -> str:
    """The words as a reader sees them: math as plain text (a/b, √x, α), never its TeX;
    citations left out (their keys are not words of the book)."""
    words = []
    for node in without_citations(value):
        kind = node["t"]
        if kind == "Str":
            words.append(node["c"])
        elif kind in SPACES:
            words.append(" ")
        elif kind == "Math":
            words.append(math_text(node["c"][1]))
        elif kind in ("Code", "CodeBlock"):
            words.append(f" {node['c'][1]} " if kind == "CodeBlock" else node["c"][1])
    return BEFORE_PUNCTUATION.sub(r"\1", " ".join("".join(words).split()))


def without_citations(value: Any) -> Iterator[dict[str, Any]]:
    """Every node of an AST fragment, depth first (as sources.nodes), but none inside a Cite."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("t") == "Cite":
                continue
            if "t" in item:
                yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def write_web_edition(
    out: Path,
    edition: Edition,
    fragments: dict[str, str],
    images: dict[str, bytes],
) -> list[Path]:
    """Write the pages, the search index, images and assets into `out` (replacing it)."""
    staging = out.with_name(out.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "assets").mkdir(parents=True)
    for chapter in edition.chapters:
        page = render_page(edition, fragments[chapter.id], chapter)
        (staging / f"{chapter.id}.html").write_text(page, encoding="utf-8")
    toc = [{**vars_of(c), "sections": sections_of(c)} for c in edition.chapters]
    contents = TEMPLATES.get_template("contents.html").render(
        book=edition.book,
        chapters=toc,
        contributors=edition.contributors,
        attribution=edition.attribution,
        has_index=bool(edition.index),
        has_references=bool(edition.references),
    )
    (staging / "index.html").write_text(render_page(edition, contents), encoding="utf-8")
    search = TEMPLATES.get_template("search.html").render()
    (staging / "search.html").write_text(render_page(edition, search), encoding="utf-8")
    if edition.references:
        references_text = render_page(edition, references_page(edition.references))
        (staging / REFERENCES_PAGE).write_text(references_text, encoding="utf-8")
    if edition.index:
        index_text = render_page(edition, index_page(edition))
        (staging / INDEX_PAGE).write_text(index_text, encoding="utf-8")
    entries = [entry for chapter in edition.chapters for entry in search_entries(chapter)]
    index = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (staging / "search.json").write_text(index, encoding="utf-8")
    for name in ("book.css", "search.js", "terms.js"):
        shutil.copyfile(STATIC / name, staging / "assets" / name)
    if images:
        (staging / "images").mkdir()
    for name, data in sorted(images.items()):
        (staging / "images" / name).write_bytes(data)
    # Renames only between the old edition and the new, so that a build killed at its time limit
    # leaves one of them whole (bounded.leftovers() puts the old one back if need be).
    previous = out.with_name(out.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if out.exists():
        out.rename(previous)
    staging.rename(out)
    shutil.rmtree(previous, ignore_errors=True)
    return sorted(out.rglob("*"))


class HtmlFormat:
    """The web edition, as a folder named after the book (downloaded as a zip of it)."""

    name = "html"
    media_type = "application/zip"
    suffix = "-web.zip"  # downloaded as a zip of the folder

    def build(self, prepared: PreparedBook, out: Path) -> Path:
        text = prepared.text
        edition = prepared.edition
        references = REFERENCES_PAGE if text.consolidated else None
        fragments = {
            c.id: chapter_fragment(
                c,
                text.owners,
                text.bibliography,
                prepared.cache,
                glossary=edition.glossary,
                references=references,
            )
            for c in prepared.each("writing its web page")
        }
        prepared.at("the web edition's files")
        folder = out / prepared.slug
        write_web_edition(folder, edition, fragments, prepared.book.images)
        return folder
