"""Validation where the author is, in Chromium: broken math shows in the preview with its line
and the submit is refused with the text kept; an editor sees the links an approval would break."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage
from tests.browser.test_journeys import BOOK, DEMO_PASSWORD, PROPOSAL_URL, sign_in, sign_up

pytestmark = pytest.mark.slow

SHOTS = Path("/work/shots/checks")
BROKEN = "The error after $n$ steps is at most $\\frac{b - a}{2^{n+1}$."


def shoot(page: Page, name: str) -> None:
    if SHOTS.parent.is_dir():  # the machine's screenshot folder, looked at by a person
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_broken_math_is_shown_in_the_preview_with_its_line_and_refused(
    new_page: OpenPage, width: int
) -> None:
    page = new_page(width=width)
    sign_up(page)
    page.goto(f"{BOOK}/sections/bisection/edit")
    markdown = page.get_by_label("Markdown")
    text = markdown.input_value().rstrip("\n") + "\n\n" + BROKEN + "\n"
    line = text.split("\n").index(BROKEN) + 1
    markdown.fill(text)

    # The preview says what is wrong, and on which line, above the rendered text.
    problems = page.locator("#preview .problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text(f"Line {line}: the formula $\\frac{{b - a}}{{2^{{n+1}}$")
    expect(problems).to_contain_text("its braces { } do not balance")
    shoot(page, f"preview-{width}")

    # She proposes it all the same: it is refused, naming the line, and her text is kept.
    page.get_by_label("What does this change, and why?").fill("Bound the error")
    page.get_by_role("button", name="Propose this change").click()
    error = page.locator(".form-error")
    expect(error).to_contain_text(f"Line {line}: the formula")
    expect(error).to_contain_text("Nothing was saved")
    expect(page).not_to_have_url(PROPOSAL_URL)
    assert page.get_by_label("Markdown").input_value().replace("\r\n", "\n") == text
    shoot(page, f"refused-{width}")

    # Fixed, the preview has nothing to say and the proposal opens.
    fixed = text.replace("{2^{n+1}$", "{2^{n+1}}$")
    page.get_by_label("Markdown").fill(fixed)
    expect(page.locator("#preview .problems")).to_have_count(0)
    expect(page.locator("#preview math").last).to_be_visible()
    page.get_by_role("button", name="Propose this change").click()
    expect(page).to_have_url(PROPOSAL_URL)


def test_editor_sees_the_links_an_approval_would_break(new_page: OpenPage) -> None:
    author = new_page()
    sign_up(author)
    author.goto(f"{BOOK}/sections/binary-representation/edit")
    markdown = author.get_by_label("Markdown")
    text = markdown.input_value()
    # The figure keeps its description, and loses its id.
    assert "(images/float-spacing.svg){#fig-float-spacing " in text
    text = text.replace(
        "(images/float-spacing.svg){#fig-float-spacing ", "(images/float-spacing.svg){"
    )
    markdown.fill(text.replace("(#fig-float-spacing)", "(#binary-representation)"))
    author.get_by_label("What does this change, and why?").fill("No figure id")
    author.get_by_role("button", name="Propose this change").click()
    expect(author).to_have_url(PROPOSAL_URL)
    proposal = author.url

    for width in (1280, 390):
        editor = new_page(width=width)
        sign_in(editor, "emmy", DEMO_PASSWORD)
        editor.goto(proposal)
        notice = editor.locator("#broken-references")
        expect(notice).to_contain_text("Approving this breaks 1 link elsewhere in the book")
        expect(notice).to_contain_text("Exercises")
        expect(notice).to_contain_text("#fig-float-spacing")
        notice.scroll_into_view_if_needed()
        shoot(editor, f"broken-references-{width}")

    # Approving without the confirmation is refused, and the page says so.
    editor.get_by_role("button", name="Approve and publish").click()
    expect(editor.locator("#broken-references .form-error")).to_contain_text("Nothing was approved")
    expect(editor.locator("main .status").first).to_have_text("open")
    shoot(editor, "approval-refused-390")
    editor.get_by_label("approve anyway").check()
    editor.get_by_role("button", name="Approve and publish").click()
    expect(editor.locator("main .status").first).to_have_text("approved")
