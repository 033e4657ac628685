"""The editor helps: its toolbar and pickers, its preview as the book prints it, and drafts kept
in the browser so that no text is lost. Journeys in Chromium against `textbook serve`."""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, FilePayload, Page, expect

from tests.browser.conftest import OpenPage, Server, console_errors
from tests.browser.test_journeys import BOOK, PASSWORD, PROPOSAL_URL, propose, sign_up

pytestmark = pytest.mark.slow

SHOTS = Path("/work/shots/editor")
SQUARE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
    b'<rect width="40" height="40" fill="#369"/></svg>'
)
WARM_SECONDS = 300  # the first chapter page renders the whole book; the machine may be busy


@pytest.fixture(scope="module", autouse=True)
def rendered_book(server: Server) -> None:
    """The book rendered for reading once, before the journeys time their pages."""
    with urllib.request.urlopen(f"{server.url}{BOOK}/chapters/root-finding", timeout=WARM_SECONDS):
        pass


def shoot(page: Page, name: str) -> None:
    if SHOTS.parent.is_dir():  # screenshots for people to look at, where the folder exists
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_editor(page: Page, chapter: str, link: str) -> None:
    page.goto(f"{BOOK}/chapters/{chapter}")
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("toolbar", name="Formatting")).to_be_visible()
    expect(page.locator("#preview h2").first).to_be_visible()  # the first preview came


def wait_until(page: Page, done: Callable[[], bool], seconds: float = 20) -> None:
    """Let the page run (and its event handlers in this thread) until `done()` holds."""
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        page.wait_for_timeout(50)


def caret_at_end(page: Page) -> None:
    markdown = page.get_by_label("Markdown")
    markdown.focus()
    page.keyboard.press("Control+End")


@pytest.mark.parametrize("width", [1280, 390])
def test_author_cites_a_work_from_the_picker_and_sees_it_in_the_preview(
    new_page: OpenPage, width: int
) -> None:
    page = new_page(width=width, height=900)
    errors = console_errors(page)
    sign_up(page)
    open_editor(page, "root-finding", "Edit §2.1")
    shoot(page, f"editor-{width}")

    # The toolbar is one tab stop; arrow keys move between its buttons, Enter presses one.
    caret_at_end(page)
    page.keyboard.type("\n\nThe method halves ")
    toolbar = page.get_by_role("toolbar", name="Formatting")
    toolbar.get_by_role("button", name="Heading with its id").focus()
    page.keyboard.press("ArrowRight")
    expect(toolbar.get_by_role("button", name="Bold")).to_be_focused()
    page.keyboard.press("Enter")
    markdown = page.get_by_label("Markdown")
    expect(markdown).to_have_value(re.compile(r"The method halves \*\*bold words\*\*$"))

    # She opens the citation picker, narrows it by a word of the title and picks the work.
    caret_at_end(page)
    page.keyboard.type(" each step ")
    toolbar.get_by_role("button", name="Cite").click()
    picker = page.get_by_role("dialog", name="Cite a work")
    expect(picker).to_be_visible()
    picker.get_by_label("Search").fill("computer scientist")
    expect(picker.get_by_role("status")).to_have_text("1 match.")
    shoot(page, f"editor-cite-picker-{width}")
    picker.get_by_role("button", name=re.compile("goldberg1991")).click()
    expect(picker).to_be_hidden()
    expect(markdown).to_be_focused()  # the caret is back in the text
    expect(markdown).to_have_value(re.compile(r"each step \[@goldberg1991\]$"))

    # The preview cites it as the book does, and lists it under References.
    preview = page.locator("#preview")
    expect(preview).to_contain_text("(Goldberg 1991)")
    expect(preview.get_by_role("heading", name="References")).to_be_visible()
    expect(preview).to_contain_text("What Every Computer Scientist Should Know")
    shoot(page, f"editor-cited-{width}")
    assert not errors, [e.text for e in errors]


