"""The sample book's index and glossary as readers get them: a web page and an EPUB document
linking each entry to its places, a printed index whose page numbers point at pages that hold
the term, a glossary that is back matter (no chapter number) in every format, and terms in the
text that show their definition."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from pypdf import PdfReader

from textbook.projections.publishing.pipeline import BuildReport


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def entries(index: BeautifulSoup) -> list[Tag]:
    return index.select("ul.index-entries > li")


def text(tag: Tag) -> str:
    return " ".join(tag.get_text().split())


def term_of(item: Tag) -> str:
    found = item.select_one(".index-term")
    assert found is not None
    return found.get_text()


def test_the_web_index_groups_entries_by_letter_and_links_to_each_place(
    sample_build: BuildReport,
) -> None:
    folder = sample_build.outputs["html"]
    index = soup(folder / "book-index.html")
    letters = [h.get_text() for h in index.select(".index-group > h2")]
    assert letters == sorted(letters) and {"B", "N", "S"} <= set(letters)
    terms = [term_of(item) for item in entries(index)]
    assert len(terms) >= 40
    assert [t.casefold() for t in terms] == sorted(t.casefold() for t in terms)
    subentries = {
        term_of(item): [text(s) for s in item.select(".index-subentries > li")]
        for item in entries(index)
    }
    assert "bisection, 2.1" in subentries["root finding"]
    assert any(s.startswith("Newton\u2019s method, 2.") for s in subentries["root finding"])
    see = {term_of(i): i.get_text().strip() for i in entries(index) if i.select(".index-see")}
    assert see["LU decomposition"] == "LU decomposition, see LU factorization"
    # Every link goes to an element on that page, in the section it names.
    links = index.select(".index-locators a")
    assert len(links) >= 50
    pages: dict[str, BeautifulSoup] = {}
    for link in links:
        page, _, anchor = str(link["href"]).partition("#")
        pages.setdefault(page, soup(folder / page))
        target = pages[page].find(id=anchor)
        assert target is not None, link["href"]
    newton = next(i for i in entries(index) if term_of(i) == "Newton\u2019s method")
    first = newton.select(".index-locators a")[0]
    page, _, anchor = str(first["href"]).partition("#")
    assert first.get_text() == "2.2" and page == "root-finding.html"
    target = soup(folder / page).find(id=anchor)
    assert target is not None and "Newton\u2019s method" in target.get_text()
    section = target.find_parent("section", class_="level2")
    assert section is not None and section["id"] == "newton-method"
    contents = soup(folder / "index.html")
    assert contents.select_one("nav.toc a[href='book-index.html']") is not None
    chapter = soup(folder / "odes.html")
    assert chapter.select_one("nav.chapter-nav a[href='book-index.html']") is not None


def test_the_glossary_is_back_matter_without_a_number(sample_build: BuildReport) -> None:
    folder = sample_build.outputs["html"]
    glossary = soup(folder / "glossary.html")
    title = glossary.select_one("title")
    assert title is not None and title.get_text() == "Glossary · Numerical Methods"
    heading = glossary.select_one("main h1")
    assert heading is not None and heading.get_text(" ", strip=True) == "Glossary"
    assert not glossary.select("main .header-section-number")
    previous = glossary.select_one("a[rel=prev]")
    assert previous is not None and previous.get_text() == "← 8. Eigenvalues and Eigenvectors"
    assert len(glossary.select("main section.level2[id^=gls-]")) >= 15
    contents = soup(folder / "index.html")
    numbered = [a.get_text() for a in contents.select("ol.chapters > li > a")]
    assert len(numbered) == 8 and "Glossary" not in numbered
    back = [a.get_text() for a in contents.select("ul.back-matter a")]
    assert back == ["Glossary", "Index"]
    search = json.loads((folder / "search.json").read_text())
    found = [e for e in search if e["href"] == "glossary.html#gls-secant-method"]
    assert found and found[0]["chapter"] == "Glossary"
    assert "golden ratio" in found[0]["text"]
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        nav = BeautifulSoup(epub.read("EPUB/nav.xhtml"), "html.parser")
        text = epub.read("EPUB/glossary.xhtml").decode()
    titles = [a.get_text() for a in nav.select("nav#toc > ol > li > a")]
    assert titles[-3:] == ["8. Eigenvalues and Eigenvectors", "Glossary", "Index"]
    page = BeautifulSoup(text, "html.parser")
    section = page.select_one("section#glossary")
    assert section is not None
    assert section["epub:type"] == "glossary" and section["role"] == "doc-glossary"
    terms = page.select("dl > dt")
    assert len(terms) >= 15 and terms[0]["id"] == "gls-catastrophic-cancellation"
    assert page.select_one("dt#gls-secant-method + dd") is not None


def test_terms_in_the_text_carry_their_definition_and_link_to_the_glossary(
    sample_build: BuildReport,
) -> None:
    page = soup(sample_build.outputs["html"] / "root-finding.html")
    link = page.select_one("a.term[href='glossary.html#gls-secant-method']")
    assert link is not None and link.get_text() == "secant method"
    tip = page.find(id=str(link["aria-describedby"]))
    assert tip is not None and tip["role"] == "tooltip"
    assert "golden ratio" in tip.get_text()
    assert not page.select(".unresolved")
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        chapter = epub.read("EPUB/root-finding.xhtml").decode()
    assert 'href="glossary.xhtml#gls-secant-method"' in chapter


def test_the_epub_index_links_each_entry_to_its_places(sample_build: BuildReport) -> None:
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        index = BeautifulSoup(epub.read("EPUB/book-index.xhtml"), "html.parser")
        opf = epub.read("EPUB/content.opf").decode()
        nav = epub.read("EPUB/nav.xhtml").decode()
        ids = {
            name: set(re.findall(r'id="([^"]+)"', epub.read(name).decode()))
            for name in epub.namelist()
            if name.endswith(".xhtml")
        }
    section = index.select_one("section#book-index")
    assert section is not None and section["epub:type"] == "index"
    assert section["role"] == "doc-index"
    assert len(entries(index)) >= 40
    for link in index.select(".index-locators a"):
        page, _, anchor = str(link["href"]).partition("#")
        assert anchor in ids[f"EPUB/{page}"], link["href"]
    assert 'href="book-index.xhtml"' in opf and '<itemref idref="book-index" />' in opf
    assert 'epub:type="index" href="book-index.xhtml"' in nav
    assert 'epub:type="glossary" href="glossary.xhtml"' in nav


def words(text: str) -> str:
    """A page's text with words broken at the line's end joined again, in one case."""
    return " ".join(re.sub(r"-\n", "", text).split()).casefold()


def test_the_printed_index_gives_pages_that_hold_each_term(sample_build: BuildReport) -> None:
    reader = PdfReader(sample_build.outputs["pdf"])
    pages = [page.extract_text() for page in reader.pages]
    labels = reader.page_labels
    start = max(i for i, text in enumerate(pages) if text.lstrip().startswith("Index"))
    index = "\n".join(pages[start:])
    assert "Symbols" not in index and "\nB\n" in index
    by_label = {label: i for i, label in enumerate(labels)}
    checked = 0
    for term, word in [
        ("bisection method", "bisection"),
        ("catastrophic cancellation", "cancellation"),
        ("condition number", "condition number"),
        ("Gaussian elimination", "gaussian elimination"),
        ("Rayleigh quotient", "rayleigh quotient"),
        ("Simpson\u2019s rule", "simpson"),
        ("trapezoidal rule", "trapezoidal rule"),
    ]:
        match = re.search(re.escape(term) + r",\s*([\d,\s]+)", index)
        assert match, f"{term} is not in the printed index"
        numbers = [n for n in re.split(r"[,\s]+", match.group(1).strip()) if n]
        assert numbers == sorted(numbers, key=int) and len(set(numbers)) == len(numbers)
        for number in numbers:
            assert word in words(pages[by_label[number]]), f"{term}: not on page {number}"
            checked += 1
    assert checked >= 9
    assert "see LU factorization" in " ".join(index.split())
    # A term marked in a footnote (chapter 8's on PageRank) has the page of the note's call.
    match = re.search(r"power iteration,\s*(\d+)", index)
    assert match, "power iteration, marked only in a footnote, has no page in the printed index"
    assert "cheap for large sparse matrices" in words(pages[by_label[match.group(1)]])
