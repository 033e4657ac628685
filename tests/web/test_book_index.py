"""The site's reader pages of the sample book: the glossary unnumbered, terms with their
definition, an index page linking to the places, and a term the glossary lacks shown in the
preview as a problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.conftest import SAMPLE, import_folder
from tests.web.conftest import csrf_of, served, sign_in
from textbook.config import Settings
from textbook.storage import open_textbook
from textbook.web.app import create_app


@pytest.fixture
def reader(settings: Settings) -> Iterator[TestClient]:
    app = open_textbook(settings)
    import_folder(app, SAMPLE)
    app.register_user("alice", "alice@example.org", "correct horse")
    app.grant("numerical-methods", "alice", "author")
    app.close()
    with TestClient(create_app(served(settings))) as client:
        yield client


def page(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def text(tag: Any) -> str:
    return " ".join(str(tag.get_text()).split())


def test_reader_pages_have_an_unnumbered_glossary_terms_and_an_index(reader: TestClient) -> None:
    book = page(reader, "/books/numerical-methods")
    assert [text(a) for a in book.select("nav.toc ul.back-matter a")] == ["Glossary", "Index"]
    assert "Glossary" not in [text(a) for a in book.select("nav.toc ol.chapters > li > a")]
    glossary = page(reader, "/books/numerical-methods/chapters/glossary")
    title = glossary.select_one("title")
    assert title is not None and text(title).startswith("Glossary ·")
    assert text(glossary.select_one("a[rel=prev]")) == "← 8. Eigenvalues and Eigenvectors"
    tools = text(glossary.select_one("aside.section-tools"))
    assert "Edit §1 of the glossary" in tools and "§9." not in tools and "§0." not in tools
    chapter = page(reader, "/books/numerical-methods/chapters/root-finding")
    link = chapter.select_one("a.term[href='glossary#gls-secant-method']")
    assert link is not None
    tip = chapter.find(id=str(link["aria-describedby"]))
    assert tip is not None and "golden ratio" in text(tip)
    assert chapter.select_one("script[src='/assets/terms.js']") is not None
    index = page(reader, "/books/numerical-methods/book-index")
    links = index.select(".book-index .index-locators a")
    assert len(index.select("ul.index-entries > li")) >= 40 and links
    href = str(links[0]["href"])
    assert href.startswith("/books/numerical-methods/chapters/") and "#idx-" in href
    assert reader.get("/assets/terms.js").status_code == 200


def test_the_preview_shows_a_term_the_glossary_lacks(reader: TestClient) -> None:
    sign_in(reader, "alice")
    form = reader.get("/books/numerical-methods/sections/bisection/edit")
    text_with_term = "## Bisection {#bisection}\n\nHalve the [regula falsi]{.term} bracket.\n"
    response = reader.post(
        "/preview",
        data={"csrf": csrf_of(form.text), "text": text_with_term, "book": "numerical-methods"},
    )
    shown = BeautifulSoup(response.json()["html"], "html.parser")
    problems = text(shown.select_one(".problems"))
    assert "1 problem to fix before proposing" in problems
    assert "Line 3: the term 'regula falsi' is not in the glossary" in problems
    assert text(shown.select_one(".unresolved")) == "regula falsi"


def test_a_glossary_entry_previews_and_is_offered_without_a_chapter_number(
    reader: TestClient,
) -> None:
    sign_in(reader, "alice")
    form = reader.get("/books/numerical-methods/sections/gls-secant-method/edit")
    editor = BeautifulSoup(form.text, "html.parser")
    data = json.loads(text(editor.select_one("script#editor-data")))
    labels = {target["id"]: target["label"] for target in data["targets"]}
    assert labels["glossary"] == "Glossary"
    assert labels["gls-secant-method"] == "Glossary: Secant method"
    assert labels["bisection"] == "Section 2.1: Bisection"
    entry = "## Secant method {#gls-secant-method}\n\nA method using the last two iterates.\n"
    response = reader.post(
        "/preview",
        data={
            "csrf": csrf_of(form.text),
            "text": entry,
            "book": "numerical-methods",
            "kind": "edit",
            "section": "gls-secant-method",
        },
    )
    shown = BeautifulSoup(response.json()["html"], "html.parser")
    assert text(shown.select_one("h2")) == "Secant method"
    assert not shown.select(".header-section-number")


def test_the_task_board_names_the_glossary_without_a_chapter_number(reader: TestClient) -> None:
    sign_in(reader, "alice")
    form = page(reader, "/books/numerical-methods/needs/new")
    places = [text(option) for option in form.select("option")]
    assert "1. Numbers in a Machine (the whole chapter)" in places
    assert "Glossary (the whole chapter)" in places
    assert "Secant method" in places  # an entry of the glossary, not "9.3 Secant method"
    assert not [p for p in places if p.startswith("9.") or p.startswith("9 ")]
    board = page(reader, "/books/numerical-methods/needs")
    chapters = [text(o) for o in board.select("#f-chapter option")]
    assert chapters[-1] == "Glossary" and chapters[1].startswith("1. ")
