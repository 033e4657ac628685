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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import weasyprint
from markupsafe import Markup
from weasyprint.formatting_structure.boxes import FootnoteAreaBox
from weasyprint.urls import URLFetcher, URLFetcherResponse

from textbook.files import replacing, write_atomically
from textbook.projections.publishing import numbering
from textbook.projections.publishing.apparatus import print_index
from textbook.projections.publishing.cache import Cache
from textbook.projections.publishing.edition import STATIC, TEMPLATES, Edition, sections_of
from textbook.projections.publishing.formulas import MathRenderer
from textbook.projections.publishing.numbering import anchor_unlabelled
from textbook.projections.publishing.pagebreaks import PageStart, mark_paragraphs, page_starts
from textbook.projections.publishing.pdf_finish import finish_pdf
from textbook.projections.publishing.prepare import PreparedBook, Where, fingerprint, nowhere
from textbook.projections.publishing.render import render_chapter
from textbook.projections.publishing.sources import Chapter
from textbook.projections.publishing.tree import nodes

MAX_FETCH = 10 * 1024 * 1024


class BuildFolderFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
    """WeasyPrint may read regular files inside the build folder (and the folders of the
    publisher's own files given after it), and nothing else."""

    def __init__(self, folder: Path, *also: Path) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.folder = folder.resolve()
        self.also = tuple(other.resolve() for other in also)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if not url.startswith("file://"):
            raise ValueError(f"not fetched (outside the build): {url[:80]}")
        path = Path(url.removeprefix("file://").split("?")[0].split("#")[0]).resolve()
        inside = any(path.is_relative_to(f) for f in (self.folder, *self.also))
        if not inside or not path.is_file():
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
    mark_continuations(ast["blocks"])
    ast = mark_paragraphs(ast)  # where each page begins, for the EPUB's page list
    anchor_unlabelled(ast, chapter)
    for node in nodes(ast["blocks"]):
        kind = node["t"]
        if kind == "Link" and "cross-reference" in node["c"][0][1]:
            target = node["c"][2][0][1:]
            node["c"][1] += page_reference(owners.get(target, chapter.id), target)
        if kind == "Note":
            inlines = [i for block in node["c"] for i in _inlines(block)]
            footnote = {"t": "Span", "c": [["", ["footnote"], []], inlines]}
            node["t"], node["c"] = "Span", [["", [], []], [*note_anchors(inlines), footnote]]
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


def note_anchors(inlines: list[Any]) -> list[dict[str, Any]]:
    """The ids of the spans in a note (places marked for the index), moved to empty spans at its
    call: WeasyPrint keeps no anchor in a footnote, and the note is on the page of its call."""
    anchors = []
    for inline in nodes(inlines):
        if inline["t"] == "Span" and inline["c"][0][0]:
            anchors.append({"t": "Span", "c": [[inline["c"][0][0], [], []], []]})
            inline["c"][0][0] = ""
    return anchors


def page_reference(owner: str, target: str) -> list[dict[str, Any]]:
    """The page a cross-reference points at, " (p. 41)": where the element with the print id
    `owner--target` lands, filled in when the book is laid out (a span with class "pageref")."""
    pageref = {"t": "Span", "c": [["", ["pageref"], [["data-ref", f"{owner}--{target}"]]], []]}
    opening = [{"t": "Space"}, {"t": "Str", "c": "(p."}, {"t": "Space"}]
    return [*opening, pageref, {"t": "Str", "c": ")"}]


def mark_continuations(value: Any) -> None:
    """Wrap in a `continues` Div each paragraph that goes on with the sentence a display formula
    ended (it follows a paragraph holding only the display and starts in lower case), so that
    print does not indent it as a new paragraph."""
    if isinstance(value, dict):
        for child in value.values():
            mark_continuations(child)
        return
    if not isinstance(value, list):
        return
    for index, block in enumerate(value):
        mark_continuations(block)
        if index and _only_display(value[index - 1]) and _starts_lower(block):
            value[index] = {"t": "Div", "c": [["", ["continues"], []], [block]]}


