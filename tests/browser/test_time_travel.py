"""Time travel as a person meets it: from the history to the book as it was, and around in it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage, console_errors

pytestmark = pytest.mark.slow

BOOK = "/books/numerical-methods"
SHOTS = Path("/work/shots/crawl")
IN_THE_PAST = re.compile(r"as_of=")
PAST_MS = 120_000  # a past version's first page renders every chapter; the machine is shared


def still_in_the_past(page: Page) -> None:
    expect(page).to_have_url(IN_THE_PAST, timeout=PAST_MS)
    expect(page.get_by_role("note")).to_contain_text("An old version.", timeout=PAST_MS)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize("width", [1280, 390])
def test_reader_goes_back_in_time_and_stays_there(new_page: OpenPage, width: int) -> None:
    page = new_page(width=width, height=900)
    page.set_default_navigation_timeout(PAST_MS)
    page.set_default_timeout(PAST_MS)
    errors = console_errors(page)

    # The history lists every revision; each opens the book as it was at that moment.
    page.goto(f"{BOOK}/history")
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
    shoot(page, f"history-{width}")
    page.get_by_role("link", name="the book at this moment").last.click()
    still_in_the_past(page)
    expect(page.get_by_role("heading", name="Contents")).to_be_visible()

    # Into a chapter from the contents, on to the next one, and across a link in the text.
    page.get_by_role("navigation", name="Contents").get_by_role(
        "link", name="Numbers in a Machine"
    ).click()
    still_in_the_past(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Numbers in a Machine")
    shoot(page, f"old-chapter-{width}")
    page.locator("nav.chapter-nav a[rel=next]").first.click()
    still_in_the_past(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Solving Nonlinear Equations")
    page.locator("article a[href^='floating-point']").first.click()
    still_in_the_past(page)
    expect(page).to_have_url(re.compile(r"/chapters/floating-point\?as_of=[^#]+#"))
    page.get_by_role("link", name="Read the current version").click()
    expect(page).not_to_have_url(IN_THE_PAST)

    # A date picked on the history page: the book at the end of that day.
    page.goto(f"{BOOK}/history")
    today = datetime.now(UTC).date().isoformat()
    page.get_by_label("Read the book as it was on").fill(today)
    page.get_by_role("button", name="Show").click()
    still_in_the_past(page)
    expect(page.get_by_role("note")).to_contain_text("23:59 UTC")
    shoot(page, f"picked-date-{width}")

    assert not errors, [e.text for e in errors]

    # A day before the book existed: an honest 404 that says so, and the way to its first
    # version (Chromium logs the 404 status as a console error, as for any 404).
    page.goto(f"{BOOK}?as_of=2000-01-01")
    expect(page.get_by_role("heading", level=1)).to_contain_text("did not exist yet")
    shoot(page, f"before-the-book-{width}")
    page.get_by_role("link", name="Read the first version of the book").click()
    still_in_the_past(page)
