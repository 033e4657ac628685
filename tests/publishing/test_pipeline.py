"""One pipeline: the preview shows a text as the book prints it, and publishers share nothing."""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from ziamath.config import config as ziamath_config

from tests.publishing.conftest import Publisher as Store
from textbook.domain.state import BookState, SectionState
from textbook.projections.publishing.cache import PreviewCache
from textbook.projections.publishing.drafting import placement
from textbook.projections.publishing.epub import EpubFormat
from textbook.projections.publishing.formulas import MathRenderer
from textbook.projections.publishing.html import HtmlFormat
from textbook.projections.publishing.library import Library
from textbook.projections.publishing.pdf import PdfFormat
from textbook.projections.publishing.pipeline import Publisher
from textbook.projections.publishing.preview import PreviewBusy, preview
from textbook.projections.publishing.sources import BookToBuild

# A section with a second figure and a table, added to the tiny book's first chapter.
WEIGHING = """## Weighing {#weighing}

A scale reads as [the ruler](#fig-ruler) does, see [Summing](#summing).[^scale]

![A scale.](images/ruler.svg){#fig-scale}

| grams | reading |
|-------|---------|
| 10    | 10.1    |

: Readings of the scale {#tbl-readings}

### Footnotes {#footnotes}

An author's heading holds the id pandoc gives the notes: the notes' own section takes another.

[^scale]: Kitchen scales round to the gram.
"""


def with_weighing(state: BookState) -> BookState:
    first = state.chapters[0]
    sections = (*first.sections, SectionState("weighing", WEIGHING))
    chapters = (dataclasses.replace(first, sections=sections), *state.chapters[1:])
    return dataclasses.replace(state, chapters=chapters)


def as_the_editor_shows_it(fragment: str, state: BookState) -> str:
    """A chapter page's HTML with its addresses as the editor's page needs them (absolute: the
    preview is not shown under /chapters/), and its title as an h2 under the page's own h1."""
    names = "|".join(re.escape(c.id) for c in state.chapters)
    chapters = f"/books/{state.slug}/chapters/"
    fragment = re.sub(f'href="({names})#', lambda m: f'href="{chapters}{m[1]}#', fragment)
    fragment = fragment.replace('src="images/', f'src="/books/{state.slug}/images/')
    return re.sub(r"<(/?)h1\b", r"<\1h2", fragment)


def captions(html: str) -> dict[str, str]:
    """Each figure's caption by its id, and each table's by the name of its scrolling box."""
    page = BeautifulSoup(html, "html.parser")
    found: dict[str, str] = {}
    for figure in page.select("figure[id]"):
        found[str(figure["id"])] = text_of(figure.figcaption)
    for table in page.select("table"):
        box = table.find_parent("div", class_="table-scroll")
        found[str(box["aria-label"]) if box else ""] = text_of(table.caption)
    return found


def text_of(tag: Tag | None) -> str:
    assert tag is not None
    return tag.get_text(" ", strip=True)


def test_the_preview_of_a_text_is_its_chapter_in_the_book(publisher: Store, tmp_path: Path) -> None:
    tiny = publisher.book("tiny")
    book = BookToBuild(with_weighing(tiny.state), [], tiny.edition, tiny.images)
    state = book.state
    library = Library(tmp_path / "build")
    readable = library.render(book)

    # A whole chapter previewed in its place reads as its page in the book, to the byte.
    for chapter in state.chapters:
        place = placement(state, library.cache, "edit", chapter.sections[0].id, "", "")
        shown = str(preview(chapter.text, state, library.previews, place=place))
        assert shown == as_the_editor_shows_it(readable.fragment(chapter.id), state)

    # A section on its own: its figure and table are numbered as in the book (the ruler before
    # it in the chapter is Figure 1.1), and its links go where the book's go.
    book_captions = captions(readable.fragment("first"))
    assert book_captions["fig-scale"] == "Figure 1.2: A scale."
    assert book_captions["Table 1.1: Readings of the scale"] == ("Table 1.1: Readings of the scale")
    place = placement(state, library.cache, "edit", "weighing", "", "")
    shown = str(preview(WEIGHING, state, library.previews, place=place))
    assert captions(shown) == {
        k: v
        for k, v in book_captions.items()
        if k in ("fig-scale", "Table 1.1: Readings of the scale")
    }
    assert 'href="/books/tiny/chapters/second#summing"' in shown
    assert 'href="#fig-ruler"' not in shown  # the ruler is not in the draft: its chapter's page
    assert 'href="/books/tiny/chapters/first#fig-ruler"' in shown
    assert shown.count('id="footnotes"') == 1 and 'id="footnotes-2"' in shown


def test_two_publishers_in_one_process_keep_their_own_settings_and_layouts(
    publisher: Store,
) -> None:
    book = publisher.book("tiny")  # its second chapter has a formula
    plain = Publisher()
    larger = Publisher([HtmlFormat(), EpubFormat(), PdfFormat(MathRenderer(size=30.0))])
    before = plain.build(book, ["pdf"], publisher.root / "a", publisher.root / "cache")
    other = larger.build(book, ["pdf"], publisher.root / "b", publisher.root / "cache")
    after = plain.build(book, ["pdf"], publisher.root / "c", publisher.root / "cache")
    first, second, third = (r.outputs["pdf"].read_bytes() for r in (before, other, after))
    assert first == third  # the other publisher's formulas changed nothing of this one's
    assert second != first
    pdf_of = {id(p): p.formats["pdf"] for p in (plain, larger)}
    layouts = [f.layouts for f in pdf_of.values() if isinstance(f, PdfFormat)]
    assert len(layouts) == 2 and layouts[0] is not layouts[1]
    # The chapter without formulas is laid out alike by both, each keeping its own layout.
    shared = set(layouts[0].documents) & set(layouts[1].documents)
    assert len(shared) == 1
    assert all(layouts[0].documents[k] is not layouts[1].documents[k] for k in shared)


def test_math_renderers_with_different_settings_do_not_leak_into_each_other() -> None:
    tex = r"\frac{x^2}{y} + x"
    found = ziamath_config.svg2
    paths, symbols = MathRenderer(), MathRenderer(svg2=True)
    first = paths.svg(tex, True)
    reused = symbols.svg(tex, True)
    assert b"<use" not in first and b"<use" in reused
    assert paths.svg(tex, True) == first
    assert ziamath_config.svg2 == found  # ziamath's own setting is as it was

    # At once, in threads: each renderer draws with its own settings.
    results: dict[str, list[bytes]] = {"paths": [], "symbols": []}

    def draw(name: str, renderer: MathRenderer) -> None:
        for _ in range(5):
            results[name].append(renderer.svg(tex, True))

    threads = [
        threading.Thread(target=draw, args=("paths", paths)),
        threading.Thread(target=draw, args=("symbols", symbols)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["paths"] == [first] * 5
    assert results["symbols"] == [reused] * 5


def test_each_preview_cache_has_its_own_slots(tmp_path: Path) -> None:
    busy = PreviewCache(tmp_path / "a", slots=1, wait=0.1)
    free = PreviewCache(tmp_path / "b", slots=1, wait=0.1)
    assert busy.slots.acquire(timeout=1)
    try:
        with pytest.raises(PreviewBusy):
            preview("Some *text*.", None, busy)
        assert "<em>text</em>" in str(preview("Some *text*.", None, free))
    finally:
        busy.slots.release()
