"""Contributing and reviewing in Chromium: edit links, sign-in and back, queue, confirmations."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage
from tests.browser.test_journeys import BOOK, DEMO_PASSWORD, PROPOSAL_URL, sign_in, sign_up, status

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
WIDTHS = (("desktop", 1280, 800), ("phone", 390, 844))
# The first chapter page of a session renders the whole web edition (pandoc, every chapter):
# on a busy machine that takes far longer than one click.
FIRST_RENDER_MS = 180_000


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def person(new_page: OpenPage, width: int = 1280, height: int = 800) -> Page:
    """A browser of one's own, patient with pages that render the book."""
    page = new_page(width, height)
    page.set_default_timeout(FIRST_RENDER_MS)  # a click may open a chapter page
    return page


def open_chapter(page: Page, chapter: str) -> None:
    page.goto(f"{BOOK}/chapters/{chapter}")


def propose_cancellation(page: Page, old: str, new: str, message: str) -> str:
    """From the section's editor, replace `old` with `new` in "Cancellation" and propose it."""
    page.goto(f"{BOOK}/sections/cancellation/edit")
    markdown = page.get_by_label("Markdown")
    text = markdown.input_value()
    assert old in text
    markdown.fill(text.replace(old, new))
    page.get_by_label("What does this change, and why?").fill(message)
    page.get_by_role("button", name="Propose this change").click()
    expect(page).to_have_url(PROPOSAL_URL)
    return page.url


def test_sign_in_to_edit_at_a_heading_lands_in_that_sections_editor(new_page: OpenPage) -> None:
    for device, width, height in WIDTHS:
        # A reader without a session sees "sign in to edit" beside each heading.
        reader = person(new_page, width, height)
        open_chapter(reader, "floating-point")
        link = reader.get_by_role("link", name="Sign in to edit “Cancellation”")
        expect(link).to_have_text("sign in to edit")
        link.scroll_into_view_if_needed()
        shoot(reader, f"chapter-edit-links-{device}")
        link.click()

        # Signing in brings the editor back to that section's editor.
        expect(reader.locator("#returning")).to_be_visible()
        shoot(reader, f"signin-returning-{device}")
        reader.get_by_label("User name").fill("emmy")
        reader.get_by_label("Password").fill(DEMO_PASSWORD)
        reader.get_by_role("button", name="Sign in").click()
        expect(reader).to_have_url(
            re.compile(r"/books/numerical-methods/sections/cancellation/edit$")
        )
        expect(reader.get_by_role("heading", level=1)).to_have_text("Edit “Cancellation”")

        # Signed in, the chapter's headings link straight to their editors.
        open_chapter(reader, "floating-point")
        reader.get_by_role("link", name="Edit “Rounding and Machine Epsilon”").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text(
            "Edit “Rounding and Machine Epsilon”"
        )

    # A newcomer makes an account from the same link and lands in the editor too.
    newcomer = person(new_page)
    open_chapter(newcomer, "floating-point")
    newcomer.get_by_role("link", name="Sign in to edit “Cancellation”").click()
    newcomer.get_by_role("link", name="Create an account").click()
    name = f"reader-{uuid.uuid4().hex[:8]}"
    newcomer.get_by_label("User name").fill(name)
    newcomer.get_by_label("Email").fill(f"{name}@example.org")
    newcomer.get_by_label("Password").fill("a long enough password")
    newcomer.get_by_role("button", name="Sign up").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Edit “Cancellation”")


