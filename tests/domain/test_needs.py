"""Needs: marked by a book's authors and editors, reported by readers, found at import; taken
("I'm on it") for 14 days or while a proposal answers them; closed by an editor or by the
approval of a proposal that answers them. Every refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from tests.conftest import FIXTURES, import_folder
from tests.live import fingerprint_of
from textbook.domain.application import Textbook
from textbook.domain.errors import (
    InvalidInput,
    LinkRefused,
    NeedClosed,
    NeedNotFound,
    NeedNotTaken,
    NeedOfAnotherBook,
    NeedTaken,
    NotAMember,
    NotAnEditor,
    NotTheTaker,
    SectionNotFound,
    TextbookError,
)
from textbook.domain.need import TAKE_HOLDS, Need
from textbook.domain.vocabulary import NeedKind
from textbook.projections.queries import Queries
from textbook.projections.views import ReadModels

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """The time the application judges takes at, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: Textbook) -> Clock:
    clock = Clock()
    app.clock = clock
    return clock


def need_of(app: Textbook, need_id: UUID) -> Need:
    need: object = app.repository.get(need_id)
    assert isinstance(need, Need)
    return need


def test_an_author_marks_a_need_and_the_board_lists_it(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    need_id = app.mark_need(tiny, "counting", "figure", "A number line would help.", "alice")
    chapter_need = app.mark_need(tiny, None, "exercises", "No exercises yet.", "bob", "second")
    board = queries().needs(tiny)
    assert [(n.id, n.kind, n.section_id, n.chapter_id) for n in board] == [
        (need_id, NeedKind.FIGURE, "counting", "first"),
        (chapter_need, NeedKind.EXERCISES, None, "second"),
    ]
    first = board[0]
    assert first.reason == "A number line would help."
    assert first.opened_by == "alice"
    assert first.section_title == "Counting" and first.chapter_title == "First Steps"
    assert first.holder is None and first.is_open
    assert queries().open_need_count(tiny) == 2
    assert [n.id for n in queries().needs(tiny, kind="exercises")] == [chapter_need]
    assert [n.id for n in queries().needs(tiny, chapter="first")] == [need_id]


def test_a_take_holds_14_days_then_the_need_is_free_again(
    app: Textbook, tiny: str, clock: Clock, queries: Callable[[], Queries]
) -> None:
    need_id = app.mark_need(tiny, "counting", "example", "Show a worked example.", "bob")
    app.take_need(need_id, "mallory")  # anyone signed in, member or not
    assert app.need_holder(need_id) == "mallory"
    with pytest.raises(NeedTaken, match="mallory is on this need until 2026-03-16"):
        app.take_need(need_id, "alice")
    board = queries().needs(tiny, state="taken", now=clock.now)
    assert [(n.holder, n.taken_until) for n in board] == [("mallory", START + TAKE_HOLDS)]
    clock.now = START + TAKE_HOLDS - timedelta(seconds=1)
    assert app.need_holder(need_id) == "mallory"
    clock.now = START + TAKE_HOLDS
    assert app.need_holder(need_id) is None  # lapsed: computed from time, no event
    assert [n.id for n in queries().needs(tiny, state="free", now=clock.now)] == [need_id]
    app.take_need(need_id, "alice")
    assert app.need_holder(need_id) == "alice"


def test_a_proposal_answering_it_keeps_the_take_and_its_approval_closes_it(
    app: Textbook, tiny: str, clock: Clock, queries: Callable[[], Queries]
) -> None:
    need_id = app.mark_need(tiny, "counting", "example", "Show a worked example.", "bob")
    app.take_need(need_id, "alice")
    text = "## Counting {#counting}\n\nOne, two, three. For example, 1 + 2 = 3.\n"
    proposal = app.propose_edit(tiny, "counting", text, "An example", "alice", needs=[need_id])
    assert need_of(app, need_id).answers == [proposal]
    clock.now = START + TAKE_HOLDS + timedelta(days=3)
    assert app.need_holder(need_id) == "alice"  # the proposal is open: the take holds
    assert [n.id for n in queries().needs_of_proposal(proposal)] == [need_id]
    app.review(proposal, "approve", "Thanks", "bob", version=1)
    need = need_of(app, need_id)
    assert not need.is_open
    assert need.closed_by_proposal == proposal and need.closed_by == "bob"
    closed = queries().need(need_id)
    assert not closed.is_open and closed.closed_proposal == proposal
    assert queries().needs(tiny) == []
    assert queries().open_need_count(tiny) == 0


def test_a_new_section_answers_a_chapter_need_and_a_revision_adds_one(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    stub = app.mark_need(tiny, None, "stub", "Counting backwards.", "bob", chapter_id="second")
    more = app.mark_need(tiny, None, "exercises", "Exercises.", "bob", chapter_id="second")
    text = "## Backwards {#backwards}\n\nThree, two, one.\n"
    proposal = app.propose_section(tiny, "second", "", text, "Backwards", "alice", needs=[stub])
    app.revise_proposal(proposal, text + "\nCount down from ten.\n", "", "alice", needs=[more])
    assert need_of(app, more).answers == [proposal]
    assert {n.id for n in queries().needs_of_proposal(proposal)} == {stub, more}
    app.review(proposal, "approve", "", "bob", version=2)
    assert not need_of(app, stub).is_open and need_of(app, stub).closed_by_proposal == proposal
    assert not need_of(app, more).is_open
    assert queries().needs(tiny) == []


def test_the_approval_closes_the_need_in_the_same_save(app: Textbook, tiny: str) -> None:
    need_id = app.mark_need(tiny, "counting", "citations", "Cite a source.", "alice")
    text = "## Counting {#counting}\n\nOne, two, three [@knuth1997].\n"
    proposal = app.propose_edit(tiny, "counting", text, "Cited", "alice", needs=[need_id])
    before = app.recorder.max_notification_id() or 0
    app.review(proposal, "approve", "", "bob", version=1)
    events = app.recorder.select_notifications(before + 1, 100)
    topics = [n.topic.rsplit(".", 1)[-1] for n in events]
    assert "Approved" in topics and "Closed" in topics
    assert len({n.originator_id for n in events if n.topic.endswith("Need.Closed")}) == 1


def test_a_withdrawn_answer_lets_the_take_lapse(app: Textbook, tiny: str, clock: Clock) -> None:
    need_id = app.mark_need(tiny, "counting", "example", "An example.", "bob")
    app.take_need(need_id, "alice")
    text = "## Counting {#counting}\n\nOne, two, three, e.g.\n"
    proposal = app.propose_edit(tiny, "counting", text, "Example", "alice", needs=[need_id])
    app.withdraw(proposal, "alice")
    clock.now = START + TAKE_HOLDS
    assert app.need_holder(need_id) is None


def test_the_taker_or_an_editor_releases_and_an_editor_closes(
    app: Textbook, tiny: str, clock: Clock
) -> None:
    need_id = app.mark_need(tiny, "counting", "fact_check", "Is six right?", "alice")
    app.take_need(need_id, "mallory")
    app.release_need(need_id, "mallory")
    assert app.need_holder(need_id) is None
    app.take_need(need_id, "mallory")
    app.release_need(need_id, "bob")  # an editor frees a need someone sits on
    assert app.need_holder(need_id) is None
    app.close_need(need_id, "Checked: it is right.", "carol")
    need = need_of(app, need_id)
    assert not need.is_open and need.close_reason == "Checked: it is right."


def test_a_reader_report_is_an_error_need_with_the_quote(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    need_id = app.report_error(
        tiny, "counting", "One, two, three.", "Three comes before two?", "reader@example.org"
    )
    need = need_of(app, need_id)
    assert need.kind is NeedKind.ERROR and need.opened_by is None
    assert need.reporter_email == "reader@example.org"
    (seen,) = queries().needs(tiny, kind="error")
    assert seen.quote == "One, two, three." and seen.opened_by is None
    assert "reader@example.org" not in repr(queries().dump()["tb_needs"])


def test_import_problems_become_needs_on_their_sections(app: Textbook, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "book.yaml").write_text(
        "title: Broken\nlanguage: en\nlicense: CC-BY-4.0\nchapters:\n  - one.md\n"
        "identifier: urn:uuid:1b5a4c4e-2f0e-4bd1-9d1e-7b1c2d3e4f51\n"
    )
    (folder / "one.md").write_text(
        "# One {#one}\n\nIntro.\n\n## Later {#later}\n\nSee [@missing2020].\n"
    )
    import_folder(app, folder)
    needs = opened_needs(app)
    assert [(n.kind, n.section_id) for n in needs] == [(NeedKind.IMPORT_PROBLEM, "later")]
    assert "missing2020" in needs[0].reason
    import_folder(app, folder)  # the same problems again: no second need
    again = [
        n for n in app.recorder.select_notifications(1, 500) if n.topic.endswith("Need.Opened")
    ]
    assert len(again) == 1


def test_the_tiny_fixture_imports_without_needs(app: Textbook) -> None:
    import_folder(app, FIXTURES / "tiny")
    assert opened_needs(app) == []


def opened_needs(app: Textbook) -> list[Need]:
    notifications = app.recorder.select_notifications(1, 500)
    opened = [n.originator_id for n in notifications if n.topic.endswith("Need.Opened")]
    return [need_of(app, UUID(str(need_id))) for need_id in opened]


# Refusals: each leaves the store (events and read models) as it was.


@dataclass(frozen=True)
class Board:
    free: UUID  # marked by alice on counting
    taken: UUID  # taken by mallory
    closed: UUID
    other_book: UUID  # a need of another book
    proposal: UUID  # alice's open edit of counting


@pytest.fixture
def board(app: Textbook, tiny: str, clock: Clock, tmp_path: Path) -> Board:
    free = app.mark_need(tiny, "counting", "figure", "A figure.", "alice")
    taken = app.mark_need(tiny, "summing", "example", "An example.", "bob")
    app.take_need(taken, "mallory")
    closed = app.mark_need(tiny, "summing", "stub", "Write it.", "bob")
    app.close_need(closed, "Done already.", "bob")
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "book.yaml").write_text(
        "title: Other\nlanguage: en\nlicense: CC-BY-4.0\nchapters:\n  - o.md\n"
        "identifier: urn:uuid:2b5a4c4e-2f0e-4bd1-9d1e-7b1c2d3e4f52\n"
    )
    (folder / "o.md").write_text("# Other {#other}\n\nText.\n")
    import_folder(app, folder)
    other = app.mark_need("other", "other", "figure", "A figure.", "mia")
    text = "## Counting {#counting}\n\nOne, two.\n"
    proposal = app.propose_edit(tiny, "counting", text, "Shorter", "alice")
    return Board(free, taken, closed, other, proposal)


EDIT = "## Counting {#counting}\n\nOne and two.\n"
REFUSALS: dict[str, tuple[type[TextbookError], Callable[[Textbook, Board], object]]] = {
    "a non-member marks a need": (
        NotAMember,
        lambda a, b: a.mark_need("tiny", "counting", "figure", "Mine.", "mallory"),
    ),
    "a need without a reason": (
        InvalidInput,
        lambda a, b: a.mark_need("tiny", "counting", "figure", "  ", "alice"),
    ),
    "a reason too long": (
        InvalidInput,
        lambda a, b: a.mark_need("tiny", "counting", "figure", "x" * 2001, "alice"),
    ),
    "an unknown kind": (
        InvalidInput,
        lambda a, b: a.mark_need("tiny", "counting", "poetry", "Rhymes.", "alice"),
    ),
    "a section that is not there": (
        SectionNotFound,
        lambda a, b: a.mark_need("tiny", "nowhere", "figure", "A figure.", "alice"),
    ),
    "a chapter that is not there": (
        SectionNotFound,
        lambda a, b: a.mark_need("tiny", None, "figure", "A figure.", "alice", "counting"),
    ),
    "a report without a quote": (
        InvalidInput,
        lambda a, b: a.report_error("tiny", "counting", " ", "Wrong."),
    ),
    "a report with a bad email": (
        InvalidInput,
        lambda a, b: a.report_error("tiny", "counting", "One.", "Wrong.", "not-an-address"),
    ),
    "a report quoting too much": (
        InvalidInput,
        lambda a, b: a.report_error("tiny", "counting", "x" * 5001, "Wrong."),
    ),
    "confirming a report that left no address": (
        LinkRefused,
        lambda a, b: a.confirm_report(b.free),
    ),
    "confirming a report that is not there": (LinkRefused, lambda a, b: a.confirm_report(uuid4())),
    "taking a need someone holds": (NeedTaken, lambda a, b: a.take_need(b.taken, "alice")),
    "taking a closed need": (NeedClosed, lambda a, b: a.take_need(b.closed, "alice")),
    "taking a need that is not there": (NeedNotFound, lambda a, b: a.take_need(uuid4(), "alice")),
    "releasing a free need": (NeedNotTaken, lambda a, b: a.release_need(b.free, "alice")),
    "an author releases another's take": (
        NotTheTaker,
        lambda a, b: a.release_need(b.taken, "alice"),
    ),
    "an author closes a need": (
        NotAnEditor,
        lambda a, b: a.close_need(b.free, "Not needed.", "alice"),
    ),
    "closing without a reason": (InvalidInput, lambda a, b: a.close_need(b.free, "", "bob")),
    "closing a closed need": (NeedClosed, lambda a, b: a.close_need(b.closed, "Again.", "bob")),
    "a proposal answering another book's need": (
        NeedOfAnotherBook,
        lambda a, b: a.propose_edit("tiny", "counting", EDIT, "E", "alice", needs=[b.other_book]),
    ),
    "a proposal answering a closed need": (
        NeedClosed,
        lambda a, b: a.propose_edit("tiny", "counting", EDIT, "E", "alice", needs=[b.closed]),
    ),
    "a proposal answering a need that is not there": (
        NeedNotFound,
        lambda a, b: a.propose_edit("tiny", "counting", EDIT, "E", "alice", needs=[uuid4()]),
    ),
    "a revision answering a closed need": (
        NeedClosed,
        lambda a, b: a.revise_proposal(b.proposal, EDIT, "E", "alice", needs=[b.closed]),
    ),
    "a revision answering another book's need": (
        NeedOfAnotherBook,
        lambda a, b: a.revise_proposal(b.proposal, EDIT, "E", "alice", needs=[b.other_book]),
    ),
    "a new section answering a need that is not there": (
        NeedNotFound,
        lambda a, b: a.propose_section(
            "tiny", "second", "", "## New {#new}\n\nText.\n", "N", "alice", needs=[uuid4()]
        ),
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_need_command_changes_nothing(
    case: str, app: Textbook, views: ReadModels, board: Board
) -> None:
    error, command = REFUSALS[case]
    before = fingerprint_of(app, views)
    with pytest.raises(error):
        command(app, board)
    assert fingerprint_of(app, views) == before


def test_a_reporter_confirms_their_address_once(app: Textbook, tiny: str) -> None:
    need_id = app.report_error(tiny, "counting", "One, two.", "Three?", "reader@example.org")
    assert not need_of(app, need_id).reporter_confirmed
    app.confirm_report(need_id)
    app.confirm_report(need_id)  # the link followed twice: one event
    need = need_of(app, need_id)
    assert need.reporter_confirmed
    events = app.repository.event_store.get(need_id)
    assert [type(e).__name__ for e in events] == ["Opened", "ReporterConfirmed"]