def test_a_figure_caption_is_numbered_in_the_preview_as_in_the_book(page: Page) -> None:
    # In the book, the least-squares figure is the first of chapter 5, in its section 5.1.
    page.goto(f"{BOOK}/chapters/least-squares")
    book_caption = page.locator("figure#fig-least-squares figcaption").inner_text()
    assert book_caption.startswith("Figure 5.1:")
    sign_up(page)
    open_editor(page, "least-squares", "Edit §5.1")

    # The preview numbers the section, the figure and the table as the book does.
    preview = page.locator("#preview")
    expect(preview.locator("figure#fig-least-squares figcaption")).to_have_text(book_caption)
    expect(preview.locator("h2").first).to_contain_text("5.1")

    # A figure added from the image picker is numbered after it, as it would be in the book.
    caret_at_end(page)
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Image").click()
    picker = page.get_by_role("dialog", name="Show an image")
    picker.get_by_label("Search").fill("runge")
    picker.get_by_role("button", name="images/runge.svg").click()
    markdown = page.get_by_label("Markdown")
    expect(markdown).to_have_value(re.compile(r"!\[Describe what the image shows\.\]"))
    page.keyboard.type("The Runge example again.")  # the alt text, selected, is replaced
    # The book shows the image already as figure fig-runge: ids are unique, so this one differs.
    expect(preview.locator("figure#fig-runge-2 figcaption")).to_have_text(
        "Figure 5.2: The Runge example again."
    )
    shoot(page, "editor-figure-numbered-1280")

    # She uploads a new image from the picker: it joins the proposal's files, and once
    # proposed, the proposal carries it and its preview shows it numbered after the others.
    caret_at_end(page)
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Image").click()
    picker.get_by_label("Upload a new image").set_input_files(
        files=FilePayload(name="Residual Plot.svg", mimeType="image/svg+xml", buffer=SQUARE)
    )
    expect(picker).to_be_hidden()
    expect(markdown).to_have_value(
        re.compile(r"\(images/residual-plot\.svg\)\{#fig-residual-plot\}")
    )
    page.keyboard.type("The residuals, plotted.")
    propose(page, "Show the Runge example and the residuals")
    expect(page.locator("#images")).to_contain_text("images/residual-plot.svg")
    expect(page.locator("figure#fig-residual-plot figcaption")).to_have_text(
        "Figure 5.3: The residuals, plotted."
    )


def test_a_draft_lost_with_the_session_is_offered_back(new_page: OpenPage) -> None:
    page = new_page()
    name = sign_up(page)
    open_editor(page, "root-finding", "Edit §2.1")
    markdown = page.get_by_label("Markdown")
    words = "Bisection never fails once a sign change is found."
    caret_at_end(page)
    page.keyboard.type("\n\n" + words)

    # She signs out in another tab; the editor says so, and keeps her text.
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("navigation", name="Account")).to_contain_text("Sign in")
    page.bring_to_front()
    caret_at_end(page)
    page.keyboard.type(" Always.")
    expect(page.locator("#preview")).to_contain_text("You are signed out")

    # Her submit is refused for want of a session: she is asked to sign in, the text is gone.
    page.get_by_label("What does this change, and why?").fill("Say that bisection is safe")
    page.get_by_role("button", name="Propose this change").click()
    expect(page).to_have_url(re.compile(r"/signin"))
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Back in the editor, her draft is offered back with its time; she restores it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit “Bisection”")
    offer = page.get_by_role("region", name="Unsaved draft")
    expect(offer).to_contain_text(re.compile(r"Restore your unsaved draft from .*\d"))
    shoot(page, "editor-draft-offer-1280")
    assert words not in markdown.input_value()
    offer.get_by_role("button", name="Restore it").click()
    expect(markdown).to_have_value(re.compile(re.escape(words + " Always.") + "$"))
    expect(page.get_by_label("What does this change, and why?")).to_have_value(
        "Say that bisection is safe"
    )
    expect(page.locator("#preview")).to_contain_text(words)

    # Once proposed, the draft is gone: opening the editor again offers nothing.
    page.get_by_role("button", name="Propose this change").click()
    expect(page).to_have_url(PROPOSAL_URL)
    expect(page.locator("#diff")).to_contain_text("Bisection never fails")
    open_editor(page, "root-finding", "Edit §2.1")
    expect(page.locator("#preview")).to_contain_text("Bisection")
    expect(offer).to_be_hidden()


def test_leaving_with_unsaved_changes_asks_first_and_a_submit_does_not(page: Page) -> None:
    sign_up(page)
    open_editor(page, "root-finding", "Edit §2.1")
    asked: list[str] = []

    def stay(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()  # "Stay on page"

    # Unchanged, she may leave freely; the browser asks nothing.
    page.on("dialog", stay)
    book_link = page.locator(f"header a[href='{BOOK}']").first
    book_link.click()
    expect(page).to_have_url(re.compile(rf"{BOOK}$"))
    assert asked == []
    page.remove_listener("dialog", stay)
    page.go_back()
    expect(page.get_by_role("toolbar", name="Formatting")).to_be_visible()

    # Changed, leaving asks first; she stays, and her text is as she left it.
    caret_at_end(page)
    page.keyboard.type("\n\nA sentence not yet saved.")
    editing = page.url
    page.on("dialog", stay)
    book_link.click()
    wait_until(page, lambda: bool(asked))
    assert asked == ["beforeunload"]
    page.remove_listener("dialog", stay)
    expect(page.get_by_label("Markdown")).to_have_value(re.compile("A sentence not yet saved.$"))
    assert page.url == editing

    # Proposing it leaves the page without a question.
    page.on("dialog", stay)
    propose(page, "Add a sentence")
    assert asked == ["beforeunload"]
