"""A book with a known history at known moments, for the community page, the feeds and profiles.

Events take their time from eventsourcing's clock (`datetime_now_with_tzinfo`, which every
event's `create_timestamp` calls); `Clock` stands in for it, so each command of the history
happens at the moment the test names. Every moment is given before `now`, so that the same
history serves a fixed `now` (exact figures) and the real one (pages served now).

The tiny book (tests/fixtures/books/tiny): alice authors, bob and carol edit. With now at
2026-06-15 12:00 UTC:

| proposal | author | section   | opened        | reviews                                  |
|----------|--------|-----------|---------------|------------------------------------------|
| old      | alice  | summing   | 01-10 00:00   | bob approves 01-20 00:00 (3 words)       |
| counting | alice  | counting  | 06-01 00:00   | bob asks changes 06-02, approves 06-05   |
|          |        |           |               | 00:00 (4 words, after a revision)        |
| ruler    | alice  | measuring | 06-03 00:00   | carol approves 06-03 06:00 (3 words)     |
| refused  | bob    | summing   | 06-04 00:00   | carol rejects 06-07 00:00                |
| gauss    | carol  | summing   | 06-08 00:00   | bob approves 06-12 00:00 (3 words)       |
| waiting  | alice  | first     | 06-10 00:00   | carol comments 06-12 06:00 (no review)   |

And its needs (a take holds 14 days; `app.clock` stands at each moment too):

| need       | kind       | on             | opened (by)          | then                        |
|------------|------------|----------------|----------------------|-----------------------------|
| caption    | figure     | summing        | 06-14 00:00 (bob)    | free                        |
| diagram    | figure     | counting       | 06-13 00:00 (carol)  | alice takes it 06-14 00:00  |
| drills     | exercises  | chapter second | 06-01 00:00 (bob)    | free                        |
| typo       | error      | measuring      | 05-20 00:00 (reader) | bob takes it 05-25: lapsed  |
| source     | fact_check | summing        | 04-01 00:00 (carol)  | alice takes it 06-10 00:00  |
| references | citations  | first          | 01-15 00:00 (bob)    | free                        |
| worked     | example    | counting       | 05-01 00:00 (bob)    | carol closes it 06-01 00:00 |

At 06-15 12:00: six open, two taken (diagram, source); under a week: caption, diagram; a week
to a month: drills, typo; one to three months: source; over three months: references.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import eventsourcing.domain
import pytest

from tests.conftest import FIXTURES, import_folder
from textbook.domain.application import Textbook

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
DAY = 86400.0


@dataclass
class Clock:
    """The moment events are stamped with, set by the test."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


@contextmanager
def clock_at(moment: datetime) -> Iterator[Clock]:
    """Events stamped by `clock.moment` inside the block (then the real clock again)."""
    clock = Clock(moment)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", clock)
        yield clock


@dataclass
class History:
    now: datetime
    proposals: dict[str, UUID] = field(default_factory=dict)
    needs: dict[str, UUID] = field(default_factory=dict)

    def at(self, month: int, day: int, hour: int = 0) -> datetime:
        """A moment of the history, placed relative to `now` as it is to 2026-06-15 12:00."""
        return self.now - (NOW - datetime(2026, month, day, hour, tzinfo=UTC))


def section_text(app: Textbook, slug: str, section_id: str) -> str:
    state = app.book_state(slug)
    return next(s.text for c in state.chapters for s in c.sections if s.id == section_id)


def appended(app: Textbook, slug: str, section_id: str, sentence: str) -> str:
    return section_text(app, slug, section_id).rstrip("\n") + f"\n\n{sentence}\n"


