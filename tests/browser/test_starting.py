"""Starting a book in Chromium, at a desk's width and a phone's, with screenshots to look at."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage, console_errors
from tests.browser.test_journeys import PROPOSAL_URL, SCREENSHOTS, sign_up

pytestmark = pytest.mark.slow
SHOTS = SCREENSHOTS / "starting"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_newcomer_starts_a_book_and_proposes_its_first_chapter(
    new_page: OpenPage, width: int
) -> None:
    page = new_page(width=width)
    errors = console_errors(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = sign_up(page)
    slug = f"field-notes-{uuid.uuid4().hex[:6]}"

    # From the books list, she starts a book; the address she first picks names a page.
    page.goto("/")
    page.get_by_role("link", name="Start a book").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a book")
    page.get_by_label("Title", exact=True).fill("Field Notes on Birds")
    page.get_by_label("Address").fill("new")
    page.get_by_label("Authors").fill(f"{name}\nA. Friend")
    page.get_by_label("Description").fill("What we saw at the pond, and how to tell them apart.")
    page.screenshot(path=str(SHOTS / f"start-{width}.png"), full_page=True)
    page.get_by_role("button", name="Start the book").click()
    expect(page.get_by_role("alert")).to_contain_text("names a page of the site")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Field Notes on Birds")
    page.screenshot(path=str(SHOTS / f"start-refused-{width}.png"), full_page=True)
    page.get_by_label("Address").fill(slug)
    page.get_by_role("button", name="Start the book").click()

    # Her book: empty, saying how to contribute and what to do first.
    expect(page).to_have_url(f"/books/{slug}?started=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Field Notes on Birds")
    expect(page.locator("#started")).to_contain_text("you are its maintainer")
    expect(page.locator("#contribute")).to_contain_text("Its members propose changes")
    page.screenshot(path=str(SHOTS / f"book-empty-{width}.png"), full_page=True)

    # She proposes the first chapter.
    page.locator("#first-step").get_by_role("link", name="Propose the first chapter").click()
    page.get_by_label("Markdown").fill("# Ducks {#ducks}\n\nMallards dabble; they do not dive.\n")
    page.get_by_label("Why is it needed?").fill("The first chapter")
    page.get_by_role("button", name="Propose").click()
    expect(page).to_have_url(PROPOSAL_URL)
    expect(page.locator("main")).to_contain_text("as the first chapter")

    # And a change to the book's details, which an editor reviews like text.
    page.goto(f"/books/{slug}/details/propose")
    page.get_by_label("Subtitle").fill("A Pond Guide")
    page.get_by_label("Licence").fill("CC-BY-SA-4.0")
    page.get_by_label("Why change them?").fill("A subtitle, and ShareAlike")
    page.get_by_role("button", name="Propose").click()
    expect(page).to_have_url(PROPOSAL_URL)
    expect(page.locator("#details-changes")).to_contain_text("A Pond Guide")
    page.screenshot(path=str(SHOTS / f"details-proposal-{width}.png"), full_page=True)
    page.goto(f"/books/{slug}/settings")
    page.screenshot(path=str(SHOTS / f"settings-{width}.png"), full_page=True)
    # The refused form answers 422, which the console reports; nothing else may fail.
    assert [e.text for e in errors if "status of 422" not in e.text] == []
