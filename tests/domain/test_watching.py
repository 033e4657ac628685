"""Watching books, chapters and sections, and asking an editor to review: the rules."""

from __future__ import annotations

import pytest

from tests.live import fingerprint_of
from textbook.domain import watchlist
from textbook.domain.application import Textbook
from textbook.domain.errors import (
    ProposalClosed,
    ReviewAlreadyRequested,
    TooManyWatched,
)
from textbook.projections.views import ReadModels

EDIT = "## Counting {#counting}\n\nOne, two.\n"


def test_a_person_watches_and_stops_watching(app: Textbook, tiny: str) -> None:
    app.watch("alice", "book", tiny)
    app.watch("alice", "chapter", tiny, "second")
    app.watch("alice", "section", tiny, "counting")
    app.watch("alice", "section", tiny, "counting")  # again: nothing more
    assert app.is_watching("alice", "section", tiny, "counting")
    assert app.is_watching("alice", "chapter", tiny, "second")
    assert not app.is_watching("bob", "book", tiny)
    app.unwatch("alice", "section", tiny, "counting")
    assert not app.is_watching("alice", "section", tiny, "counting")
    app.unwatch("alice", "section", tiny, "nowhere")  # not watched: nothing to do
    assert app.is_watching("alice", "book", tiny)


def test_the_watchlist_is_capped_and_a_refusal_changes_nothing(
    app: Textbook, views: ReadModels, tiny: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watchlist, "MAX_WATCHED", 2)
    app.watch("alice", "book", tiny)
    app.watch("alice", "section", tiny, "counting")
    before = fingerprint_of(app, views)
    with pytest.raises(TooManyWatched, match="already watch 2"):
        app.watch("alice", "section", tiny, "summing")
    assert fingerprint_of(app, views) == before
    app.unwatch("alice", "book", tiny)
    app.watch("alice", "section", tiny, "summing")  # room again


def test_reading_the_inbox_never_goes_back(app: Textbook, tiny: str) -> None:
    app.mark_inbox_read("alice", 7_000_000)
    app.mark_inbox_read("alice", 3)  # an older page sent again
    assert app._watchlist(app.user("alice")).read_up_to == 7_000_000


def test_rotating_the_feed_key_gives_a_new_generation(app: Textbook, tiny: str) -> None:
    assert app.feed_generation("alice") == 0
    assert app.rotate_feed_key("alice") == 1
    assert app.rotate_feed_key("alice") == 2
    assert app.feed_generation("alice") == 2


def test_an_author_or_an_editor_asks_an_editor_to_review(app: Textbook, tiny: str) -> None:
    edit = app.propose_edit(tiny, "counting", EDIT, "Shorter", "alice")
    app.request_review(edit, "bob", "alice")  # by its author
    app.request_review(edit, "carol", "bob")  # by an editor of the book
    proposal = app._proposal(edit)
    assert proposal.review_requests == [app.user("bob").id, app.user("carol").id]


def test_a_duplicate_open_request_is_refused_until_answered(
    app: Textbook, views: ReadModels, tiny: str
) -> None:
    edit = app.propose_edit(tiny, "counting", EDIT, "Shorter", "alice")
    app.request_review(edit, "bob", "alice")
    before = fingerprint_of(app, views)
    with pytest.raises(ReviewAlreadyRequested, match="bob has already been asked"):
        app.request_review(edit, "bob", "carol")
    assert fingerprint_of(app, views) == before
    app.review(edit, "request_changes", "Count further.", "bob")  # bob answers
    assert app._proposal(edit).review_requests == []
    app.request_review(edit, "bob", "alice")  # asked again, after revising perhaps
    assert app._proposal(edit).review_requests == [app.user("bob").id]


def test_a_review_of_a_closed_proposal_is_not_asked(
    app: Textbook, views: ReadModels, tiny: str
) -> None:
    edit = app.propose_edit(tiny, "counting", EDIT, "Shorter", "alice")
    app.withdraw(edit, "alice")
    before = fingerprint_of(app, views)
    with pytest.raises(ProposalClosed):
        app.request_review(edit, "bob", "alice")
    assert fingerprint_of(app, views) == before
