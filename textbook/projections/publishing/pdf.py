"""The PDF edition: WeasyPrint lays out each chapter on its own, then one tagged PDF is written.

Chapters are laid out separately (a layout is reused while its chapter and its first page number
stay the same), the front matter last, when every page number is known; then the pages of all
of them are written as one PDF/UA document, so that links, bookmarks and tags span the book.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import weasyprint
from markupsafe import Markup
from weasyprint.urls import URLFetcher, URLFetcherResponse

from textbook.files import replacing, write_atomically
from textbook.projections.publishing.cache import Cache
from textbook.projections.publishing.edition import STATIC, TEMPLATES, Edition, sections_of
from textbook.projections.publishing.formulas import MathRenderer
from textbook.projections.publishing.numbering import anchor, anchor_unlabelled
from textbook.projections.publishing.prepare import PreparedBook, Where, nowhere
from textbook.projections.publishing.render import render_chapter
from textbook.projections.publishing.sources import Chapter
from textbook.projections.publishing.tree import nodes

MAX_FETCH = 10 * 1024 * 1024


class BuildFolderFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
    """WeasyPrint may read regular files inside the build folder, and nothing else."""

    def __init__(self, folder: Path) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.folder = folder.resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if not url.startswith("file://"):
            raise ValueError(f"not fetched (outside the build): {url[:80]}")
        path = Path(url.removeprefix("file://").split("?")[0].split("#")[0]).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            raise ValueError(f"not fetched (outside the build): {url[:80]}")
        if path.stat().st_size > MAX_FETCH:
            raise ValueError(f"not fetched (over {MAX_FETCH} bytes): {url[:80]}")
        media = {".svg": "image/svg+xml", ".png": "image/png", ".css": "text/css"}
        kind = media.get(path.suffix.lower(), "image/jpeg")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})


def print_ast(
    chapter: Chapter, owners: dict[str, str], folder: Path, cache: Cache, math: MathRenderer
) -> Any:
    """The chapter's AST for print: notes inline (for footnotes), formulas as images, links
    into other chapters marked `xref:` for the ids that --id-prefix gives them, and each
    cross-reference followed by the page it points at: "Figure 3.2 (p. 41)"."""
    ast = copy.deepcopy(chapter.ast)
    anchor_unlabelled(ast, chapter)
    for node in nodes(ast["blocks"]):
        kind = node["t"]
        if kind == "Link" and "cross-reference" in node["c"][0][1]:
            target = node["c"][2][0][1:]
            node["c"][1] += page_reference(owners.get(target, chapter.id), target)
        if kind == "Note":
            inlines = [i for block in node["c"] for i in _inlines(block)]
            node["t"], node["c"] = "Span", [["", ["footnote"], []], inlines]
        elif kind == "Math":
            display = node["c"][0]["t"] == "DisplayMath"
            image = math.image(node["c"][1], display, folder, cache)
            node["t"], node["c"] = image["t"], image["c"]
        elif kind == "Link" and node["c"][2][0].startswith("#"):
            target = node["c"][2][0][1:]
            owner = owners.get(target)
            if owner is not None and owner != chapter.id:
                node["c"][2][0] = f"xref:{owner}/{target}"
    return ast


def page_reference(owner: str, target: str) -> list[dict[str, Any]]:
    """The page a cross-reference points at, " (p. 41)": where the element with the print id
    `owner--target` lands, filled in when the book is laid out (a span with class "pageref")."""
    pageref = {"t": "Span", "c": [["", ["pageref"], [["data-ref", f"{owner}--{target}"]]], []]}
    opening = [{"t": "Space"}, {"t": "Str", "c": "(p."}, {"t": "Space"}]
    return [*opening, pageref, {"t": "Str", "c": ")"}]


def _inlines(block: dict[str, Any]) -> list[Any]:
    if block["t"] in ("Para", "Plain"):
        return [*block["c"], {"t": "Space"}]
    return [{"t": "Str", "c": " "}]


def chapter_html(
    chapter: Chapter,
    owners: dict[str, str],
    bibliography: Path | None,
    folder: Path,
    cache: Cache,
    math: MathRenderer,
) -> str:
    """The chapter as HTML for print: ids prefixed by the chapter, links between chapters."""
    ast = print_ast(chapter, owners, folder, cache, math)
    prefix = [f"--id-prefix={chapter.id}--"]
    return render_chapter("pdf", chapter, ast, bibliography, cache, link_chapters, prefix)


def link_chapters(html: str) -> str:
    return re.sub(r'href="xref:([\w:.-]+)/([\w:.-]+)"', r'href="#\1--\2"', html)


@dataclass
class Layouts:
    """Chapter layouts kept between builds (by one PdfFormat), by their inputs and first page."""

    documents: OrderedDict[str, Any]
    limit: int = 400

    def get(self, key: str) -> Any:
        document = self.documents.get(key)
        if document is not None:
            self.documents.move_to_end(key)
        return document

    def put(self, key: str, document: Any) -> None:
        self.documents[key] = document
        while len(self.documents) > self.limit:
            self.documents.popitem(last=False)


def write_pdf(
    target: Path,
    edition: Edition,
    bodies: dict[str, str],
    folder: Path,
    layouts: Layouts,
    at: Where = nowhere,
    variant: str = "pdf/ua-1",
) -> Path:
    """Lay out the chapters (reusing `layouts`), then the front matter, and write one PDF."""
    css = weasyprint.CSS(filename=str(STATIC / "print.css"), url_fetcher=BuildFolderFetcher(STATIC))
    fetcher = BuildFolderFetcher(folder)
    page_template = TEMPLATES.get_template("print-chapter.html")
    documents, first_pages, next_page = [], {}, 1
    for chapter in edition.chapters:
        at(f"chapter '{chapter.id}' (laying out the PDF)")
        html = page_template.render(
            book=edition.book, chapter=chapter, content=Markup(bodies[chapter.id])
        )
        key = hashlib.sha256(f"{next_page}\n{html}".encode()).hexdigest()
        document = layouts.get(key)
        if document is None:
            start = weasyprint.CSS(string=f"@page :first {{ counter-reset: page {next_page} }}")
            document = weasyprint.HTML(
                string=html, base_url=f"file://{folder}/", url_fetcher=fetcher
            ).render(stylesheets=[css, start])
            layouts.put(key, document)
        first_pages[chapter.id] = next_page
        documents.append(document)
        next_page += len(document.pages)
    at("the PDF's front matter")
    front = front_matter(edition, documents, first_pages, css, fetcher, folder)
    pages = [page for document in [front, *documents] for page in document.pages]
    at("the PDF file")
    with replacing(target) as temporary:  # readers never download half a PDF
        front.copy(pages).write_pdf(temporary, pdf_variant=variant)
    return target


def page_of(
    documents: list[Any], first_pages: dict[str, int], chapter: Chapter, anchor: str
) -> int:
    document = documents[chapter.number - 1]
    for index, page in enumerate(document.pages):
        if anchor in page.anchors:
            return first_pages[chapter.id] + index
    return first_pages[chapter.id]


def front_matter(
    edition: Edition,
    documents: list[Any],
    first_pages: dict[str, int],
    css: Any,
    fetcher: Any,
    folder: Path,
) -> Any:
    toc = []
    for chapter in edition.chapters:
        sections = [
            {**s, "page": page_of(documents, first_pages, chapter, f"{chapter.id}--{s['id']}")}
            for s in sections_of(chapter)
        ]
        toc.append(
            {
                "id": chapter.id,
                "number": chapter.number,
                "title": chapter.title,
                "page": first_pages[chapter.id],
                "sections": sections,
            }
        )
    html = TEMPLATES.get_template("print-front.html").render(
        book=edition.book,
        chapters=toc,
        figures=listed(edition, "Figure", documents, first_pages),
        tables=listed(edition, "Table", documents, first_pages),
        contributors=edition.contributors,
        attribution=edition.attribution,
        edition=edition.edition,
        licence=edition.licence,
        # PDF metadata: the authors book.yaml names; failing those, the people who wrote the text.
        authors=", ".join(edition.book["authors"]) or edition.names("author"),
    )
    return weasyprint.HTML(string=html, base_url=f"file://{folder}/", url_fetcher=fetcher).render(
        stylesheets=[css]
    )


def listed(
    edition: Edition, kind: str, documents: list[Any], first_pages: dict[str, int]
) -> list[dict[str, Any]]:
    """The book's figures (or tables) for its list of them: number, caption's first sentence,
    the print id each links to and its page."""
    return [
        {
            "number": thing.number,
            "caption": thing.caption,
            "href": f"{chapter.id}--{anchor(thing)}",
            "page": page_of(documents, first_pages, chapter, f"{chapter.id}--{anchor(thing)}"),
        }
        for chapter in edition.chapters
        for thing in chapter.listed(kind)
    ]


class PdfFormat:
    """The PDF edition: its own chapter layouts kept between builds, its formulas drawn by
    `math`, written as `variant` (PDF/UA-1, tagged, by default)."""

    name = "pdf"
    media_type = "application/pdf"
    suffix = ".pdf"

    def __init__(
        self, math: MathRenderer | None = None, variant: str = "pdf/ua-1", layouts: int = 400
    ) -> None:
        self.math = math or MathRenderer()
        self.variant = variant
        self.layouts = Layouts(OrderedDict(), layouts)

    def build(self, prepared: PreparedBook, out: Path) -> Path:
        text = prepared.text
        folder = (prepared.cache.folder / "pdf-work" / prepared.slug).resolve()
        stage_images(folder, prepared.book.images)
        bodies = {
            c.id: chapter_html(c, text.owners, text.bibliography, folder, prepared.cache, self.math)
            for c in prepared.each("formulas to SVG, HTML for print")
        }
        target = out / f"{prepared.slug}.pdf"
        edition = prepared.edition
        return write_pdf(target, edition, bodies, folder, self.layouts, prepared.at, self.variant)


def stage_images(folder: Path, images: dict[str, bytes]) -> None:
    """The book's images, where WeasyPrint (which reads nothing else) can find them."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        path = folder / "images" / name
        if not path.exists() or path.read_bytes() != data:
            write_atomically(path, data)