def _only_display(block: Any) -> bool:
    if not isinstance(block, dict) or block.get("t") != "Para":
        return False
    kinds = [(i["t"], i["c"][0]["t"] if i["t"] == "Math" else None) for i in block["c"]]
    # A labelled equation (numbering.py) is its formula in a Span with its number.
    kinds = [
        ("Math", "DisplayMath") if i["t"] == "Span" and "equation-numbered" in i["c"][0][1] else k
        for i, k in zip(block["c"], kinds, strict=True)
    ]
    shown = [k for k in kinds if k[0] not in ("Space", "SoftBreak")]
    return bool(shown) and all(k == ("Math", "DisplayMath") for k in shown)


def _starts_lower(block: Any) -> bool:
    if not isinstance(block, dict) or block.get("t") != "Para" or not block["c"]:
        return False
    first: dict[str, Any] = block["c"][0]
    if first["t"] == "Math":
        return bool(first["c"][0]["t"] == "InlineMath")
    return first["t"] == "Str" and str(first["c"])[:1].islower()


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
    consolidated: bool = False,
) -> str:
    """The chapter as HTML for print: ids prefixed by the chapter, links between chapters; with
    the book's works cited `consolidated` after its chapters, the citations link there."""
    ast = print_ast(chapter, owners, folder, cache, math)
    prefix = [f"--id-prefix={chapter.id}--"]
    references = "" if consolidated else None
    html = render_chapter(
        "pdf", chapter, ast, bibliography, cache, link_chapters, prefix, references=references
    )
    return hang_code_lines(keep_captions(break_before_formulas(html)))


def break_before_formulas(html: str) -> str:
    """A zero-width space between a word's space and the formula after it: without it,
    WeasyPrint 70 breaks a line whose last formula does not fit after the line's *first* word
    ("Many" alone above a paragraph), not before the formula."""
    return html.replace(' <img src="math/', ' \u200b<img src="math/')


def link_chapters(html: str) -> str:
    return re.sub(r'href="xref:([\w:.-]+)/([\w:.-]+)"', r'href="#\1--\2"', html)


# A line of highlighted code as pandoc writes it: its span, the hidden anchor, the first token's
# span, and the line's indentation before or inside that span.
CODE_LINE = re.compile(r'(<span id="[^"]*cb\d+-\d+")>(<a [^>]*></a>)( *)(<span class="\w+">)?( *)')
PLAIN_CODE = re.compile(r"<pre([^>]*)><code>(.*?)</code></pre>", re.S)
MONO_ADVANCE = 0.602  # em: the width of a character of DejaVu Sans Mono
HANG = 4  # characters a wrapped code line's continuation stands further in than its start


def hang_code_lines(html: str) -> str:
    """Each line of code a block of its own, whose continuation lines (if it is too long for
    the measure) hang 4 characters further in than its indentation, after an arrow."""

    def hang(spaces: int) -> str:
        inset = (spaces + HANG) * MONO_ADVANCE
        return (
            f' style="padding-left:{inset:.2f}em;text-indent:-{inset:.2f}em;'
            f'background-position:{inset - 1.3:.2f}em 0"'
        )

    def line(m: re.Match[str]) -> str:
        spaces = m.group(3) + m.group(5)
        return f"{m.group(1)}{hang(len(spaces))}>{m.group(2)}{m.group(4) or ''}{spaces}"

    def plain(m: re.Match[str]) -> str:
        lines = m.group(2).split("\n")
        spans = [
            f'<span class="line"{hang(len(text) - len(text.lstrip(" ")))}>{text}</span>'
            for text in lines
        ]
        return f"<pre{m.group(1)}><code>{''.join(spans)}</code></pre>"

    html = re.sub(r'</span>\n(<span id="[^"]*cb\d+-\d+")', r"</span>\1", html)
    return PLAIN_CODE.sub(plain, CODE_LINE.sub(line, html))


