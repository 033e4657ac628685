"""What the web and the command line ask the domain, and the four-eyes rule on every decision."""

from __future__ import annotations

import pytest

from tests.conftest import event_count
from textbook.domain.application import Textbook
from textbook.domain.errors import SelfApprovalRefused, SelfReviewRefused

COUNTING = (
    "## Counting {#counting}\n\nOne, two, three.\nFour, five, six.\n\n"
    "```python\n# a comment, not a heading\nprint(1 + 1)\n```\n"
)
OURS = COUNTING.replace("three.", "three, and on.")  # a line near the top changed
THEIRS = COUNTING.replace("1 + 1", "2 + 2")  # a line near the end changed


@pytest.fixture(autouse=True)
def counting_as_imported(app: Textbook, tiny: str) -> None:
    section = next(
        s for c in app.book_state(tiny).chapters for s in c.sections if s.id == "counting"
    )
    assert section.text == COUNTING


def test_who_reviews_maintains_and_decides(app: Textbook, tiny: str) -> None:
    proposal = app.propose_edit(tiny, "counting", OURS, "On", by="bob")
    assert [app.may_review(tiny, name) for name in ("alice", "bob", "mallory")] == [
        False,
        True,
        False,
    ]
    assert not app.may_maintain(tiny, "bob")
    app.grant(tiny, "carol", "maintainer")
    assert app.may_maintain(tiny, "carol")
    # Four eyes: bob wrote it, carol reviews it; alice only authors.
    assert [app.may_decide(proposal, name) for name in ("alice", "bob", "carol")] == [
        False,
        False,
        True,
    ]
    assert app.may_approve(proposal, "carol") and not app.may_approve(proposal, "bob")
    app.withdraw(proposal, "bob")
    assert not app.may_decide(proposal, "carol")  # closed


def test_an_editor_makes_no_decision_on_their_own_proposal(app: Textbook, tiny: str) -> None:
    proposal = app.propose_edit(tiny, "counting", OURS, "On", by="bob")
    before = event_count(app)
    for verdict in ("request_changes", "reject"):
        with pytest.raises(SelfReviewRefused, match="Revise it, or withdraw it"):
            app.review(proposal, verdict, "Not quite", by="bob")
    with pytest.raises(SelfApprovalRefused, match="cannot approve their own proposal"):
        app.review(proposal, "approve", "", by="bob", version=1)
    assert event_count(app) == before
    assert app.proposal_info(proposal).status == "open"
    # A comment stays theirs to make; another editor decides.
    app.review(proposal, "comment", "A note on line 3.", by="bob")
    assert app.review(proposal, "request_changes", "Say why.", by="carol") == "changes_requested"


def test_approval_preview_of_a_current_edit(app: Textbook, tiny: str) -> None:
    proposal = app.propose_edit(tiny, "counting", OURS, "On", by="alice")
    preview = app.approval_preview(proposal)
    assert (preview.stale, preview.merged, preview.clashes, preview.redo) == (
        False,
        OURS,
        None,
        False,
    )
    assert preview.merge == "" and preview.current_revision == 1


def test_approval_preview_of_a_stale_edit_that_merges(app: Textbook, tiny: str) -> None:
    proposal = app.propose_edit(tiny, "counting", OURS, "On", by="alice")
    other = app.propose_edit(tiny, "counting", THEIRS, "Seven", by="alice")
    app.review(other, "approve", "", by="bob", version=1)
    before = event_count(app)
    preview = app.approval_preview(proposal)
    assert preview.stale and preview.merge == "clean" and preview.current_revision == 2
    assert preview.merged == OURS.replace("1 + 1", "2 + 2")
    assert preview.merged == app.merged_text(proposal)
    assert event_count(app) == before  # a question changes nothing


def test_approval_preview_of_a_stale_edit_that_clashes(app: Textbook, tiny: str) -> None:
    proposal = app.propose_edit(tiny, "counting", OURS, "On", by="alice")
    clash = app.propose_edit(tiny, "counting", COUNTING.replace("three.", "3."), "3", by="alice")
    app.review(clash, "approve", "", by="bob", version=1)
    preview = app.approval_preview(proposal)
    assert preview.stale and preview.merged is None and preview.merge == "clash"
    assert preview.clashes is not None and "of the proposal" in preview.clashes


def test_approval_preview_of_a_stale_move_says_redo(app: Textbook, tiny: str) -> None:
    moved = app.propose_move(tiny, "counting", "second", "", "Later", by="alice")
    assert app.approval_preview(moved).merge == ""
    edit = app.propose_edit(tiny, "counting", THEIRS, "Seven", by="alice")
    app.review(edit, "approve", "", by="bob", version=1)
    preview = app.approval_preview(moved)
    assert preview.stale and preview.redo and preview.merge == "redo"
    assert preview.merged is None


def test_approval_preview_of_closed_and_new_proposals_is_empty(app: Textbook, tiny: str) -> None:
    new = app.propose_section(
        tiny, "first", "counting", "## Tallies {#tallies}\n\nI II.\n", "", "alice"
    )
    proposal = app.propose_edit(tiny, "counting", OURS, "On", by="alice")
    app.withdraw(proposal, "alice")
    for identifier in (new, proposal):
        preview = app.approval_preview(identifier)
        assert (preview.stale, preview.merged, preview.broken) == (False, None, ())
