"""The task board and a reader's report in Chromium, at a desktop's width and a phone's: a reader
reports an error in a paragraph without an account; an editor marks a need; an author takes it
("I'm on it") and proposes a change that answers it; an editor's approval closes it."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage
from tests.browser.test_journeys import BOOK, DEMO_PASSWORD, PROPOSAL_URL, sign_in, sign_up
from textbook.web.reports import MIN_SECONDS

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "needs"
WIDTHS = (("desktop", 1280, 800, "secant-method"), ("phone", 390, 844, "convergence-order"))
FIRST_RENDER_MS = 180_000  # the first chapter page of a session renders the web edition


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def person(new_page: OpenPage, width: int, height: int) -> Page:
    page = new_page(width, height)
    page.set_default_timeout(FIRST_RENDER_MS)
    return page


@pytest.mark.parametrize(("device", "width", "height", "section"), WIDTHS)
def test_a_reader_reports_an_error_in_a_paragraph(
    new_page: OpenPage, device: str, width: int, height: int, section: str
) -> None:
    reader = person(new_page, width, height)
    reader.goto(f"{BOOK}/chapters/root-finding")
    link = reader.locator(f'#{section} a.report-error[href$="report?p=1"]')
    link.scroll_into_view_if_needed()
    shoot(reader, f"chapter-report-links-{device}")
    link.click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Report an error")
    quote = reader.locator("blockquote.report-quote").inner_text()
    assert len(quote) > 20
    what = f"A sign is wrong here ({uuid.uuid4().hex[:6]})."
    reader.get_by_label("What is wrong, and what would be right?").fill(what)
    reader.get_by_label("Your email address").fill("reader@example.org")
    shoot(reader, f"report-form-{device}")
    reader.wait_for_timeout((MIN_SECONDS + 1) * 1000)  # a person takes longer than a script
    reader.get_by_role("button", name="Send the report").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Thank you")
    shoot(reader, f"report-sent-{device}")
    reader.get_by_role("link", name="See the reports").click()
    card = reader.locator("article.need", has_text=what)
    expect(card).to_contain_text("Reported by a reader")
    expect(card.locator("blockquote")).to_contain_text(quote[:40])
    expect(card).not_to_contain_text("reader@example.org")


@pytest.mark.parametrize(("device", "width", "height", "section"), WIDTHS)
def test_a_need_is_marked_taken_answered_and_closed(
    new_page: OpenPage, device: str, width: int, height: int, section: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    # An editor marks what a section needs, from the chapter page.
    editor = person(new_page, width, height)
    sign_in(editor, "emmy", DEMO_PASSWORD)
    editor.goto(f"{BOOK}/chapters/root-finding")
    editor.get_by_role("link", name="Mark what this chapter needs").click()
    editor.get_by_label("Where").select_option(f"section:{section}")
    editor.get_by_label("What it needs").select_option("example")
    reason = f"A worked example with numbers ({tag})."
    editor.get_by_label("Why, and what would answer it").fill(reason)
    shoot(editor, f"need-form-{device}")
    editor.get_by_role("button", name="Mark the need").click()
    card = editor.locator("article.need", has_text=reason)
    expect(card).to_contain_text("Marked by emmy")
    expect(card).to_contain_text("Free")

    # A newcomer finds it on the board and takes it.
    author = person(new_page, width, height)
    name = sign_up(author)
    author.goto(f"{BOOK}/needs?kind=example&state=free")
    card = author.locator("article.need", has_text=reason)
    card.get_by_role("button", name="I'm on it").click()
    card = author.locator("article.need", has_text=reason)
    expect(card).to_contain_text(f"{name} is on it")
    card.scroll_into_view_if_needed()
    shoot(author, f"needs-board-taken-{device}")

    # She proposes a change for it: the need is ticked in the editor.
    card.get_by_role("link", name="Propose a change for this").click()
    answer = author.get_by_role("checkbox", name=re.compile(re.escape(reason)))
    expect(answer).to_be_checked()
    markdown = author.get_by_label("Markdown")
    markdown.fill(markdown.input_value().rstrip("\n") + f"\n\nFor example, x = 2 ({tag}).\n")
    author.get_by_label("What does this change, and why?").fill(f"An example ({tag})")
    author.get_by_role("button", name="Propose this change").click()
    expect(author).to_have_url(PROPOSAL_URL)
    expect(author.locator("#answers")).to_contain_text(reason)
    shoot(author, f"proposal-answers-{device}")

    # The editor approves it: the approval closes the need.
    editor.goto(author.url)
    editor.get_by_role("button", name="Approve and publish").click()
    expect(editor.locator("#answers")).to_contain_text("closed by this proposal")
    editor.goto(f"{BOOK}/needs")
    expect(editor.locator("article.need", has_text=reason)).to_have_count(0)
    shoot(editor, f"needs-board-{device}")
