"""The published web edition's own search (search.js over search.json), in Chromium.

The edition is built from a fixture book and served as the static files readers download.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser.conftest import TIMEOUT_MS, console_errors
from tests.conftest import FIXTURES, import_folder
from tests.publishing.conftest import Publisher
from textbook.config import Settings
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

SHOTS = Path("/work/shots/search")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The searchable fixture book's web edition, served over HTTP; its base URL."""
    root = tmp_path_factory.mktemp("web-edition")
    settings = Settings(database=str(root / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, FIXTURES / "searchable")
    report = Publisher(app, views, root).build("searchable", "out", formats=("html",))
    app.close()
    views.close()
    handler = functools.partial(Quiet, directory=str(report.outputs["html"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def reader(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def page_errors(errors: list[ConsoleMessage]) -> list[str]:
    """Console errors but the browser's own request for /favicon.ico, which editions lack."""
    return [e.text for e in errors if not e.location["url"].endswith("/favicon.ico")]


def search(page: Page, edition: str, query: str) -> list[str]:
    errors = console_errors(page)
    page.goto(f"{edition}search.html?q={quote(query)}")
    status = page.locator("#search-status")
    expect(status).to_contain_text(query)
    assert page_errors(errors) == []
    return [" ".join(t.split()) for t in page.locator("#search-results li > a").all_inner_texts()]


def test_the_web_edition_forgives_typos_and_marks_what_it_found(reader: Page, edition: str) -> None:
    found = search(reader, edition, "gausian elimnation")
    assert "read as gaussian elimination" in reader.locator("#search-status").inner_text()
    assert found == [
        "1. Direct Methods › Gaussian Elimination",
        "2. Iterative Methods › Jacobi Iteration",
    ]
    first = reader.locator("#search-results li").first
    assert first.locator("a mark").all_inner_texts() == ["Gaussian", "Elimination"]
    snippet = first.locator(".context").inner_text()
    assert "a_ik/a_kk" in snippet and "\\" not in snippet and "frac" not in snippet
    SHOTS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(SHOTS / "web-edition-1280.png"), full_page=True)
    reader.set_viewport_size({"width": 390, "height": 800})
    reader.screenshot(path=str(SHOTS / "web-edition-390.png"), full_page=True)


def test_the_web_edition_finds_quoted_phrases_only_in_a_row(reader: Page, edition: str) -> None:
    assert len(search(reader, edition, "elimination gaussian")) == 2
    phrase = search(reader, edition, '"elimination gaussian"')
    assert phrase == ["2. Iterative Methods › Jacobi Iteration"]
    assert reader.locator("#search-results mark").all_inner_texts() == ["elimination: Gaussian"]


def test_the_web_edition_shows_a_hostile_query_as_text(reader: Page, edition: str) -> None:
    query = '<img src=x onerror="document.title=1"> gaussian'
    search(reader, edition, query)
    assert reader.locator("main img").count() == 0
    assert reader.title() != "1"
    assert query in reader.locator("#search-status").inner_text()
    search(reader, edition, "bold")
    snippet = reader.locator("#search-results .context").first
    assert "<b>bold</b> & <i>italic</i>" in snippet.inner_text()
    assert snippet.locator("b, i").count() == 0


def test_the_web_edition_refuses_a_query_over_the_limits(reader: Page, edition: str) -> None:
    errors = console_errors(reader)
    reader.goto(f"{edition}search.html?q={quote('gaussian ' * 11)}")
    expect(reader.locator("#search-status")).to_have_text(
        "The search has 99 characters and 11 words; search for at most 10 words and 200 characters."
    )
    assert reader.locator("#search-results li").count() == 0
    assert page_errors(errors) == []