def keep_captions(html: str) -> str:
    """Each table in a block that keeps it on one page with its caption (WeasyPrint lets a page
    break fall between a table's caption and its rows)."""
    html = re.sub(r"<table\b", '<div class="table-block"><table', html)
    return html.replace("</table>", "</table></div>")


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


# A reference to the page of an anchor, in a chapter's print HTML: filled in once the chapters are
# laid out ("Figure 3.2 (p. 41)"), since each chapter is laid out on its own and CSS's
# target-counter() cannot reach into another chapter.
PAGEREF = re.compile(r'(<span class="pageref" data-ref="([^"]+)">)[^<]*(</span>)')
MAX_PASSES = 4  # layouts until every page reference holds: one without references forward
LOOSE = weasyprint.CSS(string="p, li, blockquote, dd { orphans: 1; widows: 1; }")


@dataclass(frozen=True)
class BackMatter:
    """A part laid out after the chapters (an index): `render(pages)` gives its HTML content,
    from the page of every anchor of the chapters ("chapter--id" -> page number)."""

    id: str
    title: str
    render: Callable[[Mapping[str, int]], str]


def fill_pagerefs(html: str, pages: Mapping[str, int], here: str = "") -> str:
    """Each page reference holding the page of its anchor ("00" until it is known); one to an
    anchor of chapter `here` (the part being laid out) is left to CSS's target-counter()."""

    def page(match: re.Match[str]) -> str:
        ref = match.group(2)
        if here and ref.startswith(f"{here}--"):
            return f'<span class="pageref" data-href="#{ref}">{match.group(3)}'
        return f"{match.group(1)}{pages.get(ref, '00')}{match.group(3)}"

    return PAGEREF.sub(page, html)


def anchor_pages(documents: Sequence[Any], first_pages: Sequence[int]) -> dict[str, int]:
    """The page number of every anchor of the laid-out documents (its first occurrence)."""
    pages: dict[str, int] = {}
    for document, first in zip(documents, first_pages, strict=True):
        for index, page in enumerate(document.pages):
            for anchor in page.anchors:
                pages.setdefault(anchor, first + index)
    return pages


FOOTNOTE = 'class="footnote"'  # a note, set at the foot of its page (print_ast)


def footnotes_drawn(document: Any) -> int:
    """How many footnotes WeasyPrint set at the feet of the document's pages."""
    return sum(
        len(area.children)
        for page in document.pages
        for area in page._page_box.children
        if isinstance(area, FootnoteAreaBox)
    )


@dataclass(frozen=True)
class Part:
    """A part of the PDF to lay out: its HTML, and the chapter whose anchors it holds."""

    html: str
    chapter: str = ""


@dataclass(frozen=True)
class Layout:
    """Parts laid out in order: every page (blank versos included), the first page number of
    each part, the page of every anchor, and each part's HTML with its page references."""

    pages: list[Any]
    firsts: list[int]
    anchors: dict[str, int]
    filled: list[str]

    def holds(self, parts: Sequence[Part]) -> bool:
        """Whether every page reference names the page its anchor landed on."""
        return self.filled == [fill_pagerefs(p.html, self.anchors, p.chapter) for p in parts]


