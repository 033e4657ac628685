"""Two people at the same instant: two application instances on one store, the second
deciding on what it loaded before the first one saved. Exactly one wins; the other gets a clear
refusal (naming what happened), and the record holds one event, never two."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest

from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.domain.errors import (
    Conflict,
    NeedClosed,
    NeedNotTaken,
    NeedTaken,
    ReviewAlreadyRequested,
)
from textbook.domain.need import Need
from textbook.domain.proposal import Proposal
from textbook.domain.watchlist import Watchlist
from textbook.storage import open_textbook

EDIT = "## Counting {#counting}\n\nOne, two.\n"


@pytest.fixture
def other(settings: Settings, tiny: str) -> Iterator[Textbook]:
    """A second application on the same store: another process, another server."""
    second = open_textbook(settings)
    yield second
    second.close()


def first_saves_between(loser: Textbook, winner_command: Callable[[], object]) -> None:
    """The loser's next save is preceded by the winner's whole command: the loser loaded and
    decided before the winner saved, as two requests at the same instant do."""
    real = loser._save
    ran: list[bool] = []

    def save(*aggregates: Any) -> list[Any]:
        if not ran:
            ran.append(True)
            winner_command()
        return real(*aggregates)

    loser._save = save  # type: ignore[method-assign]


def events_of(app: Textbook, aggregate_id: UUID, kind: type) -> int:
    return sum(isinstance(e, kind) for e in app.events.get(aggregate_id))


def test_two_people_take_the_same_free_need_at_once(app: Textbook, other: Textbook) -> None:
    need = app.mark_need("tiny", "counting", "figure", "A plot would help", "alice")
    first_saves_between(other, lambda: app.take_need(need, "bob"))
    with pytest.raises(NeedTaken, match="bob is on this need"):
        other.take_need(need, "carol")
    assert events_of(app, need, Need.Taken) == 1
    assert app.need_holder(need) == "bob"


def test_two_editors_close_the_same_need_at_once(app: Textbook, other: Textbook) -> None:
    need = app.mark_need("tiny", "counting", "figure", "A plot would help", "alice")
    first_saves_between(other, lambda: app.close_need(need, "Not needed", "bob"))
    with pytest.raises(NeedClosed):
        other.close_need(need, "Done elsewhere", "carol")
    assert events_of(app, need, Need.Closed) == 1


def test_the_taker_and_an_editor_release_at_once(app: Textbook, other: Textbook) -> None:
    need = app.mark_need("tiny", "counting", "figure", "A plot would help", "alice")
    app.take_need(need, "alice")
    first_saves_between(other, lambda: app.release_need(need, "alice"))
    with pytest.raises(NeedNotTaken):
        other.release_need(need, "bob")
    assert events_of(app, need, Need.Released) == 1


def test_an_approval_and_an_editors_close_at_once(app: Textbook, other: Textbook) -> None:
    """The approval wins the race: the need is closed once, by it; the editor hears it is
    closed. The other way round: the editor's close stands, the approval publishes anyway."""
    need = app.mark_need("tiny", "counting", "figure", "A plot would help", "alice")
    proposal = app.propose_edit("tiny", "counting", EDIT, "Shorter", "alice", needs=[need])
    first_saves_between(other, lambda: app.review(proposal, "approve", "", "bob", version=1))
    with pytest.raises(NeedClosed):
        other.close_need(need, "Not needed", "carol")
    assert events_of(app, need, Need.Closed) == 1
    closed: object = app.repository.get(need)
    assert isinstance(closed, Need) and closed.closed_by_proposal == proposal

    need2 = app.mark_need("tiny", "summing", "figure", "A table", "alice")
    text = "## Summing {#summing}\n\nSums, briefly.\n"
    proposal2 = app.propose_edit("tiny", "summing", text, "Briefer", "alice", needs=[need2])
    first_saves_between(other, lambda: app.close_need(need2, "Not needed", "carol"))
    other.review(proposal2, "approve", "", "bob", version=1)
    assert events_of(app, need2, Need.Closed) == 1
    approved: object = app.repository.get(proposal2)
    assert isinstance(approved, Proposal) and not approved.is_open
    closed2: object = app.repository.get(need2)
    assert isinstance(closed2, Need) and closed2.closed_by_proposal is None


def test_two_review_requests_for_the_same_reviewer_at_once(app: Textbook, other: Textbook) -> None:
    proposal = app.propose_edit("tiny", "counting", EDIT, "Shorter", "alice")
    first_saves_between(other, lambda: app.request_review(proposal, "carol", "alice"))
    with pytest.raises(ReviewAlreadyRequested):
        other.request_review(proposal, "carol", "bob")
    assert events_of(app, proposal, Proposal.ReviewRequested) == 1


def test_watching_the_same_thing_twice_at_once(app: Textbook, other: Textbook) -> None:
    """Both requests watch the section: one event, no refusal (watching it again is nothing)."""
    first_saves_between(other, lambda: app.watch("alice", "section", "tiny", "counting"))
    other.watch("alice", "section", "tiny", "counting")
    watchlist_id = Watchlist.create_id("alice")
    assert events_of(app, watchlist_id, Watchlist.Watched) == 1
    assert app.is_watching("alice", "section", "tiny", "counting")


def test_a_race_lost_twice_is_still_a_clear_refusal(app: Textbook, other: Textbook) -> None:
    """If every retry loses too, the person is told to try again: a conflict, not a 500."""
    need = app.mark_need("tiny", "counting", "figure", "A plot would help", "alice")
    real = other._save
    calls: list[int] = []

    def always_late(*aggregates: Any) -> list[Any]:
        calls.append(1)
        app.mark_inbox_read("alice", len(calls))  # unrelated writes change nothing here
        app.take_need(need, "bob")
        app.release_need(need, "bob")
        return real(*aggregates)

    other._save = always_late  # type: ignore[method-assign]
    with pytest.raises(Conflict):
        other.take_need(need, "carol")
    assert events_of(app, need, Need.Taken) == len(calls)  # bob's; carol's never
