"""Changes flowing between a fork and its upstream: the fork sees what changed upstream since it
took each section and takes it as a proposal merged three-way with its own changes; an overlap
is a conflict a person resolves, never an overwrite; a change made in the fork is offered to the
upstream as an ordinary proposal there, reviewed by its editors under its rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import event_count
from tests.domain.test_forks import book_with_licence
from textbook.domain.application import Textbook
from textbook.domain.errors import (
    Conflict,
    InvalidInput,
    NotAMember,
    NotAnEditor,
    OthersContributed,
    SelfApprovalRefused,
)
from textbook.domain.section import Source
from textbook.domain.sync import ChangeKind, NotAFork, UnresolvedConflict, UpstreamConflict

COUNTING = (
    "## Counting {#counting}\n\nOne, two, three.\nFour, five, six.\n\n```python\n"
    "# a comment, not a heading\nprint(1 + 1)\n```\n"
)


def edit(app: Textbook, slug: str, section: str, old: str, new: str, by: str, review: str) -> None:
    text = app._live_section(app.book(slug), section).text
    assert old in text
    proposal = app.propose_edit(slug, section, text.replace(old, new), "Edit", by)
    app.review(proposal, "approve", "", review, version=1)


def text_of(app: Textbook, slug: str, section: str) -> str:
    return app._live_section(app.book(slug), section).text


def sections_of(app: Textbook, slug: str, chapter_id: str) -> tuple[str, ...]:
    chapter = app.book(slug).outline.chapter(chapter_id)
    assert chapter is not None
    return chapter.sections


@pytest.fixture
def fork(app: Textbook, tiny: str) -> str:
    """tiny-course, forked from tiny by tess, its maintainer; uma edits it, alice authors."""
    for name in ("tess", "uma"):
        app.register_user(name, f"{name}@example.org", "correct horse")
    app.fork_book(tiny, "tiny-course", by="tess", title="A Tiny Course")
    app.grant("tiny-course", "uma", "editor", by="tess")
    app.grant("tiny-course", "alice", "author", by="tess")
    return "tiny-course"


def test_an_upstream_change_is_taken_with_a_three_way_merge_keeping_the_forks_own(
    app: Textbook, tiny: str, fork: str
) -> None:
    assert app.upstream_changes(fork) == []
    edit(app, fork, "counting", "One, two, three.", "Un, deux, trois.", "alice", "uma")
    edit(app, tiny, "counting", "print(1 + 1)", "print(2 + 2)", "alice", "bob")

    (change,) = app.upstream_changes(fork)
    assert (change.section_id, change.kind, change.taken_revision) == ("counting", "changed", 1)
    assert change.upstream_revision == 2 and change.fork_changed and not change.conflict
    assert change.base == COUNTING
    assert change.merged == COUNTING.replace("One, two, three.", "Un, deux, trois.").replace(
        "1 + 1", "2 + 2"
    )

    with pytest.raises(NotAnEditor):  # an author of the fork does not take upstream changes
        app.take_upstream(fork, "counting", by="alice")
    proposal = app.take_upstream(fork, "counting", by="tess")
    assert proposal is not None
    with pytest.raises(Conflict, match="proposed already"):
        app.take_upstream(fork, "counting", by="tess")
    with pytest.raises(SelfApprovalRefused):  # four eyes in the fork
        app.review(proposal, "approve", "", "tess", version=1)
    app.review(proposal, "approve", "", "uma", version=1)

    assert text_of(app, fork, "counting") == change.merged
    source, _ = app.section_source(fork, "counting")
    assert source == Source(tiny, "counting", 2, "CC-BY-4.0")
    assert app.upstream_changes(fork) == []


def test_overlapping_edits_are_a_conflict_a_person_resolves(
    app: Textbook, tiny: str, fork: str
) -> None:
    edit(app, fork, "counting", "Four, five, six.", "Four, five, six, seven.", "alice", "uma")
    edit(app, tiny, "counting", "Four, five, six.", "Four, five and six.", "alice", "bob")
    (change,) = app.upstream_changes(fork)
    assert change.conflict and change.clashes
    assert "<<<<<<< this book\nFour, five, six, seven.\n=======\n" in change.with_markers
    assert "Four, five and six.\n>>>>>>> upstream\n" in change.with_markers

    before = event_count(app)
    with pytest.raises(UpstreamConflict) as conflict:
        app.take_upstream(fork, "counting", by="tess")
    assert "both changed the same lines of 'counting'" in conflict.value.message
    with pytest.raises(UnresolvedConflict) as unresolved:
        app.take_upstream(fork, "counting", by="tess", resolution=change.with_markers)
    assert unresolved.value.line == 4  # after the heading, a blank line and "One, two, three."
    report = app.sync_upstream(fork, by="tess")
    assert report.proposed == [] and [c.section_id for c in report.conflicts] == ["counting"]
    assert event_count(app) == before

    resolved = change.with_markers.replace(
        "<<<<<<< this book\nFour, five, six, seven.\n=======\nFour, five and six.\n"
        ">>>>>>> upstream\n",
        "Four, five, six and seven.\n",
    )
    proposal = app.take_upstream(fork, "counting", by="tess", resolution=resolved)
    assert proposal is not None
    app.review(proposal, "approve", "", "uma", version=1)
    assert "Four, five, six and seven." in text_of(app, fork, "counting")
    assert app.upstream_changes(fork) == []


def test_sections_added_and_removed_upstream_and_a_sync(
    app: Textbook, tiny: str, fork: str
) -> None:
    added = app.propose_section(
        tiny, "first", "counting", "## Weighing {#weighing}\n\nOn a scale.\n", "Add", "alice"
    )
    app.review(added, "approve", "", "bob", version=1)
    removed = app.propose_removal(tiny, "summing", "Gone", "alice")
    app.review(removed, "approve", "", "bob", version=1, break_references=True)
    edit(app, tiny, "counting", "print(1 + 1)", "print(3)", "alice", "bob")

    changes = {c.section_id: c.kind for c in app.upstream_changes(fork)}
    assert changes == {
        "counting": ChangeKind.CHANGED,
        "summing": ChangeKind.REMOVED,
        "weighing": ChangeKind.ADDED,
    }
    report = app.sync_upstream(fork, by="tess")
    assert sorted(section for section, _ in report.proposed) == ["counting", "summing", "weighing"]
    again = app.sync_upstream(fork, by="tess")  # each is proposed once
    assert again.proposed == []
    assert [(s, "proposed already" in why) for s, why in again.refused] == [
        ("counting", True),
        ("summing", True),
        ("weighing", True),
    ]
    for _, proposal in report.proposed:  # summing's removal breaks a link, as it did upstream
        app.review(proposal, "approve", "", "uma", version=1, break_references=True)
    assert sections_of(app, fork, "first") == ("first", "counting", "weighing", "measuring")
    assert not app.book(fork).has_section("summing")
    assert app.upstream_changes(fork) == []


def test_a_fork_change_is_offered_upstream_and_reviewed_there(
    app: Textbook, tiny: str, fork: str
) -> None:
    with pytest.raises(InvalidInput, match="nothing to offer"):
        app.offer_upstream(fork, "counting", by="alice")
    edit(app, fork, "counting", "One, two, three.", "One, two, three!", "uma", "tess")
    edit(app, tiny, "counting", "print(1 + 1)", "print(2)", "alice", "bob")
    (offer,) = app.offers(fork)
    assert (offer.section_id, offer.taken_revision, offer.upstream_changed) == ("counting", 1, True)

    before = event_count(app)
    with pytest.raises(NotAMember):  # uma is no member of the upstream
        app.offer_upstream(fork, "counting", by="uma")
    with pytest.raises(NotAFork):
        app.offer_upstream(tiny, "counting", by="alice")
    assert event_count(app) == before

    proposal = app.offer_upstream(fork, "counting", by="carol")  # an editor upstream
    info = app.proposal_info(proposal)
    assert (info.book_slug, info.base_revision, info.author) == (tiny, 1, "carol")
    with pytest.raises(SelfApprovalRefused):  # four eyes upstream: not the one who offers
        app.review(proposal, "approve", "", "carol", version=1)
    app.review(proposal, "approve", "", "bob", version=1)
    upstream_text = text_of(app, tiny, "counting")
    assert "One, two, three!" in upstream_text and "print(2)" in upstream_text

    # Back in the fork, the upstream's text is its own plus the offer: nothing to merge.
    (change,) = app.upstream_changes(fork)
    assert change.merged == upstream_text
    assert app.take_upstream(fork, "counting", by="tess") is not None


def test_a_section_added_in_the_fork_is_offered_as_a_new_section(
    app: Textbook, tiny: str, fork: str
) -> None:
    text = "## Estimating {#estimating}\n\nGuess, then check.\n"
    added = app.propose_section(fork, "first", "counting", text, "Add", "alice")
    app.review(added, "approve", "", "uma", version=1)
    offers = {o.section_id: o.kind for o in app.offers(fork)}
    assert offers == {"estimating": "add_section"}
    proposal = app.offer_upstream(fork, "estimating", by="alice")
    app.review(proposal, "approve", "", "bob", version=1)
    assert sections_of(app, tiny, "first")[2] == "estimating"
    assert app.offers(fork) == []


def test_an_offer_from_a_fork_makes_its_author_a_contributor_of_the_upstream(
    app: Textbook, tmp_path: Path
) -> None:
    app.register_user("sam", "sam@example.org", "correct horse")
    solo = book_with_licence(app, tmp_path, "solo", "CC-BY-4.0", by="sam")
    app.set_open_to_all(solo, True, by="sam")
    for name in ("uma", "tess"):
        app.register_user(name, f"{name}@example.org", "correct horse")
    app.fork_book(solo, "solo-fork", by="uma")
    app.grant("solo-fork", "tess", "editor", by="uma")
    edit(app, "solo-fork", "counting", "One, two, three.", "One, two, three!", "uma", "tess")
    app.offer_upstream("solo-fork", "counting", by="uma")  # open to all: uma may propose there
    with pytest.raises(OthersContributed):
        app.delete_book(solo, "sam")
