"""The preview of a draft: authors' Markdown as it will read in the book, through the book's own
stages (prepared as a chapter, its HTML written and cleaned as a chapter page's), bounded for a
person who waits."""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from typing import Any

from markupsafe import Markup

from textbook.domain.markdown import check_section_size
from textbook.domain.state import BookState
from textbook.projections.publishing import pandoc
from textbook.projections.publishing.cache import PreviewCache
from textbook.projections.publishing.drafting import Placement
from textbook.projections.publishing.html import clean_html
from textbook.projections.publishing.numbering import resolve_references
from textbook.projections.publishing.prepare import draft_chapter, prepare_chapters
from textbook.projections.publishing.render import render_chapter, resolve_images, resolve_links
from textbook.projections.publishing.tree import nodes

# A preview answers while the author waits: a tighter bound than a build's (30 s, 512 MB). Real
# sections preview in well under a second; the slowest 500 KB texts found (runs of backticks or
# '<', nested emphasis, tens of thousands of footnotes or table rows) took 8 to 30 s and up to
# 626 MB in pandoc. At most the cache's slots render at once (PREVIEW_SLOTS in cache.py), so
# previews together hold at most that many times 256 MB.
PREVIEW = pandoc.Limits(seconds=5, heap_mb=256, what="the preview")
CHAPTER_TITLE = re.compile(r"<(/?)h1\b")


class PreviewBusy(Exception):
    """Every preview slot stayed taken: the author may try again in a moment."""


def preview(
    markdown: str,
    book: BookState | None,
    cache: PreviewCache,
    attached: Collection[str] = (),
    attached_at: str = "",
    place: Placement | None = None,
) -> Markup:
    """Authors' Markdown as it will read, through the same safe pipeline as the book.

    With the book, its images show and its citations resolve against its bibliography, with a
    list of the works cited, as in the edition. A proposal's own images (`attached`, served
    under `attached_at`) show instead of the book's of the same name. The one place that marks
    a preview safe: its HTML comes from a sanitised AST and has been through nh3. Bounded: the
    domain's size limit, PREVIEW's time and heap for both pandoc runs together, and the cache's
    slots at once. With its `place` in the book, numbered as the book numbers it: sections,
    figures, tables, equations and listings, and links and references (`@fig-x`) into other
    chapters resolved; a reference to a label the book lacks shows as `@fig-x`, marked.
    """
    check_section_size(markdown)  # the domain's limit: refused, never cut
    if not cache.slots.acquire(timeout=cache.wait):
        raise PreviewBusy("Too many previews are being rendered; try again in a moment.")
    try:
        deadline = time.monotonic() + PREVIEW.seconds
        return render_preview(markdown, book, cache, attached, attached_at, deadline, place)
    finally:
        cache.slots.release()


def render_preview(
    markdown: str,
    book: BookState | None,
    cache: PreviewCache,
    attached: Collection[str],
    attached_at: str,
    deadline: float,
    place: Placement | None = None,
) -> Markup:
    images = {image.name for image in book.images} if book else set()
    placed = place if book is not None else None
    number, before = (placed.chapter, placed.counts()) if placed else (0, None)
    draft = draft_chapter(markdown, images | set(attached), cache, PREVIEW, number, before)
    ast, bibliography, numbering = draft.ast, None, []
    # The draft's own labels, over the book's (those of the text it replaces among them).
    labels = {thing.id: thing for thing in draft.numbered if thing.id}
    if book is None:
        resolve_references(ast, labels)
    else:
        text = prepare_chapters(book, cache)
        resolve_references(ast, {**text.labels, **labels})
        # The draft stands for no chapter: ids it does not define link to the chapter that does.
        owner_of = {**text.owners, **dict.fromkeys(draft.ids, "")}
        chapters = f"/books/{book.slug}/chapters/"
        ast = resolve_links(draft, owner_of, lambda owner, target: f"{chapters}{owner}#{target}")
        ast = resolve_images(ast, f"/books/{book.slug}/images/")
        ast = own_images(ast, book.slug, attached, attached_at)
        bibliography = text.bibliography
    if placed is not None:
        numbering = placed.numbering(
            next((b["c"][0] for b in ast["blocks"] if b["t"] == "Header"), 2)
        )
    left = PREVIEW.within(deadline - time.monotonic())
    written = render_chapter(
        "html", draft, ast, bibliography, cache, clean_html, numbering=numbering, limits=left
    )
    # The preview sits under the page's own h1: a chapter's title shows as an h2 there.
    return Markup(CHAPTER_TITLE.sub(r"<\1h2", written))  # sanitised twice, see above


def own_images(
    ast: dict[str, Any], slug: str, attached: Collection[str], attached_at: str
) -> dict[str, Any]:
    """The proposal's own images instead of the book's of the same name."""
    for node in nodes(ast["blocks"]):
        if node["t"] == "Image":
            name = node["c"][2][0].removeprefix(f"/books/{slug}/images/")
            if name in attached:
                node["c"][2][0] = attached_at + name
    return ast
