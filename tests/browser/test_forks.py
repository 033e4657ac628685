"""A teacher forks the sample book in Chromium and takes a change made upstream since, at a
desktop's width and a phone's; screenshots of each step go to build/screenshots/forks/."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage
from tests.browser.test_journeys import (
    BOOK,
    DEMO_PASSWORD,
    PROPOSAL_URL,
    SCREENSHOTS,
    propose,
    sign_in,
    sign_up,
    status,
)

pytestmark = pytest.mark.slow
SHOTS = SCREENSHOTS / "forks"
SECTION = "error-and-extrapolation"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG")


def change_upstream(new_page: OpenPage, sentence: str) -> None:
    """ada proposes a sentence at the end of the section in the sample book; emmy approves."""
    author = new_page()
    sign_in(author, "ada", DEMO_PASSWORD)
    author.goto(f"{BOOK}/sections/{SECTION}/edit")
    markdown = author.get_by_label("Markdown")
    markdown.fill(markdown.input_value().rstrip("\n") + f"\n\n{sentence}\n")
    propose(author, f"Say it plainly ({sentence[-8:]})")
    editor = new_page()
    sign_in(editor, "emmy", DEMO_PASSWORD)
    editor.goto(author.url)
    editor.get_by_role("button", name="Approve and publish").click()
    assert status(editor) == "approved"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_teacher_forks_the_book_and_takes_a_change_made_upstream(
    new_page: OpenPage, width: int
) -> None:
    device = "desktop" if width > 800 else "phone"
    teacher = new_page(width, 900)
    name = sign_up(teacher)

    # The book's page offers a fork to anyone signed in; the form asks for an address.
    teacher.goto(BOOK)
    teacher.get_by_role("link", name="Fork this book").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(
        "Fork \u201cNumerical Methods\u201d"
    )
    slug = f"course-{uuid.uuid4().hex[:8]}"
    teacher.get_by_label("Address of the fork").fill(slug)
    teacher.get_by_label("Title").fill(f"Numerical Methods for {name}")
    shot(teacher, f"fork-form-{device}")
    teacher.get_by_role("button", name="Fork this book").click()

    # The fork is a book of its own that says where it came from.
    expect(teacher).to_have_url(re.compile(f"/books/{slug}$"))
    expect(teacher.get_by_role("heading", level=1)).to_have_text(f"Numerical Methods for {name}")
    expect(teacher.locator("main .forked-from")).to_contain_text("Forked from Numerical Methods on")
    shot(teacher, f"fork-book-{device}")

    # Upstream, the section changes and is approved there.
    sentence = f"Two estimates make a better one ({uuid.uuid4().hex[:6]})."
    change_upstream(new_page, sentence)

    # The teacher, who maintains the fork, sees the change and takes it as a proposal.
    teacher.reload()
    teacher.get_by_role("link", name="Changes upstream").click()
    change = teacher.locator(f"#change-{SECTION}")
    expect(change.locator(".status")).to_have_text("Merges cleanly")
    expect(change.locator("pre.diff ins").last).to_have_text(sentence)
    shot(teacher, f"upstream-{device}")
    change.get_by_role("button", name="Take this change").click()
    expect(teacher).to_have_url(PROPOSAL_URL)
    expect(teacher.locator("main")).to_contain_text("From “Numerical Methods”")
    expect(teacher.locator("#diff ins").first).to_be_visible()
    expect(teacher.get_by_role("button", name="Approve and publish")).to_have_count(0)
    shot(teacher, f"upstream-proposal-{device}")
