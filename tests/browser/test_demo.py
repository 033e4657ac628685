"""The demo a fresh `textbook serve` offers: an account for every role, printed on start."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage, Server
from tests.browser.test_journeys import BOOK, DEMO_PASSWORD, PROPOSAL_URL, sign_in, status

pytestmark = pytest.mark.slow

# The first reader of an edition waits for its pages to be rendered, beside the publisher
# laying out a PDF and, in the suite, other tests: a minute or more on a busy machine.
FIRST_RENDER_MS = 180_000
ACCOUNT = re.compile(r"^  (\S+) +(maintainer|editor|author)$", re.MULTILINE)


def printed_accounts(server: Server) -> list[tuple[str, str]]:
    log = server.log.read_text()
    assert f"Demo accounts on 'numerical-methods', password {DEMO_PASSWORD}:" in log
    return ACCOUNT.findall(log)


def test_serve_prints_a_demo_account_for_every_role_and_each_signs_in(
    server: Server, new_page: OpenPage
) -> None:
    accounts = printed_accounts(server)
    assert sorted(role for _, role in accounts) == ["author", "editor", "editor", "maintainer"]
    for name, role in accounts:
        page = new_page()
        sign_in(page, name, DEMO_PASSWORD)
        page.goto(f"{BOOK}/settings", timeout=FIRST_RENDER_MS)
        expect(page.get_by_role("row").filter(has_text=name)).to_contain_text(role)
        manage = page.get_by_role("heading", name="Add a member or change a role")
        expect(manage).to_have_count(1 if role == "maintainer" else 0)


def test_an_editors_own_proposal_is_approved_by_the_other_editor(
    server: Server, new_page: OpenPage
) -> None:
    first, second = [name for name, role in printed_accounts(server) if role == "editor"]

    # The first editor proposes a change; she may not approve it herself.
    proposer = new_page()
    sign_in(proposer, first, DEMO_PASSWORD)
    propose_wording(proposer, "parabolas should do better", "parabolas ought to do better")
    proposal = proposer.url
    expect(proposer.get_by_role("button", name="Approve and publish")).to_have_count(0)

    # The second editor approves it, and the reader sees the new text.
    approver = new_page()
    sign_in(approver, second, DEMO_PASSWORD)
    approver.goto(proposal)
    approver.get_by_role("button", name="Approve and publish").click()
    assert status(approver) == "approved"
    reader = new_page()
    reader.goto(f"{BOOK}/chapters/integration", timeout=FIRST_RENDER_MS)  # a new edition
    expect(reader.locator("main")).to_contain_text("parabolas ought to do better")


def propose_wording(page: Page, old: str, new: str) -> None:
    page.goto(f"{BOOK}/sections/simpson-rule/edit")
    markdown = page.get_by_label("Markdown")
    text = markdown.input_value()
    assert old in text
    markdown.fill(text.replace(old, new))
    page.get_by_label("What does this change, and why?").fill("A plainer word")
    page.get_by_role("button", name="Propose this change").click()
    expect(page).to_have_url(PROPOSAL_URL)
    assert status(page) == "open"
