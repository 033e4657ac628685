"""The site's reader pages of a book that lists the works it cites once (`bibliography: book`):
its chapters cite but list nothing, each citation leads to the book's references page, and every
link a reader can follow from the home page works."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from tests.crawl import Crawl
from tests.web.conftest import served
from textbook.config import Settings
from textbook.storage import open_textbook
from textbook.web.app import create_app


@pytest.fixture
def reader(settings: Settings) -> Iterator[TestClient]:
    app = open_textbook(settings)
    import_folder(app, FIXTURES / "cited")
    import_folder(app, FIXTURES / "tiny")  # lists its references after its chapter
    app.close()
    with TestClient(create_app(served(settings))) as client:
        yield client


def page(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def test_chapters_link_their_citations_to_the_books_references_page(reader: TestClient) -> None:
    sums = page(reader, "/books/cited/chapters/sums")
    text = " ".join(sums.get_text().split())
    assert "(Higham 2002, chap. 4; Knuth 1997)" in text
    assert sums.select("#refs, .csl-entry") == []
    hrefs = [a["href"] for a in sums.select("a[role=doc-biblioref]")]
    assert hrefs == [
        "/books/cited/references#ref-knuth1997",
        "/books/cited/references#ref-higham2002",
        "/books/cited/references#ref-knuth1997",
    ]
    assert "/books/cited/references" in [a["href"] for a in sums.select("nav.chapter-nav a")]
    references = page(reader, "/books/cited/references")
    assert [e["id"] for e in references.select(".csl-entry")] == [
        "ref-goldberg1991",
        "ref-higham2002",
        "ref-knuth1997",
    ]
    book = page(reader, "/books/cited")
    assert "/books/cited/references" in [a["href"] for a in book.select(".back-matter a")]


def test_a_book_with_references_per_chapter_has_no_references_page(reader: TestClient) -> None:
    first = page(reader, "/books/tiny/chapters/first")
    assert len(first.select(".csl-entry")) == 1  # its list, after the chapter, as before
    assert reader.get("/books/tiny/references").status_code == 404


def test_every_link_of_the_cited_book_works(reader: TestClient) -> None:
    crawl = Crawl(reader, "anonymous")  # a TestClient is an httpx client
    crawl.run(["/", "/books/cited/chapters/sums"])
    assert "/books/cited/references" in crawl.visits
    assert crawl.problems() == []


def test_a_past_version_keeps_its_moment_on_the_way_to_the_references(reader: TestClient) -> None:
    moment = datetime.now(UTC).date().isoformat()
    sums = page(reader, f"/books/cited/chapters/sums?as_of={moment}")
    hrefs = [str(a["href"]) for a in sums.select("a[role=doc-biblioref]")]
    # The moment as the page keeps it: the end of that day, UTC.
    kept = f"?as_of={moment}T23%3A59%3A59.999999%2B00%3A00"
    assert hrefs[0] == f"/books/cited/references{kept}#ref-knuth1997"
    references = page(reader, f"/books/cited/references{kept}")
    assert len(references.select(".csl-entry")) == 3
    assert references.select(".old-version")
