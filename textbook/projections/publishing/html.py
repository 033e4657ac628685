"""The web edition: one page per chapter, a contents page, a search page and its index."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nh3
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from textbook.projections.publishing.mathtext import math_text
from textbook.projections.publishing.sources import (
    Cache,
    Chapter,
    plain_text,
    render_chapter,
    resolve_links,
)

STATIC = Path(__file__).parent / "static"
TEMPLATES = Environment(
    loader=PackageLoader("textbook.projections.publishing", "templates"),
    autoescape=select_autoescape(["html", "xhtml", "xml", "opf", "ncx"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
LICENSES = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}
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


def keep_attribute(element: str, attribute: str, value: str) -> str | None:
    """tabindex="-1" keeps pandoc's aria-hidden line anchors in code out of the tab order."""
    if attribute == "tabindex":
        return value if value == "-1" else None
    return value


def clean_html(html: str) -> str:
    """Defence in depth: pandoc's output of a sanitised AST, through an allowlist again."""
    return str(
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


def chapter_fragment(
    chapter: Chapter, owners: dict[str, str], bibliography: Path | None, cache: Cache
) -> str:
    """The chapter as an HTML fragment for the web edition."""
    ast = resolve_links(chapter, owners, lambda owner, target: f"{owner}.html#{target}")
    return render_chapter("html", chapter, ast, bibliography, cache, clean_html)


@dataclass(frozen=True)
class Edition:
    """What every page of an edition says about the book."""

    book: dict[str, str]  # slug, title, subtitle, language, license, identifier, description
    chapters: list[Chapter]
    contributors: list[Any]
    edition: str

    def names(self, role: str) -> str:
        people = [
            c.name
            for c in self.contributors
            if (c.lines_written if role == "author" else c.lines_approved)
        ]
        if not people:
            return "nobody yet"
        shown = ", ".join(people[:6])
        return shown + (f" and {len(people) - 6} more" if len(people) > 6 else "")


def render_page(edition: Edition, content: str, chapter: Chapter | None = None) -> str:
    index = edition.chapters.index(chapter) if chapter else -1
    return TEMPLATES.get_template("page.html").render(
        book=edition.book,
        chapter=chapter,
        previous=edition.chapters[index - 1] if chapter and index > 0 else None,
        next=edition.chapters[index + 1] if chapter and index + 1 < len(edition.chapters) else None,
        content=Markup(content),  # our own pipeline's sanitised output
        license_url=LICENSES.get(edition.book["license"]),
        authors=edition.names("author"),
        editors=edition.names("editor"),
        edition=edition.edition,
    )


def sections_of(chapter: Chapter) -> list[dict[str, str]]:
    return [
        {"id": block["c"][1][0], "title": plain_text(block["c"][2])}
        for block in chapter.ast["blocks"]
        if block["t"] == "Header" and block["c"][0] == 2 and block["c"][1][0]
    ]


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
            "chapter": f"{chapter.number}. {chapter.title}",
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
        book=edition.book, chapters=toc, contributors=edition.contributors
    )
    (staging / "index.html").write_text(render_page(edition, contents), encoding="utf-8")
    search = TEMPLATES.get_template("search.html").render()
    (staging / "search.html").write_text(render_page(edition, search), encoding="utf-8")
    entries = [entry for chapter in edition.chapters for entry in search_entries(chapter)]
    index = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (staging / "search.json").write_text(index, encoding="utf-8")
    for name in ("book.css", "search.js"):
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


def vars_of(chapter: Chapter) -> dict[str, Any]:
    return {"id": chapter.id, "number": chapter.number, "title": chapter.title}
