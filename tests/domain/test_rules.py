"""The review gate's rules, told as stories on real stores."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import event_count
from textbook.domain.application import Textbook
from textbook.domain.errors import (
    InvalidInput,
    InvalidSectionText,
    NotAMember,
    NotAnEditor,
    ProposalChanged,
    ProposalClosed,
    SectionNotFound,
    SelfApprovalRefused,
    SlugTaken,
    StaleBaseRevision,
)
from textbook.projections.queries import Queries

COUNTING = "## Counting {#counting}\n\nOne, two, three, four.\n"


def test_approved_proposal_becomes_the_sections_text(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    proposal = app.propose_edit(tiny, "counting", COUNTING, "Count to four", by="alice")
    # Nothing is published before approval.
    assert "four" not in queries().section(tiny, "counting").text
    assert app.review(proposal, "approve", "Clear.", by="bob", version=1) == "approved"
    section = queries().section(tiny, "counting")
    assert section.text == COUNTING
    assert section.revision == 2


def test_an_approval_of_a_version_since_revised_publishes_nothing(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    proposal = app.propose_edit(tiny, "counting", COUNTING, "Count to four", by="alice")
    revised = COUNTING.replace("four", "four, and no more")
    app.revise_proposal(proposal, revised, "No more", by="alice")
    before = event_count(app)
    with pytest.raises(ProposalChanged, match="you read version 1") as refused:
        app.review(proposal, "approve", "", by="bob", version=1)
    assert (refused.value.read_version, refused.value.current_version) == (1, 2)
    with pytest.raises(InvalidInput, match="Name the version of the proposal you read"):
        app.review(proposal, "approve", "", by="bob")
    with pytest.raises(InvalidInput, match="has no version 3; it is at version 2"):
        app.review(proposal, "approve", "", by="bob", version=3)
    assert event_count(app) == before
    assert "four" not in queries().section(tiny, "counting").text
    app.review(proposal, "approve", "", by="bob", version=2)
    assert queries().section(tiny, "counting").text == revised
    approved = [e for e in app.history(proposal) if type(e).__name__ == "Approved"]
    assert [e.version for e in approved] == [2]


def test_a_revoked_author_cannot_revise_an_open_proposal(app: Textbook, tiny: str) -> None:
    proposal = app.propose_edit(tiny, "counting", COUNTING, "Count to four", by="alice")
    app.review(proposal, "request_changes", "Why four?", by="bob")
    app.revoke(tiny, "alice")
    before = event_count(app)
    with pytest.raises(NotAMember, match="alice is not a member of the book 'tiny'"):
        app.revise_proposal(proposal, COUNTING.replace("four", "five"), "", by="alice")
    assert event_count(app) == before
    assert app.proposal_info(proposal).status == "changes_requested"


def test_author_cannot_approve_own_proposal(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    # bob is an editor, and proposes a change himself.
    proposal = app.propose_edit(tiny, "counting", COUNTING, "Count to four", by="bob")
    before = event_count(app)
    with pytest.raises(SelfApprovalRefused, match="cannot approve their own proposal"):
        app.review(proposal, "approve", "Looks good to me", by="bob", version=1)
    assert event_count(app) == before
    assert app.proposal_info(proposal).status == "open"
    assert not app.may_approve(proposal, "bob")
    assert app.may_approve(proposal, "carol")
    # Another editor may.
    app.review(proposal, "approve", "", by="carol", version=1)
    assert queries().section(tiny, "counting").text == COUNTING


def test_only_editors_approve_and_only_members_propose(app: Textbook, tiny: str) -> None:
    proposal = app.propose_edit(tiny, "counting", COUNTING, "Count to four", by="alice")
    before = event_count(app)
    with pytest.raises(NotAnEditor, match="alice is not an editor of the book 'tiny'"):
        app.review(proposal, "approve", "", by="alice", version=1)
    with pytest.raises(NotAMember, match="mallory is not a member"):
        app.propose_edit(tiny, "counting", COUNTING, "Sneaky", by="mallory")
    with pytest.raises(NotAnEditor):
        app.review(proposal, "reject", "no", by="mallory")
    assert event_count(app) == before


def test_stale_approval_names_current_revision(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    first = app.propose_edit(tiny, "counting", COUNTING, "Count to four", by="alice")
    second = app.propose_edit(
        tiny, "counting", "## Counting {#counting}\n\nUno, dos, tres.\n", "In Spanish", by="alice"
    )
    app.review(first, "approve", "", by="bob", version=1)
    before = event_count(app)
    with pytest.raises(StaleBaseRevision) as refused:
        app.review(second, "approve", "", by="carol", version=1)
    assert refused.value.current_revision == 2
    assert refused.value.base_revision == 1
    assert "now at revision 2" in str(refused.value)
    assert event_count(app) == before
    assert queries().section(tiny, "counting").text == COUNTING
    # The author revises against the current text; then it can be approved.
    app.revise_proposal(second, "## Counting {#counting}\n\nUno, dos, tres, cuatro.\n", "", "alice")
    app.review(second, "approve", "", by="carol", version=2)
    assert "cuatro" in queries().section(tiny, "counting").text
    assert queries().section(tiny, "counting").revision == 3


def test_changes_requested_then_revised_then_approved(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    proposal = app.propose_edit(tiny, "counting", COUNTING, "Count to four", by="alice")
    assert app.review(proposal, "request-changes", "Go to five.", by="bob") == "changes_requested"
    with pytest.raises(InvalidInput, match="Say which changes"):
        app.review(proposal, "request_changes", "  ", by="bob")
    five = "## Counting {#counting}\n\nOne, two, three, four, five.\n"
    app.revise_proposal(proposal, five, "Now to five", by="alice")
    assert app.proposal_info(proposal).status == "open"
    app.review(proposal, "comment", "Thanks!", by="alice")
    app.review(proposal, "approve", "", by="bob", version=2)
    thread = queries().thread(str(proposal))
    assert [(t.kind, t.by) for t in thread] == [
        ("opened", "alice"),
        ("changes_requested", "bob"),
        ("revised", "alice"),
        ("commented", "alice"),
        ("approved", "bob"),
    ]
    assert queries().section(tiny, "counting").text == five


def test_closed_proposals_cannot_change(app: Textbook, tiny: str) -> None:
    proposal = app.propose_edit(tiny, "counting", COUNTING, "Count to four", by="alice")
    app.review(proposal, "reject", "Not needed.", by="bob")
    with pytest.raises(ProposalClosed, match="already rejected"):
        app.review(proposal, "approve", "", by="carol", version=1)
    with pytest.raises(ProposalClosed):
        app.revise_proposal(proposal, COUNTING + "\nMore.\n", "", by="alice")


def test_proposal_text_must_be_one_section_keeping_its_id(app: Textbook, tiny: str) -> None:
    before = event_count(app)
    with pytest.raises(InvalidSectionText, match="ids never change"):
        app.propose_edit(tiny, "counting", "## Counting {#tally}\n\nx\n", "rename", by="alice")
    with pytest.raises(InvalidSectionText, match="starts another section"):
        app.propose_edit(tiny, "counting", COUNTING + "\n## Extra {#extra}\n\ny\n", "", by="alice")
    with pytest.raises(InvalidSectionText, match="first line must be"):
        app.propose_edit(tiny, "counting", "Just text.\n", "", by="alice")
    with pytest.raises(InvalidInput, match="same as the current text"):
        current = app.book_state(tiny).chapters[0].sections[1].text
        app.propose_edit(tiny, "counting", current, "", by="alice")
    with pytest.raises(SectionNotFound):
        app.propose_edit(tiny, "nowhere", COUNTING, "", by="alice")
    with pytest.raises(InvalidSectionText, match="NUL"):
        app.propose_edit(tiny, "counting", COUNTING + "nul\x00\n", "", by="alice")
    with pytest.raises(InvalidInput, match="NUL"):
        app.propose_edit(tiny, "counting", COUNTING + "More.\n", "nul\x00", by="alice")
    assert event_count(app) == before
    # A heading without an id keeps the section's id.
    proposal = app.propose_edit(tiny, "counting", "## Tallying\n\nOne.\n", "Retitle", by="alice")
    assert app.proposal_info(proposal).text.startswith("## Tallying {#counting}\n")


def test_new_sections_chapters_moves_and_removals(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    added = app.propose_section(
        tiny, "first", "counting", "## Tallies {#tallies}\n\nFive bars.\n", "New", by="alice"
    )
    chapter = app.propose_chapter(
        tiny, "second", "# Third Act {#third}\n\nThe end.\n", "A chapter", by="alice"
    )
    with pytest.raises(SlugTaken):
        app.propose_section(tiny, "first", "", "## Dup {#counting}\n\nx\n", "", by="alice")
    app.review(added, "approve", "", by="bob", version=1)
    app.review(chapter, "approve", "", by="bob", version=1)
    moved = app.propose_move(tiny, "tallies", "third", "", "Belongs at the end", by="alice")
    app.review(moved, "approve", "", by="carol", version=1)
    removed = app.propose_removal(tiny, "measuring", "Not needed", by="alice")
    app.review(removed, "approve", "", by="carol", version=1)
    outline = queries().outline(tiny)
    assert [(c.id, c.title, [s.id for s in c.sections]) for c in outline.chapters] == [
        ("first", "First Steps", ["first", "counting"]),
        ("second", "Second Thoughts", ["second", "summing"]),
        ("third", "Third Act", ["third", "tallies"]),
    ]
    state = app.book_state(tiny)
    assert state.chapters[2].file == "third.md"
    assert "Five bars." in state.markdown()
    assert "## Measuring" not in state.markdown()