@dataclass
class Typesetter:
    """Lays out the parts of a PDF, each opening on a right-hand page, reusing `layouts`."""

    folder: Path
    layouts: Layouts
    css: Any
    fetcher: Any

    def lay_out(self, html: str, first_page: int) -> Any:
        key = hashlib.sha256(f"{first_page}\n{html}".encode()).hexdigest()
        document = self.layouts.get(key)
        if document is None:
            start = weasyprint.CSS(string=f"@page :first {{ counter-reset: page {first_page} }}")
            page = weasyprint.HTML(
                string=html, base_url=f"file://{self.folder}/", url_fetcher=self.fetcher
            )
            document = page.render(stylesheets=[self.css, start])
            if footnotes_drawn(document) < html.count(FOOTNOTE):
                # WeasyPrint 70 can drop a footnote when keeping a paragraph's lines together
                # moves its call to the next page (Kozea/WeasyPrint#2432): nothing is lost if
                # the chapter is laid out again without widow and orphan control.
                document = page.render(stylesheets=[self.css, start, LOOSE])
            self.layouts.put(key, document)
        return document

    def blank(self) -> Any:
        """A blank left-hand page, with no running head and no folio."""
        html = '<!DOCTYPE html><html lang="en"><body class="blank"></body></html>'
        return weasyprint.HTML(string=html).render(stylesheets=[self.css]).pages[0]

    def run(self, parts: Sequence[Part], guesses: Mapping[str, int]) -> Layout:
        """Lay out the parts in order, page numbers from 1 on the first part. A page reference
        to an earlier part is filled with the page found; to a later one, with `guesses`."""
        pages: list[Any] = []
        firsts: list[int] = []
        filled: list[str] = []
        anchors: dict[str, int] = {}
        for part in parts:
            if len(pages) % 2:  # a part opens on a right-hand (odd) page
                pages.append(self.blank())
            html = fill_pagerefs(part.html, {**guesses, **anchors}, part.chapter)
            document = self.lay_out(html, len(pages) + 1)
            firsts.append(len(pages) + 1)
            filled.append(html)
            for name, page in anchor_pages([document], [firsts[-1]]).items():
                anchors.setdefault(name, page)
            pages.extend(document.pages)
        return Layout(pages, firsts, anchors, filled)


def write_pdf(
    target: Path,
    edition: Edition,
    bodies: dict[str, str],
    folder: Path,
    layouts: Layouts,
    at: Where = nowhere,
    variant: str = "pdf/ua-1",
    back: Sequence[BackMatter] = (),
) -> list[PageStart]:
    """Lay out the chapters (reusing `layouts`) until their page references hold, then the back
    matter, then the front matter; write one PDF, its pages labelled (roman, then arabic).
    Returns where each page of the body begins, for the EPUB's page list."""
    css = weasyprint.CSS(filename=str(STATIC / "print.css"), url_fetcher=BuildFolderFetcher(STATIC))
    # print.css's own images (the mark of a continued code line) are in STATIC
    typesetter = Typesetter(folder, layouts, css, BuildFolderFetcher(folder, STATIC))
    page_template = TEMPLATES.get_template("print-chapter.html")
    parts = [
        Part(page_template.render(book=edition.book, chapter=c, content=Markup(bodies[c.id])), c.id)
        for c in edition.chapters
    ]
    # References back are right at once; forward ones once the pages they point to are known.
    layout = typesetter.run(parts, {})
    for _ in range(MAX_PASSES - 1):
        if layout.holds(parts):
            break
        at("the chapters of the PDF (again, for the pages of references forward)")
        layout = typesetter.run(parts, layout.anchors)
    chapters_layout = layout
    if back:
        at("the PDF's back matter")
        back_template = TEMPLATES.get_template("print-back.html")
        matter = [
            Part(
                back_template.render(
                    book=edition.book, part=part, content=Markup(part.render(layout.anchors))
                ),
                part.id,
            )
            for part in back
        ]
        layout = typesetter.run([*parts, *matter], layout.anchors)
    at("the PDF's front matter")
    first_pages = {c.id: chapters_layout.firsts[i] for i, c in enumerate(edition.chapters)}
    front = front_matter(edition, first_pages, layout.anchors, css, typesetter.fetcher, folder)
    front_pages = list(front.pages)
    if len(front_pages) % 2:  # the first chapter opens on a right-hand page
        front_pages.append(typesetter.blank())
    at("the PDF file")
    with replacing(target) as temporary:  # readers never download half a PDF
        front.copy(front_pages + layout.pages).write_pdf(temporary, pdf_variant=variant)
        finish_pdf(temporary, len(front_pages))
    return page_starts(layout.pages, [str(n) for n in range(1, len(layout.pages) + 1)])


