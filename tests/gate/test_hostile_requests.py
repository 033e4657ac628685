"""Hostile query strings and methods: a 4xx that says what is wrong, never a 5xx."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx2 as httpx
import pytest
from starlette.routing import Mount, Route

from tests.live import LiveServer
from tests.web.test_pages import text_of
from textbook.config import Settings
from textbook.web.app import create_app

AS_OF = [
    "9999-12-31T23:59:59-23:59",  # after the last moment a datetime can hold in UTC
    "0001-01-01T00:00:00+23:59",  # before the first
    "9999-12-31T23:59:59.999999",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01",
    "1970-01-01T00:00:00Z",  # before the book existed
    "2026-13-01",
    "2026-02-30T10:00:00Z",
    "2026-11-22T10:00:00+99:00",
    "2026-11-22T10:00:00+23:59:59.999999",
    "99999-01-01",
    "-2026-01-01",
    "2026-11-22T10:00:00\x00",
    "\x00",
    "1" * 60_000,
    "2026-11-22T10:00:00Z" * 50,
    "now",
    "\ud800",
    " 2026-11-22 ",
]


@pytest.mark.parametrize("value", AS_OF, ids=[repr(v[:30]) for v in AS_OF])
def test_any_as_of_answers_200_or_a_4xx_that_says_why(live: LiveServer, value: str) -> None:
    for page in ("/books/tiny", "/books/tiny/chapters/first"):
        query = quote(value.encode("utf-8", "surrogatepass"), safe="")  # a lone surrogate, too
        response = httpx.get(f"{live.url}{page}?as_of={query}")
        assert response.status_code in (200, 400, 404), (value[:40], response.status_code)
        if response.status_code == 400:
            assert "time" in response.text
        if response.status_code == 404:
            assert "did not exist yet" in response.text


def test_an_as_of_before_the_book_names_it(live: LiveServer) -> None:
    response = httpx.get(f"{live.url}/books/tiny", params={"as_of": "0001-01-01T00:00:00+23:59"})
    assert response.status_code == 400
    assert "is outside the times this book can show" in text_of(response.text, "main")
    response = httpx.get(f"{live.url}/books/tiny", params={"as_of": "1970-01-01T00:00:00Z"})
    assert response.status_code == 404
    page = text_of(response.text, "main")
    assert "A Tiny Book did not exist yet" in page
    assert "You asked for the book as it was at 1 Jan 1970, 00:00 UTC" in page
    assert 'href="/books/tiny/history"' in response.text  # and where to go from there


def paths(tmp_path: Path) -> dict[str, set[str]]:
    """Every route's path, with parameters filled in, and the methods it accepts."""
    settings = Settings(database=str(tmp_path / "t.sqlite"), build_dir=tmp_path, var=tmp_path)
    app = create_app(settings)
    fill = {
        "{slug}": "tiny",
        "{section}": "counting",
        "{chapter}": "first",
        "{proposal}": "7d0f4057-6c59-40b0-aeb9-6ff1c31c7faf",
        "{name}": "ruler.svg",
        "{format}": "epub",
    }
    found: dict[str, set[str]] = {}
    for route in app.routes:
        assert isinstance(route, (Route, Mount))
        path = route.path
        for name, value in fill.items():
            path = path.replace(name, value)
        if isinstance(route, Mount):
            found.setdefault(path + "/book.css", set()).update({"GET", "HEAD"})
        else:
            found.setdefault(path, set()).update(route.methods or ())
    return found


def test_every_405_says_which_methods_the_address_allows(live: LiveServer, tmp_path: Path) -> None:
    for path, methods in paths(tmp_path).items():
        wrong = "PUT" if "PUT" not in methods else "PATCH"
        response = httpx.request(wrong, f"{live.url}{path}")
        assert response.status_code == 405, path
        assert set(response.headers["allow"].split(", ")) == methods, path
