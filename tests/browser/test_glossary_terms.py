"""Terms of the glossary in the sample book's web edition, in Chromium: the definition shows on
hover, on keyboard focus and on a tap (a second tap follows the link to the glossary), Escape
hides it; the chapter, the glossary and the index pass axe at a desktop's and a phone's width."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import TIMEOUT_MS, Server, console_errors
from tests.browser.test_accessibility import SERIOUS, described, violations
from tests.browser.test_web_edition_search import Quiet, page_errors
from tests.conftest import SAMPLE, import_folder
from tests.publishing.conftest import Publisher
from textbook.config import Settings
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

SHOTS = Path("/work/shots/glossary")
SECANT = "a.term[href='glossary.html#gls-secant-method']"


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample book's web edition, served over HTTP; its base URL."""
    root = tmp_path_factory.mktemp("glossary-edition")
    settings = Settings(database=str(root / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, SAMPLE)
    report = Publisher(app, views, root).build("numerical-methods", "out", formats=("html",))
    app.close()
    views.close()
    handler = functools.partial(Quiet, directory=str(report.outputs["html"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_tap_on_a_phone_shows_the_definition_and_a_second_tap_opens_the_glossary(
    browser: Browser, edition: str
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 800}, has_touch=True, is_mobile=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = console_errors(page)
    try:
        page.goto(f"{edition}root-finding.html")
        link = page.locator(SECANT).first
        tip = page.locator(f"#{link.get_attribute('aria-describedby')}")
        expect(tip).to_be_hidden()
        link.scroll_into_view_if_needed()
        link.tap()
        expect(tip).to_be_visible()
        expect(tip).to_contain_text("golden ratio")
        assert page.url.endswith("root-finding.html")
        box, width = tip.bounding_box(), 390
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "term-tapped-390.png"))
        assert not [v for v in violations(page) if v["impact"] in SERIOUS]
        link.tap()
        page.wait_for_url("**/glossary.html#gls-secant-method")
        expect(page.locator("#gls-secant-method h2")).to_have_text("Secant method")
        assert page_errors(errors) == []
    finally:
        context.close()


def test_hover_and_keyboard_focus_show_the_definition_and_escape_hides_it(
    browser: Browser, edition: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{edition}root-finding.html")
        link = page.locator(SECANT).first
        tip = page.locator(f"#{link.get_attribute('aria-describedby')}")
        expect(tip).to_be_hidden()
        link.hover()
        expect(tip).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "term-hover-1280.png"))
        page.mouse.move(0, 0)
        expect(tip).to_be_hidden()
        # From the keyboard: tab until the term has the focus.
        page.locator("main h1").click()
        for _ in range(200):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('href')") == (
                "glossary.html#gls-secant-method"
            ):
                break
        expect(tip).to_be_visible()
        page.keyboard.press("Escape")
        expect(tip).to_be_hidden()
        page.keyboard.press("Enter")
        page.wait_for_url("**/glossary.html#gls-secant-method")
    finally:
        context.close()


@pytest.mark.parametrize("name", ["root-finding.html", "glossary.html", "book-index.html"])
def test_the_chapter_the_glossary_and_the_index_pass_axe(
    browser: Browser, edition: str, name: str
) -> None:
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        try:
            page.goto(f"{edition}{name}")
            found = violations(page)
            assert not found, f"{name} at {width} px:\n{described(found)}"
            if name != "root-finding.html":  # its code is wider than a phone, as before
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"{name} at {width} px is {wide} px wide"
            if name == "book-index.html":
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"index-{width}.png"))
        finally:
            context.close()


def test_the_sites_chapter_and_index_pages_pass_axe_with_a_definition_shown(
    browser: Browser, server: Server
) -> None:
    for width in (1280, 390):
        context = browser.new_context(
            viewport={"width": width, "height": 800},
            has_touch=width < 500,
            is_mobile=width < 500,
            bypass_csp=True,  # the site allows no inline script; axe is injected by the test
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            page.goto(f"{server.url}/books/numerical-methods/chapters/root-finding")
            link = page.locator("a.term[href='glossary#gls-secant-method']").first
            tip = page.locator(f"#{link.get_attribute('aria-describedby')}")
            if width < 500:
                link.tap()
            else:
                link.hover()
            expect(tip).to_be_visible()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"site-term-{width}.png"))
            found = violations(page)
            assert not found, f"chapter at {width} px:\n{described(found)}"
            page.goto(f"{server.url}/books/numerical-methods/book-index")
            found = violations(page)
            assert not found, f"index at {width} px:\n{described(found)}"
            page.screenshot(path=str(SHOTS / f"site-index-{width}.png"))
        finally:
            context.close()
