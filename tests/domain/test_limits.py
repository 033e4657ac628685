"""Limits that keep one person from flooding a book or guessing a password, on real stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from tests.conftest import FIXTURES, event_count
from textbook.book_folder import read_book
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.domain.errors import InvalidSectionText, SignInLocked, TooManyOpenProposals
from textbook.domain.markdown import MAX_SECTION_BYTES
from textbook.domain.proposal import MAX_OPEN, OpenProposals
from textbook.projections.queries import Queries
from textbook.storage import blob_store, open_textbook

NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def counting(n: int) -> str:
    return f"## Counting {{#counting}}\n\nCount to {n}.\n"


def test_an_author_has_at_most_50_open_proposals_per_book(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    proposals = [
        app.propose_edit(tiny, "counting", counting(n), f"Count to {n}", by="alice")
        for n in range(MAX_OPEN - 1)
    ]
    app.review(proposals[0], "request_changes", "Higher.", by="bob")  # still open
    last = app.propose_section(tiny, "first", "", "## New {#new}\n\nNew.\n", "New", by="alice")
    before = event_count(app)
    with pytest.raises(TooManyOpenProposals) as refused:
        app.propose_edit(tiny, "counting", counting(99), "One more", by="alice")
    assert "already have 50 open proposals for the book 'tiny'" in refused.value.message
    assert "Withdraw one, or wait until editors have reviewed some" in refused.value.message
    with pytest.raises(TooManyOpenProposals):
        app.propose_removal(tiny, "measuring", "Gone", by="alice")
    assert event_count(app) == before
    # Others still may; the limit is per person.
    app.propose_edit(tiny, "counting", counting(7), "Mine", by="carol")
    # Withdrawing, a rejection and an approval each free a place.
    app.withdraw(proposals[1], by="alice")
    freed = app.propose_edit(tiny, "counting", counting(100), "Room again", by="alice")
    with pytest.raises(TooManyOpenProposals):
        app.propose_edit(tiny, "counting", counting(101), "No room", by="alice")
    app.review(proposals[2], "reject", "No.", by="bob")
    app.review(last, "approve", "", by="bob", version=1)
    app.propose_edit(tiny, "counting", counting(102), "Room", by="alice")
    app.propose_edit(tiny, "counting", counting(103), "Room", by="alice")
    with pytest.raises(TooManyOpenProposals):
        app.propose_edit(tiny, "counting", counting(104), "No room", by="alice")
    open_now = [p for p in queries().proposals(tiny, "open") if p.author == "alice"]
    assert len(open_now) == MAX_OPEN
    assert str(freed) in {p.id for p in open_now}


def test_two_racing_opens_cannot_both_take_the_last_place(app: Textbook, tiny: str) -> None:
    author = app.user("alice").id
    for n in range(MAX_OPEN - 1):
        app.propose_edit(tiny, "counting", counting(n), "", by="alice")
    # Two workers both read the count at 49 ...
    first: OpenProposals = app.repository.get(OpenProposals.create_id(tiny, author))
    second: OpenProposals = app.repository.get(OpenProposals.create_id(tiny, author))
    assert len(first.proposals) == len(second.proposals) == MAX_OPEN - 1
    # ... one opens the 50th proposal; the other's save, on the same version, then conflicts.
    app.propose_edit(tiny, "counting", counting(50), "", by="alice")
    second.add(uuid4())
    with pytest.raises(IntegrityError):
        app.save(second)
    assert len(app.repository.get(OpenProposals.create_id(tiny, author)).proposals) == MAX_OPEN


def test_five_wrong_passwords_lock_signing_in_for_15_minutes(app: Textbook, tiny: str) -> None:
    alice = app.user("alice").id
    for minute in range(4):
        assert app.check_password("alice", "wrong", NOON + timedelta(minutes=minute)) is None
    # The fifth wrong password within 15 minutes locks the account, and says so.
    with pytest.raises(SignInLocked) as locked:
        app.check_password("alice", "wrong", NOON + timedelta(minutes=4))
    assert locked.value.until == NOON + timedelta(minutes=19)
    assert "Too many wrong passwords for 'alice' (5 within 15 minutes)" in locked.value.message
    assert "locked until 12:19 UTC" in locked.value.message
    # Then even the right password is refused, and refusals are no longer recorded.
    before = event_count(app)
    for minute in (5, 10, 18):
        with pytest.raises(SignInLocked):
            app.check_password("alice", "correct horse", NOON + timedelta(minutes=minute))
        with pytest.raises(SignInLocked):
            app.check_password("alice", "wrong again", NOON + timedelta(minutes=minute))
    assert event_count(app) == before
    # Fifteen minutes after the last failure, the right password works, and resets the count.
    assert app.check_password("alice", "correct horse", NOON + timedelta(minutes=19)) == alice
    assert app.user("alice").failed_sign_ins == []
    for minute in range(20, 24):
        assert app.check_password("alice", "wrong", NOON + timedelta(minutes=minute)) is None
    assert app.check_password("alice", "correct horse", NOON + timedelta(minutes=24)) == alice
    # Other accounts are not affected, and unknown names record nothing.
    assert app.check_password("bob", "correct horse", NOON + timedelta(minutes=5)) is not None
    before = event_count(app)
    assert app.check_password("nobody", "wrong", NOON) is None
    assert event_count(app) == before


def test_wrong_passwords_spread_over_more_than_15_minutes_do_not_lock(
    app: Textbook, tiny: str
) -> None:
    for minute in (0, 4, 8, 12, 16, 20, 24):
        assert app.check_password("alice", "wrong", NOON + timedelta(minutes=minute)) is None
    assert app.check_password("alice", "correct horse", NOON + timedelta(minutes=25)) is not None


def test_the_lock_holds_for_every_process_sharing_the_store(
    app: Textbook, tiny: str, settings: Settings
) -> None:
    other = open_textbook(settings)  # as another web worker, or another host, would
    try:
        for minute in range(4):
            assert other.check_password("alice", "wrong", NOON + timedelta(minutes=minute)) is None
        with pytest.raises(SignInLocked):
            app.check_password("alice", "wrong", NOON + timedelta(minutes=4))
        with pytest.raises(SignInLocked):
            other.check_password("alice", "correct horse", NOON + timedelta(minutes=5))
    finally:
        other.close()


def test_an_import_holds_each_section_to_the_size_a_proposal_is_held_to(
    app: Textbook, tiny: str
) -> None:
    source = read_book(FIXTURES / "tiny")
    chapters = list(source.state.chapters)
    big = "## Counting {#counting}\n\n" + "One, two, three. " * (MAX_SECTION_BYTES // 17 + 1)
    sections = tuple(
        replace(s, text=big) if s.id == "counting" else s for s in chapters[0].sections
    )
    chapters[0] = replace(chapters[0], sections=sections)
    before = event_count(app)
    with pytest.raises(InvalidSectionText) as refused:
        app.import_book(replace(source.state, chapters=tuple(chapters)), by="mia")
    assert str(refused.value).startswith("The section 'counting' in first.md: The text is ")
    assert f"at most {MAX_SECTION_BYTES:,} bytes" in str(refused.value)
    assert event_count(app) == before
    assert "One, two, three. One" not in app.book_state(tiny).markdown()


def test_a_refused_import_stores_none_of_its_images(settings: Settings) -> None:
    """The images' bytes go in through the application, after every check: a refused import
    leaves no orphaned bytes behind."""
    app = open_textbook(settings)
    try:
        app.register_user("mia", "mia@example.org", "correct horse")
        source = read_book(FIXTURES / "tiny")
        assert source.blobs  # the tiny book has an image
        chapters = list(source.state.chapters)
        big = "## Counting {#counting}\n\n" + "One, two, three. " * (MAX_SECTION_BYTES // 17 + 1)
        sections = tuple(
            replace(s, text=big) if s.id == "counting" else s for s in chapters[0].sections
        )
        chapters[0] = replace(chapters[0], sections=sections)
        oversized = replace(source.state, chapters=tuple(chapters))
        with pytest.raises(InvalidSectionText):
            app.import_book(oversized, by="mia", blobs=source.blobs)
        for sha256 in source.blobs:
            with pytest.raises(KeyError):
                blob_store(app).get(sha256)
        app.import_book(source.state, by="mia", blobs=source.blobs)
        assert blob_store(app).get_many(list(source.blobs)) == source.blobs
    finally:
        app.close()