def write_history(app: Textbook, now: datetime = NOW) -> History:
    """The tiny book and the history in the table above, `now` being 06-15 12:00."""
    history = History(now)
    found = history.proposals
    with clock_at(now - timedelta(days=200)) as clock:
        import_folder(app, FIXTURES / "tiny")
        for name in ("alice", "bob", "carol"):
            app.register_user(name, f"{name}@example.org", "correct horse")
        app.grant("tiny", "alice", "author")
        app.grant("tiny", "bob", "editor")
        app.grant("tiny", "carol", "editor")

        def at(month: int, day: int, hour: int = 0) -> None:
            clock.moment = history.at(month, day, hour)

        at(1, 10)
        found["old"] = app.propose_edit(
            "tiny", "summing", appended(app, "tiny", "summing", "Sums are fun."), "Fun", "alice"
        )
        at(1, 20)
        app.review(found["old"], "approve", "Yes.", "bob", 1)
        at(6, 1)
        counting = appended(app, "tiny", "counting", "Seven, eight, nine.")
        found["counting"] = app.propose_edit("tiny", "counting", counting, "Count on", "alice")
        at(6, 2)
        app.review(found["counting"], "request_changes", "One more, please.", "bob")
        at(6, 2, 12)
        counting = appended(app, "tiny", "counting", "Seven, eight, nine, ten.")
        app.revise_proposal(found["counting"], counting, "Up to ten", "alice")
        at(6, 3)
        ruler = appended(app, "tiny", "measuring", "A ruler measures.")
        found["ruler"] = app.propose_edit("tiny", "measuring", ruler, "Rulers", "alice")
        at(6, 3, 6)
        app.review(found["ruler"], "approve", "Good.", "carol", 1)
        at(6, 4)
        refused = appended(app, "tiny", "summing", "Sums bore me.")
        found["refused"] = app.propose_edit("tiny", "summing", refused, "Boring", "bob")
        at(6, 5)
        app.review(found["counting"], "approve", "Thank you.", "bob", 2)
        at(6, 7)
        app.review(found["refused"], "reject", "Not so.", "carol")
        at(6, 8)
        gauss = appended(app, "tiny", "summing", "Gauss was ten.")
        found["gauss"] = app.propose_edit("tiny", "summing", gauss, "Gauss", "carol")
        at(6, 10)
        waiting = appended(app, "tiny", "first", "Every book ends too.")
        found["waiting"] = app.propose_edit("tiny", "first", waiting, "Endings", "alice")
        at(6, 12)
        app.review(found["gauss"], "approve", "Nice.", "bob", 1)
        at(6, 12, 6)
        app.review(found["waiting"], "comment", "Which book?", "carol")
        write_needs(app, history, clock)
    return history


READER_EMAIL = "reader@example.org"  # the reporter of the typo: never shown, never in a feed


def write_needs(app: Textbook, history: History, clock: Clock) -> None:
    """The needs of the second table above (the takes judged by `clock` too)."""
    found = history.needs
    real_clock = app.clock
    app.clock = clock

    def at(month: int, day: int, hour: int = 0) -> None:
        clock.moment = history.at(month, day, hour)

    try:
        at(1, 15)
        found["references"] = app.mark_need(
            "tiny", "first", "citations", "Cite a book on counting.", "bob"
        )
        at(4, 1)
        found["source"] = app.mark_need(
            "tiny", "summing", "fact_check", "Did Gauss really sum at ten?", "carol"
        )
        at(5, 1)
        found["worked"] = app.mark_need("tiny", "counting", "example", "Count some apples.", "bob")
        at(5, 20)
        paragraph = section_text(app, "tiny", "measuring").split("\n\n")[0]
        found["typo"] = app.report_error(
            "tiny", "measuring", paragraph, "Rulers measure length, not weight.", READER_EMAIL
        )
        at(5, 25)
        app.take_need(found["typo"], "bob")
        at(6, 1)
        found["drills"] = app.mark_need(
            "tiny", None, "exercises", "No exercises at the end yet.", "bob", "second"
        )
        app.close_need(found["worked"], "Not needed: the text has one.", "carol")
        at(6, 10)
        app.take_need(found["source"], "alice")
        at(6, 13)
        found["diagram"] = app.mark_need(
            "tiny", "counting", "figure", "Draw the number line.", "carol"
        )
        at(6, 14)
        app.take_need(found["diagram"], "alice")
        found["caption"] = app.mark_need(
            "tiny", "summing", "figure", "A picture of the triangle of sums.", "bob"
        )
    finally:
        app.clock = real_clock
