"""The PDF's pages as a press sets them: every chapter opens on a right-hand page, the front
matter is numbered in roman numerals and the body in arabic from 1 (as a reader's "go to page"
finds them), a page reference names the page its anchor is on, and back matter follows the
chapters with its page numbers."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import pikepdf
import pytest
import weasyprint
from pypdf import PdfReader

from tests.publishing.conftest import Publisher
from textbook.projections.publishing import pdf
from textbook.projections.publishing.cache import Cache
from textbook.projections.publishing.edition import STATIC
from textbook.projections.publishing.pipeline import BuildReport
from textbook.projections.publishing.prepare import prepare


def labels(path: Path) -> list[str]:
    return list(PdfReader(path).page_labels)


def test_chapters_open_on_right_hand_pages_numbered_from_one(sample_build: BuildReport) -> None:
    path = sample_build.outputs["pdf"]
    reader = PdfReader(path)
    names = labels(path)
    front = names.index("1")
    assert names[:front] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"][:front]
    assert front % 2 == 0  # page 1 is a right-hand page: the front matter fills whole sheets
    assert names[front:] == [str(n) for n in range(1, len(names) - front + 1)]
    openings = [
        index
        for index, page in enumerate(reader.pages)
        if (page.extract_text() or "").split("\n")[0].startswith("CHAPTER ")
    ]
    assert len(openings) == 8
    # The back matter (the glossary, the index) opens on right-hand pages too.
    openings += [
        index
        for index, page in enumerate(reader.pages)
        if (page.extract_text() or "").split("\n")[0] in ("Glossary", "Index")
    ]
    assert len(openings) == 10
    assert all(index % 2 == 0 for index in openings), openings  # sheet 1, 3, 5...: recto
    blanks = [i for i in range(front, len(names)) if not reader.pages[i].extract_text().strip()]
    assert blanks and all(i + 1 in openings for i in blanks)  # bare versos, only before parts


def test_page_labels_survive_as_tagged_pdf(sample_build: BuildReport) -> None:
    with pikepdf.open(sample_build.outputs["pdf"]) as document:
        assert "/StructTreeRoot" in document.Root
        assert document.Root.MarkInfo.Marked


def test_a_page_reference_names_the_page_of_its_anchor() -> None:
    span = '<span class="pageref" data-ref="{}">?</span>'
    assert pdf.fill_pagerefs(span.format("a--x"), {"a--x": 41}) == span.replace("?", "41").format(
        "a--x"
    )
    assert ">00<" in pdf.fill_pagerefs(span.format("a--y"), {})  # not known yet: as wide as 41
    # Within the chapter being laid out, WeasyPrint counts the page itself.
    assert 'data-href="#a--x"' in pdf.fill_pagerefs(span.format("a--x"), {}, here="a")


def test_back_matter_follows_the_chapters_with_the_pages_of_their_anchors(
    publisher: Publisher, tmp_path: Path
) -> None:
    book = publisher.book("tiny")
    prepared = prepare(book, Cache(tmp_path / "cache"))
    fmt = pdf.PdfFormat()
    folder = tmp_path / "work"
    pdf.stage_images(folder, book.images)
    text = prepared.text
    bodies = {
        c.id: pdf.chapter_html(c, text.owners, text.bibliography, folder, prepared.cache, fmt.math)
        for c in prepared.chapters
    }
    first = prepared.chapters[0]
    anchor = f"{first.id}--{first.id}"
    heard: list[Mapping[str, int]] = []

    def index(pages: Mapping[str, int]) -> str:
        heard.append(pages)
        return f'<h1 id="back-index">Index</h1><p>Opening, {pages[anchor]}</p>'

    back = [pdf.BackMatter("index", "Index", index)]
    target = tmp_path / "tiny.pdf"
    pdf.write_pdf(target, prepared.edition, bodies, folder, fmt.layouts, back=back)
    reader = PdfReader(target)
    names = labels(target)
    last = reader.pages[-1].extract_text() or ""
    assert "Index" in last and f"Opening, {heard[0][anchor]}" in last
    assert heard[0][anchor] == 1
    assert len(reader.pages) % 2 == 1 or (reader.pages[-2].extract_text() or "").strip() == ""
    assert names[len(names) - 1] == str(len(names) - names.index("1"))


def test_references_back_forward_and_within_a_chapter_name_their_pages(
    publisher: Publisher, tmp_path: Path
) -> None:
    book = publisher.book("tiny")
    prepared = prepare(book, Cache(tmp_path / "cache"))
    first = prepared.chapters[0]
    ref = '<span class="pageref" data-ref="{}"></span>'
    filler = "".join(f"<p>Filler paragraph {n} " + "word " * 120 + "</p>" for n in range(30))
    bodies = {
        first.id: (
            f'<h1 id="{first.id}--{first.id}">One</h1><p>Forward: p. {ref.format("two--far")}.'
            f" Here: p. {ref.format(first.id + '--late')}.</p>{filler}"
            f'<p id="{first.id}--late">The late paragraph.</p>'
        ),
    }
    second = dataclasses.replace(first, id="two", number=2, title="Two")
    bodies["two"] = (
        f'<h1 id="two--two">Two</h1><p>Back: p. {ref.format(first.id + "--late")}.</p>{filler}'
        '<p id="two--far">The far paragraph.</p>'
    )
    edition = dataclasses.replace(prepared.edition, chapters=[first, second])
    target = tmp_path / "refs.pdf"
    pdf.write_pdf(target, edition, bodies, tmp_path, pdf.Layouts(OrderedDict()))
    reader = PdfReader(target)
    names = labels(target)
    texts = [page.extract_text() or "" for page in reader.pages]

    def page_holding(words: str) -> str:
        return next(names[i] for i, text in enumerate(texts) if words in text)

    late, far = page_holding("The late paragraph"), page_holding("The far paragraph")
    assert int(late) > 1 and int(far) > int(late)
    opening = "\n".join(texts)
    assert f"Forward: p. {far}." in opening
    assert f"Here: p. {late}." in opening
    assert f"Back: p. {late}." in opening


def test_a_footnote_weasyprint_drops_is_laid_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint 70 can lose a footnote when widow and orphan control moves its call
    (Kozea/WeasyPrint#2432); a chapter whose notes are not all set is laid out again without it."""
    html = (
        '<!DOCTYPE html><html lang="en"><body class="chapter"><p>Text'
        '<span class="footnote">The note that must print.</span> and more.</p></body></html>'
    )
    css = weasyprint.CSS(filename=str(STATIC / "print.css"))
    typesetter = pdf.Typesetter(tmp_path, pdf.Layouts(OrderedDict()), css, None)
    counted: list[int] = []
    real = pdf.footnotes_drawn

    def dropped_once(document: object) -> int:
        counted.append(real(document))
        return 0 if len(counted) == 1 else counted[-1]

    monkeypatch.setattr(pdf, "footnotes_drawn", dropped_once)
    document = typesetter.lay_out(html, 1)
    assert counted == [1]  # seen as dropped once, so laid out again (and not checked again)
    target = tmp_path / "note.pdf"
    document.write_pdf(target)
    assert "The note that must print." in (PdfReader(target).pages[0].extract_text() or "")
    assert real(document) == 1