def test_queue_filters_staleness_reject_confirmation_and_published_link(
    new_page: OpenPage,
) -> None:
    # An author proposes three changes to "Cancellation".
    author = person(new_page)
    name = sign_up(author)
    first = propose_cancellation(
        author, "the classic way", "the best-known way", f"Best-known ({name})"
    )
    clash = propose_cancellation(author, "the classic way", "the usual way", f"Usual ({name})")
    clean = propose_cancellation(
        author, "The lesson generalizes.", "The lesson is general.", f"General ({name})"
    )

    # The editor approves the first: the other two are now stale.
    editor = person(new_page)
    sign_in(editor, "emmy", DEMO_PASSWORD)
    editor.goto(first)
    editor.get_by_role("button", name="Approve and publish").click()
    assert status(editor) == "approved"

    # The approved proposal links to its text in the book.
    published = editor.locator("#published")
    expect(published).to_contain_text("It became revision")
    shoot(editor, "proposal-published-desktop")
    published.get_by_role("link", name="Read “Cancellation” in the book").click()
    expect(editor).to_have_url(re.compile(r"/chapters/floating-point#cancellation$"))
    expect(editor.locator("#cancellation")).to_contain_text("the best-known way to lose")

    # The queue names chapter and section, the author, and what a stale proposal would do.
    editor.goto(f"{BOOK}/queue")
    queue = editor.locator("#queue")
    clash_row = queue.get_by_role("row").filter(has_text=f"Usual ({name})")
    clean_row = queue.get_by_role("row").filter(has_text=f"General ({name})")
    expect(clash_row).to_contain_text("Numbers in a Machine")
    expect(clash_row).to_contain_text("Cancellation")
    expect(clash_row).to_contain_text(name)
    expect(clash_row).to_contain_text("stale · clashes")
    expect(clean_row).to_contain_text("stale · merges cleanly")

    # Filters: the stale ones; waiting for her; none of them is hers.
    editor.get_by_role("link", name=re.compile(r"^Stale")).click()
    expect(editor).to_have_url(re.compile(r"/queue\?show=stale$"))
    expect(queue.get_by_role("row").filter(has_text=name)).to_have_count(2)
    editor.get_by_role("link", name=re.compile(r"^Waiting for me")).click()
    expect(queue.get_by_role("row").filter(has_text=name)).to_have_count(2)
    editor.get_by_role("link", name=re.compile(r"^Mine")).click()
    expect(queue.get_by_role("row").filter(has_text=name)).to_have_count(0)
    for device, width, height in WIDTHS:
        look = person(new_page, width, height)
        sign_in(look, "emmy", DEMO_PASSWORD)
        look.goto(f"{BOOK}/queue")
        expect(look.locator("#queue")).to_contain_text("stale · clashes")
        shoot(look, f"queue-{device}")
        assert look.evaluate("document.documentElement.scrollWidth") <= width

    # The author's own filter shows her three minus the approved one.
    author.goto(f"{BOOK}/queue?show=mine")
    expect(author.locator("#queue").get_by_role("row").filter(has_text=name)).to_have_count(2)

    # Rejecting asks first; cancelling leaves it open.
    editor.goto(clash)
    editor.get_by_label("Your comment").fill("The sentence changed since; propose again.")
    editor.get_by_role("button", name="Reject").click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("Reject this proposal?")
    expect(editor.get_by_label("Why (the author reads it)")).to_have_value(
        "The sentence changed since; propose again."
    )
    shoot(editor, "reject-confirm-desktop")
    editor.get_by_role("link", name="Cancel: keep it open").click()
    assert status(editor) == "open"
    editor.get_by_role("button", name="Reject").click()
    editor.get_by_label("Why (the author reads it)").fill("The sentence changed since.")
    editor.get_by_role("button", name="Reject the proposal").click()
    expect(editor).to_have_url(clash)
    assert status(editor) == "rejected"
    expect(editor.locator(".thread")).to_contain_text("The sentence changed since")

    # Withdrawing asks too.
    author.goto(clean)
    author.get_by_role("link", name="Withdraw").click()
    expect(author.get_by_role("heading", level=1)).to_have_text("Withdraw your proposal?")
    author.get_by_role("button", name="Withdraw the proposal").click()
    assert status(author) == "withdrawn"


def test_new_section_form_says_where_it_goes(new_page: OpenPage) -> None:
    for device, width, height in WIDTHS:
        page = person(new_page, width, height)
        sign_up(page)
        open_chapter(page, "floating-point")
        page.get_by_role("link", name="Propose a new section").click()
        place = page.get_by_label("Where it goes")
        expect(place).to_be_visible()
        place.select_option(label="In chapter 1, after §1.3 “Cancellation”")
        shoot(page, f"new-section-{device}")
    markdown = page.get_by_label("Markdown")
    markdown.fill("## Summation {#compensated-summation}\n\nAdd the small numbers first.\n")
    page.get_by_label("Why is it needed?").fill("Say how to add")
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page).to_have_url(PROPOSAL_URL)
    expect(page.locator("main")).to_contain_text(
        "to go in chapter 1, “Numbers in a Machine”, after “Cancellation”"
    )
