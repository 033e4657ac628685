"""The EPUB 3 edition, assembled from per-chapter XHTML so that one change redoes one chapter."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from textbook.domain.glossary import GLOSSARY, is_back_matter
from textbook.domain.state import ImageRef
from textbook.files import replacing
from textbook.projections.publishing.apparatus import Place, index_html, linked_places
from textbook.projections.publishing.cache import Cache
from textbook.projections.publishing.edition import (
    STATIC,
    TEMPLATES,
    Edition,
    sections_of,
    vars_of,
)
from textbook.projections.publishing.numbering import anchor, anchor_unlabelled
from textbook.projections.publishing.pagebreaks import PageStart, mark_pages, mark_paragraphs
from textbook.projections.publishing.prepare import PreparedBook
from textbook.projections.publishing.render import render_chapter, resolve_links
from textbook.projections.publishing.sources import Chapter
from textbook.projections.publishing.tree import nodes

CONTAINER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n'
    '<rootfiles><rootfile full-path="EPUB/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles>\n</container>\n"
)


def chapter_xhtml(
    chapter: Chapter,
    owners: dict[str, str],
    bibliography: Path | None,
    cache: Cache,
    pages: Mapping[str, str] | None = None,
    references: str | None = None,
) -> str:
    """The chapter's body as XHTML, with a page-break marker where each of its `pages` of the
    PDF begins (anchor to page number); the glossary as a definition list. With `references`
    (the file of the book's list of works cited), its citations link there and it lists none."""
    marked = dataclasses.replace(chapter, ast=mark_paragraphs(chapter.ast))
    ast = resolve_links(marked, owners, lambda owner, target: f"{owner}.xhtml#{target}")
    anchor_unlabelled(ast, chapter)
    body = render_chapter(
        "epub", marked, ast, bibliography, cache, accessible, references=references
    )
    if chapter.id == GLOSSARY:
        body = as_glossary(body)
    return mark_pages(body, pages or {})


GLOSSARY_ENTRY = re.compile(
    r'<section id="([^"]+)" class="level2">\s*<h2>(.*?)</h2>(.*?)</section>', re.S
)


def as_glossary(body: str) -> str:
    """The glossary chapter as reading systems know a glossary: its entries a definition list
    (each term a <dt> with the entry's id, its definition a <dd>), marked epub:type="glossary"."""
    entries = list(GLOSSARY_ENTRY.finditer(body))
    if not entries:
        return body
    start, end = entries[0].start(), entries[-1].end()
    items = "".join(
        f'<dt id="{m.group(1)}">{m.group(2)}</dt>\n<dd>{m.group(3).strip()}</dd>\n' for m in entries
    )
    body = f"{body[:start]}<dl>\n{items}</dl>{body[end:]}"
    return body.replace(
        f'<section id="{GLOSSARY}" class="level1">',
        f'<section id="{GLOSSARY}" class="level1" epub:type="glossary" role="doc-glossary">',
        1,
    )


INDEX_FILE = "book-index.xhtml"
REFERENCES_FILE = "book-references.xhtml"  # never a chapter's: those are chapter-id.xhtml


def references_xhtml(references: str) -> str:
    """The book's list of the works it cites, as reading systems know a bibliography."""
    return (
        '<section id="book-references" epub:type="bibliography" role="doc-bibliography"'
        ' aria-labelledby="references-title">'
        f'\n<h1 id="references-title">References</h1>\n{references}\n</section>'
    )


def index_xhtml(edition: Edition) -> str:
    """The book's index, each entry linked to the sections where it is marked."""

    def href(place: Place) -> str:
        return f"{place.chapter}.xhtml#{place.anchor}"

    body = index_html(edition.index, linked_places(href))
    return (
        '<section id="book-index" epub:type="index" role="doc-index" aria-labelledby="index-title">'
        f'\n<h1 id="index-title">Index</h1>\n{body}\n</section>'
    )


def accessible(body: str) -> str:
    """Roles that reading systems and DAISY Ace look for, on what pandoc writes."""
    body = re.sub(
        r'<section id="(bibliography(?:-\d+)?)" class="([^"]*unnumbered[^"]*)">',
        r'<section id="\1" class="\2" epub:type="bibliography" role="doc-bibliography">',
        body,
    )
    body = body.replace('role="doc-endnotes"', 'role="doc-endnotes" epub:type="endnotes"').replace(
        'role="doc-noteref"', 'role="doc-noteref" epub:type="noteref"'
    )
    # The chapter is a chapter to assistive technology and reading systems alike.
    body = re.sub(
        r'<section id="([^"]*)" class="level1"',
        lambda m: (
            m.group(0)
            if is_back_matter(m.group(1))  # the glossary is marked as one (as_glossary)
            else f'{m.group(0)} role="doc-chapter" epub:type="chapter"'
        ),
        body,
        count=1,
    )
    body = MATH.sub(with_alttext, body)
    body = HEADER_CELL.sub(header_cell, body)
    # Line anchors in code blocks are empty links: noise for screen readers.
    return re.sub(r'<a href="#cb\d+-\d+" aria-hidden="true" tabindex="-1"></a>', "", body)


MATH = re.compile(
    r'<math ([^>]*)>(.*?<annotation encoding="application/x-tex">(.*?)</annotation>.*?)</math>',
    re.S,
)


HEADER_CELL = re.compile(r"<th((?:\s[^>]*)?)>(.*?)</th>", re.S)


def header_cell(m: re.Match[str]) -> str:
    """A header cell that names its column: an empty one is a data cell (nothing to announce),
    and a formula alone in one is labelled with its text, which checkers count as its name."""
    attributes, content = m.group(1), m.group(2)
    if not content.strip():
        return f"<td{attributes}></td>"
    if content.lstrip().startswith("<math ") and content.rstrip().endswith("</math>"):
        alttext = re.search(r'alttext="([^"]*)"', content)
        if alttext is not None and content.count("<math ") == 1:
            labelled = content.replace("<math ", f'<math aria-label="{alttext.group(1)}" ', 1)
            return f"<th{attributes}>{labelled}</th>"
    return m.group(0)


def with_alttext(m: re.Match[str]) -> str:
    """A formula's `alttext` (which EPUBCheck and reading systems without MathML look for): its
    TeX, as pandoc keeps it in the annotation (already escaped for XML)."""
    attributes, inner, tex = m.group(1), m.group(2), m.group(3)
    if "alttext=" in attributes:
        return m.group(0)
    alttext = " ".join(tex.replace('"', "&quot;").split())
    return f'<math {attributes} alttext="{alttext}">{inner}</math>'


def has_math(chapter: Chapter) -> bool:
    return any(node["t"] == "Math" for node in nodes(chapter.ast["blocks"]))


def write_epub(
    target: Path,
    edition: Edition,
    bodies: dict[str, str],
    images: list[ImageRef],
    image_bytes: dict[str, bytes],
    modified: datetime,
    pages: Sequence[PageStart] = (),
) -> Path:
    """Zip the EPUB deterministically: same inputs, same bytes. With the `pages` of the PDF, its
    navigation lists them, each where it begins."""
    book = edition.book
    chapters = [
        {**vars_of(c), "sections": sections_of(c) if c.number else [], "mathml": has_math(c)}
        for c in edition.chapters
    ]
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    files: list[tuple[str, bytes]] = [
        ("META-INF/container.xml", CONTAINER.encode()),
        ("EPUB/css/epub.css", (STATIC / "epub.css").read_bytes()),
    ]
    page = TEMPLATES.get_template("epub-chapter.xhtml")
    title = TEMPLATES.get_template("epub-title.xhtml").render(
        book=book,
        edition=edition.edition[:10],
        licence=edition.licence,
        contributors=edition.contributors,
        attribution=edition.attribution,
    )
    files.append(
        ("EPUB/title.xhtml", _page(page, book, "About this edition", "frontmatter", title))
    )
    files.append(
        (
            "EPUB/nav.xhtml",
            TEMPLATES.get_template("epub-nav.xhtml")
            .render(
                book=book,
                chapters=chapters,
                figures=listed(edition, "Figure"),
                tables=listed(edition, "Table"),
                pages=pages,
                index=INDEX_FILE if edition.index else "",
                references=REFERENCES_FILE if edition.references else "",
            )
            .encode(),
        )
    )
    for chapter in edition.chapters:
        matter = "bodymatter" if chapter.number else "backmatter"
        content = _page(page, book, chapter.title, matter, bodies[chapter.id])
        files.append((f"EPUB/{chapter.id}.xhtml", content))
    if edition.references:
        content = _page(
            page, book, "References", "backmatter", references_xhtml(edition.references)
        )
        files.append((f"EPUB/{REFERENCES_FILE}", content))
    if edition.index:
        content = _page(page, book, "Index", "backmatter", index_xhtml(edition))
        files.append((f"EPUB/{INDEX_FILE}", content))
    for image in images:
        files.append((f"EPUB/images/{image.name}", image_bytes[image.name]))
    opf = TEMPLATES.get_template("epub-content.opf").render(
        book=book,
        # The authors book.yaml names; failing those, the people who wrote the text.
        authors=book["authors"] or [c.name for c in edition.contributors if c.lines_written][:20],
        licence=edition.licence,
        modified=stamp,
        chapters=chapters,
        index=INDEX_FILE if edition.index else "",
        references=REFERENCES_FILE if edition.references else "",
        images=images,
        has_images=bool(images),
        has_math=any(c["mathml"] for c in chapters),
        has_pages=bool(pages),
    )
    files.append(("EPUB/content.opf", opf.encode()))
    return _zip(target, files, modified)


def listed(edition: Edition, kind: str) -> list[dict[str, str]]:
    """The book's figures (or tables) for the navigation's list of them."""
    return [
        {
            "number": thing.number,
            "caption": thing.caption,
            "href": f"{chapter.id}.xhtml#{anchor(thing)}",
        }
        for chapter in edition.chapters
        for thing in chapter.listed(kind)
    ]


def _page(template: Any, book: dict[str, str], title: str, matter: str, content: str) -> bytes:
    rendered = template.render(book=book, title=title, matter=matter, content=Markup(content))
    return str(rendered).encode()


def _zip(target: Path, files: list[tuple[str, bytes]], modified: datetime) -> Path:
    stamp = (max(modified.year, 1980), modified.month, modified.day, modified.hour,
             modified.minute, modified.second)  # fmt: skip
    with replacing(target) as temporary, zipfile.ZipFile(temporary, "w") as archive:
        mimetype = zipfile.ZipInfo("mimetype", stamp)
        mimetype.compress_type = zipfile.ZIP_STORED
        archive.writestr(mimetype, b"application/epub+zip")
        for name, data in sorted(files):
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return target


class EpubFormat:
    """The EPUB 3 edition, one XHTML file per chapter."""

    name = "epub"
    media_type = "application/epub+zip"
    suffix = ".epub"

    def build(self, prepared: PreparedBook, out: Path) -> Path:
        text = prepared.text
        starts: dict[str, dict[str, str]] = {}
        for start in prepared.pages:
            starts.setdefault(start.chapter, {})[start.anchor] = start.label
        references = REFERENCES_FILE if text.consolidated else None
        bodies = {
            c.id: chapter_xhtml(
                c,
                text.owners,
                text.bibliography,
                prepared.cache,
                starts.get(c.id, {}),
                references,
            )
            for c in prepared.each("writing its EPUB XHTML")
        }
        prepared.at("the EPUB's assembly")
        target = out / f"{prepared.slug}.epub"
        state, images = prepared.book.state, prepared.book.images
        edition = prepared.edition
        return write_epub(
            target, edition, bodies, list(state.images), images, prepared.modified, prepared.pages
        )