def front_matter(
    edition: Edition,
    first_pages: dict[str, int],
    pages: Mapping[str, int],
    css: Any,
    fetcher: Any,
    folder: Path,
) -> Any:
    """The title page, the copyright page and the contents, with the page of every entry;
    `pages` holds the page of every anchor of the book ("chapter--id")."""
    toc = []
    for chapter in edition.chapters:
        first = first_pages[chapter.id]
        sections = [
            {**s, "page": pages.get(f"{chapter.id}--{s['id']}", first)}
            for s in sections_of(chapter)
        ]
        toc.append(
            {
                "id": chapter.id,
                "number": chapter.number,
                "title": chapter.title,
                "page": first,
                "sections": sections,
            }
        )
    html = TEMPLATES.get_template("print-front.html").render(
        book=edition.book,
        pages=pages,
        chapters=toc,
        figures=listed(edition, "Figure", first_pages, pages),
        tables=listed(edition, "Table", first_pages, pages),
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
    edition: Edition, kind: str, first_pages: dict[str, int], pages: Mapping[str, int]
) -> list[dict[str, Any]]:
    """The book's figures (or tables) for its list of them: number, caption's first sentence,
    the print id each links to and its page."""
    return [
        {
            "number": thing.number,
            "caption": thing.caption,
            "href": f"{chapter.id}--{numbering.anchor(thing)}",
            "page": pages.get(f"{chapter.id}--{numbering.anchor(thing)}", first_pages[chapter.id]),
        }
        for chapter in edition.chapters
        for thing in chapter.listed(kind)
    ]


def print_references(edition: Edition) -> Callable[[Mapping[str, int]], str]:
    """The book's list of the works it cites, for print (pdf.BackMatter's `render`)."""
    body = f'<h1 id="book-references">References</h1>\n{edition.references}'
    return lambda _pages: body


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
        # Where each page of the last build begins, and the fingerprint of the book built.
        self.pages: tuple[PageStart, ...] = ()
        self.pages_of = ""

    def build(self, prepared: PreparedBook, out: Path) -> Path:
        text = prepared.text
        folder = (prepared.cache.folder / "pdf-work" / prepared.slug).resolve()
        stage_images(folder, prepared.book.images)
        bodies = {
            c.id: chapter_html(
                c,
                text.owners,
                text.bibliography,
                folder,
                prepared.cache,
                self.math,
                text.consolidated,
            )
            for c in prepared.each("formulas to SVG, HTML for print")
        }
        target = out / f"{prepared.slug}.pdf"
        edition = prepared.edition
        # The works cited, after the chapters; then the index, with the page of each place
        # marked for it.
        back = []
        if edition.references:
            back.append(BackMatter("book-references", "References", print_references(edition)))
        if edition.index:
            back.append(BackMatter("book-index", "Index", print_index(edition.index)))
        self.pages = tuple(
            write_pdf(
                target, edition, bodies, folder, self.layouts, prepared.at, self.variant, back
            )
        )
        self.pages_of = fingerprint(prepared.book)
        return target

    def pages_for(self, prepared: PreparedBook) -> tuple[PageStart, ...]:
        """Where each page of the PDF begins, if the last PDF built was of this very book."""
        return self.pages if self.pages_of == fingerprint(prepared.book) else ()


def stage_images(folder: Path, images: dict[str, bytes]) -> None:
    """The book's images, where WeasyPrint (which reads nothing else) can find them."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        path = folder / "images" / name
        if not path.exists() or path.read_bytes() != data:
            write_atomically(path, data)
