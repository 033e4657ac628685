"""The editor's help: what its pickers offer, and a preview numbered and linked as the book."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in

FIGURE = "![A second ruler.](images/ruler.svg){#fig-again}"


def preview(client: TestClient, text: str, **where: str) -> BeautifulSoup:
    page = client.get("/books/tiny/sections/counting/edit")
    data = {"csrf": csrf_of(page.text), "book": "tiny", "text": text, **where}
    response = client.post("/preview", data=data)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.json()["html"], "html.parser")


def texts(html: BeautifulSoup, selector: str) -> list[str]:
    return [found.get_text(" ", strip=True) for found in html.select(selector)]


def test_editor_page_offers_the_books_works_images_and_ids(client: TestClient) -> None:
    sign_in(client, "alice")
    page = BeautifulSoup(client.get("/books/tiny/sections/counting/edit").text, "html.parser")
    data = json.loads(page.select_one("script#editor-data").get_text())  # type: ignore[union-attr]
    assert [work["key"] for work in data["works"]] == ["knuth1997"]
    assert "The art of computer programming" in data["works"][0]["label"]
    assert data["images"] == ["ruler.svg"]
    labels = {target["id"]: target["label"] for target in data["targets"]}
    assert labels["first"] == "Chapter 1: First Steps"
    assert labels["measuring"] == "Section 1.2: Measuring"
    assert labels["fig-ruler"] == "Figure 1.1: A ruler."
    assert labels["summing"] == "Section 2.1: Summing"
    toolbar = page.select_one("[role=toolbar]")
    assert toolbar is not None and toolbar.get("aria-label") == "Formatting"


def test_preview_numbers_sections_and_captions_as_the_book(client: TestClient) -> None:
    sign_in(client, "alice")
    # An edit of the chapter's second section: section 1.2, its figure the chapter's first.
    text = "## Measuring {#measuring}\n\nSee [Summing](#summing).\n\n" + FIGURE + "\n"
    html = preview(client, text, kind="edit", section="measuring")
    assert texts(html, "h2") == ["1.2 Measuring"]
    assert texts(html, "figcaption") == ["Figure 1.1: A second ruler."]
    assert [a["href"] for a in html.select("p a")] == ["/books/tiny/chapters/second#summing"]

    # A new section after it: section 1.3, and the figure comes after the ruler, 1.2.
    text = "## Weighing {#weighing}\n\n" + FIGURE + "\n"
    html = preview(client, text, kind="add_section", chapter="first", after="measuring")
    assert texts(html, "h2") == ["1.3 Weighing"]
    assert texts(html, "figcaption") == ["Figure 1.2: A second ruler."]

    # A new chapter after the first: chapter 2, its figures counted from 2.1.
    text = "# Between {#between}\n\n" + FIGURE + "\n"
    html = preview(client, text, kind="add_chapter", after="first")
    # The preview sits under the editor page's own h1, so the chapter's title is an h2 there.
    assert texts(html, "h1") == []
    assert texts(html, "h2") == ["2 Between"]
    assert texts(html, "figcaption") == ["Figure 2.1: A second ruler."]


def test_preview_with_a_place_not_in_the_book_renders_unnumbered(client: TestClient) -> None:
    sign_in(client, "alice")
    text = "## Elsewhere {#elsewhere}\n\n" + FIGURE + "\n"
    for where in (
        {"kind": "edit", "section": "no-such-section"},
        {"kind": "add_section", "chapter": "no-such-chapter"},
        {"kind": "move_section", "section": "counting"},
        {"kind": "edit", "section": "x" * 5000, "after": "\u0000"},
    ):
        html = preview(client, text, **where)
        assert texts(html, "h2") == ["Elsewhere"], where
        assert texts(html, "figcaption") == ["A second ruler."], where


def test_new_section_and_chapter_pages_have_the_editors_help(client: TestClient) -> None:
    sign_in(client, "alice")
    for url, kind in (
        ("/books/tiny/new?chapter=first", "add_section"),
        ("/books/tiny/new", "add_chapter"),
    ):
        page = client.get(url)
        assert page.status_code == 200, page.text
        html = BeautifulSoup(page.text, "html.parser")
        assert html.select_one("[role=toolbar][aria-label=Formatting]") is not None
        textarea = html.select_one("textarea#text")
        assert textarea is not None and textarea["data-kind"] == kind
        assert html.select_one("script#editor-data") is not None
