"""The inbox in Chromium, at a desktop's width and a phone's: a reader watches a section, an
author asks an editor to review, the editor finds the request in their inbox and approves, the
reader finds the approval in theirs and marks it read."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenPage
from tests.browser.test_journeys import BOOK, DEMO_PASSWORD, PROPOSAL_URL, sign_in, sign_up
from tests.browser.test_review_journeys import WIDTHS, person, shoot

pytestmark = pytest.mark.slow

SECTION = "chebyshev-points"  # no other browser test changes it


def test_the_inbox_journey(new_page: OpenPage) -> None:
    for device, width, height in WIDTHS:
        # A reader watches a section from its history page.
        reader = person(new_page, width, height)
        sign_up(reader)
        reader.goto(f"{BOOK}/sections/{SECTION}/history")
        reader.get_by_role("button", name="Watch this section").click()
        expect(
            reader.get_by_role("button", name=re.compile("Watching this section"))
        ).to_be_visible()
        shoot(reader, f"section-watched-{device}")
        reader.goto(BOOK)
        expect(reader.get_by_role("button", name="Watch this book")).to_be_visible()
        shoot(reader, f"book-watch-{device}")
        reader.get_by_role("navigation", name="Account").get_by_role("link", name="Inbox").click()
        reader.get_by_role("link", name="watch").click()
        expect(reader.locator("#watched")).to_contain_text(SECTION)
        shoot(reader, f"watching-{device}")

        # The author proposes a change to it and asks emmy to review it.
        author = person(new_page, width, height)
        sign_in(author, "ada", DEMO_PASSWORD)
        author.goto(f"{BOOK}/sections/{SECTION}/edit")
        markdown = author.get_by_label("Markdown")
        marker = uuid.uuid4().hex[:8]
        markdown.fill(markdown.input_value().rstrip("\n") + f"\n\nNodes cluster ({marker}).\n")
        message = f"Say where the nodes cluster ({marker})"
        author.get_by_label("What does this change, and why?").fill(message)
        author.get_by_role("button", name="Propose this change").click()
        expect(author).to_have_url(PROPOSAL_URL)
        proposal = author.url
        author.get_by_label("Ask an editor to review").select_option("emmy")
        author.get_by_role("button", name="Ask", exact=True).click()
        expect(author.locator("#review-requests")).to_contain_text("Review asked of emmy by ada")
        shoot(author, f"review-asked-{device}")

        # The editor sees the request in the inbox, marked unread, and follows it.
        editor = person(new_page, width, height)
        sign_in(editor, "emmy", DEMO_PASSWORD)
        nav = editor.get_by_role("navigation", name="Account")
        expect(nav.get_by_role("link", name=re.compile(r"Inbox \d+ unread"))).to_be_visible()
        nav.get_by_role("link", name=re.compile("Inbox")).click()
        request = editor.locator("li.inbox-item", has_text=f"ada asked you to review “{message}”")
        expect(request).to_have_class(re.compile("unread"))
        request.scroll_into_view_if_needed()
        shoot(editor, f"inbox-editor-{device}")
        request.get_by_role("link").first.click()
        expect(editor).to_have_url(proposal)
        editor.get_by_role("button", name="Approve and publish").click()
        expect(editor.locator("#published")).to_be_visible()

        # The reader hears of the approval, and marks everything read.
        reader.goto("/inbox")
        approval = reader.locator("li.inbox-item", has_text=f"emmy approved “{message}”")
        expect(approval).to_have_class(re.compile("unread"))
        expect(approval.locator(".unread-mark")).to_have_text("New:")
        shoot(reader, f"inbox-reader-{device}")
        reader.get_by_role("button", name="Mark all as read").click()
        expect(reader.locator("li.inbox-item.unread")).to_have_count(0)
        expect(reader.locator(".lede")).to_contain_text("all read")
        expect(
            reader.get_by_role("navigation", name="Account").get_by_role("link", name="Inbox")
        ).to_have_text("Inbox")
        shoot(reader, f"inbox-read-{device}")
        for page in (reader, author, editor):
            page.close()
