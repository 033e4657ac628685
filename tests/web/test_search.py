"""Searching a book in the web app, as a reader sees the results page (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from textbook.config import Settings
from textbook.storage import open_textbook
from textbook.web.app import create_app

SEARCH = "/books/searchable/search"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A book on Gaussian elimination, with math, code and a footnote-free second chapter."""
    app = open_textbook(settings)
    source = FIXTURES / "searchable"
    import_folder(app, source)
    app.close()
    web = Settings(
        database=settings.database, build_dir=settings.build_dir, var=settings.var, secret_key=None
    )
    with TestClient(create_app(web)) as test_client:
        yield test_client


def results(client: TestClient, query: str) -> tuple[int, BeautifulSoup]:
    response = client.get(SEARCH, params={"q": query})
    return response.status_code, BeautifulSoup(response.text, "html.parser")


def status_of(page: BeautifulSoup) -> str:
    found = page.select_one("main [role=status]")
    assert found is not None
    return " ".join(found.get_text("").split())


def titles(page: BeautifulSoup) -> list[str]:
    return [" ".join(a.get_text("").split()) for a in page.select(".search-results li > a")]


def marks(page: BeautifulSoup) -> list[str]:
    return [m.get_text() for m in page.select(".search-results mark")]


@pytest.fixture(autouse=True)
def the_book_is_served(client: TestClient) -> None:
    assert client.get("/books/searchable").status_code == 200


def test_a_misspelt_query_finds_what_was_meant_and_says_how_it_was_read(
    client: TestClient,
) -> None:
    status, page = results(client, "gausian elimnation")
    assert status == 200
    assert status_of(page) == (
        "2 sections of Solving Linear Systems match “gausian elimnation”, "
        "read as gaussian elimination."
    )
    assert titles(page) == [
        "1. Direct Methods › Gaussian Elimination",
        "2. Iterative Methods › Jacobi Iteration",
    ]
    first = page.select(".search-results li")[0]
    assert [m.get_text() for m in first.select("a mark")] == ["Gaussian", "Elimination"]
    assert {m.get_text().lower() for m in first.select(".context mark")} == {
        "gaussian",
        "elimination",
    }


def test_a_correctly_spelt_query_is_not_read_as_anything_else(client: TestClient) -> None:
    _, page = results(client, "pivoting")
    assert status_of(page) == "1 section of Solving Linear Systems matches “pivoting”."
    assert titles(page) == ["1. Direct Methods › Pivoting"]
    assert set(marks(page)) == {"Pivoting", "pivoting"}


def test_a_quoted_phrase_finds_only_those_words_in_a_row(client: TestClient) -> None:
    _, words = results(client, "elimination gaussian")
    assert len(titles(words)) == 2
    _, phrase = results(client, '"gaussian elimination"')
    assert titles(phrase) == ["1. Direct Methods › Gaussian Elimination"]
    assert marks(phrase) == ["Gaussian Elimination", "Gaussian elimination"]  # whole phrases
    _, other = results(client, '"elimination gaussian"')
    assert titles(other) == ["2. Iterative Methods › Jacobi Iteration"]
    assert marks(other) == ["elimination: Gaussian"]


def test_a_misspelt_phrase_is_read_as_the_books_words(client: TestClient) -> None:
    _, page = results(client, '"gausian elimnation"')
    assert "read as “gaussian elimination”" in status_of(page)
    assert titles(page) == ["1. Direct Methods › Gaussian Elimination"]


def test_snippets_show_math_as_text_never_as_tex(client: TestClient) -> None:
    _, page = results(client, "multiplier")
    snippet = page.select_one(".search-results .context")
    assert snippet is not None
    text = snippet.get_text("", strip=True)
    assert "a_ik/a_kk" in text  # \frac{a_{ik}}{a_{kk}}, as a reader would say it
    assert "𝒪(n^3)" in text  # \mathcal{O}(n^3)
    _, jacobi = results(client, "jacobi")
    everything = jacobi.select_one(".search-results").get_text(" ", strip=True)  # type: ignore[union-attr]
    assert "‖r‖ ≤ε" in everything
    for tex in ("\\", "{", "}", "frac", "mathcal", "varepsilon"):
        assert tex not in text and tex not in everything


def test_text_that_looks_like_html_is_shown_as_text_and_marked_safely(client: TestClient) -> None:
    _, page = results(client, "bold")
    snippet = page.select_one(".search-results .context")
    assert snippet is not None
    assert "<b>bold</b> & <i>italic</i>" in snippet.get_text("", strip=True)
    assert snippet.select("b, i") == []  # shown, not obeyed
    assert [m.get_text() for m in snippet.select("mark")] == ["bold", "bold"]


@pytest.mark.parametrize(
    "query",
    [
        '<script>alert("x")</script> gaussian',
        '"><img src=x onerror=alert(1)> gaussian',
        "</mark><mark> gaussian",
        '"unclosed phrase gaussian',
        "&lt;b&gt; gaussian",
    ],
)
def test_a_hostile_query_is_shown_as_typed_and_runs_nothing(client: TestClient, query: str) -> None:
    status, page = results(client, query)
    assert status == 200
    assert page.select("main script, main img, main [onerror]") == []
    assert f"“{query}”" in status_of(page) or query in status_of(page)
    box = page.select_one("input[name=q]")
    assert box is not None and box["value"] == query
    for mark in page.select("mark"):
        assert mark.find() is None  # marks hold text only


def test_nothing_found_says_what_to_try(client: TestClient) -> None:
    _, page = results(client, "xylophone")
    assert status_of(page) == "0 sections of Solving Linear Systems match “xylophone”."
    text = page.select_one("main").get_text(" ", strip=True)  # type: ignore[union-attr]
    assert 'put "quotation marks" around words that belong together' in text
    assert page.select(".search-results") == []


def test_a_query_over_the_limits_is_refused_and_kept_in_the_box(client: TestClient) -> None:
    query = "gaussian " * 11
    status, page = results(client, query)
    assert status == 400
    alert = page.select_one("main [role=alert]")
    assert alert is not None
    assert alert.get_text(strip=True) == (
        "The search has 99 characters and 11 words; search for at most 10 words and 200 characters."
    )
    assert page.select(".search-results li") == []
    box = page.select_one("input[name=q]")
    assert box is not None and box["value"] == query
