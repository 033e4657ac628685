"""The community figures, the feed's entries and the profiles, against a known history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.community_history import DAY, NOW, write_history
from textbook.domain.application import Textbook
from textbook.domain.errors import BookNotFound, UserNotFound
from textbook.projections import community
from textbook.projections.community import Share, Waits
from textbook.projections.history import words_added
from textbook.projections.queries import Queries

HOUR = 3600.0


def test_percentiles_are_nearest_rank_and_the_median_the_middle() -> None:
    assert community.median([3.0, 1.0, 2.0]) == 2.0
    assert community.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert community.percentile([float(n) for n in range(1, 11)], 90) == 9.0
    assert community.percentile([float(n) for n in range(1, 12)], 90) == 10.0
    assert community.percentile([5.0], 90) == 5.0
    assert community.percentile([], 90) is None
    assert Waits.of([]) == Waits(0, None, None)


def test_words_added_counts_what_a_revision_wrote() -> None:
    assert words_added("", "One two three.") == 3
    assert words_added("One two three.", "One two three. Four five.") == 2
    assert words_added("One two three.", "One too three.") == 1  # a word changed
    assert words_added("One two three.", "One three.") == 0  # a word removed


def test_the_last_months_end_with_now_s_month() -> None:
    months = community.last_months(datetime(2026, 3, 31, 23, tzinfo=UTC))
    assert [m.strftime("%Y-%m") for m in months] == [
        "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09",
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
    ]  # fmt: skip


def test_community_figures_of_a_known_history(
    app: Textbook, queries: Callable[[], Queries]
) -> None:
    history = write_history(app)
    figures = queries().community("tiny", NOW)

    # First reviews in the last 90 days: ruler 6 h, counting 1 day, refused 3 days, gauss 4.
    assert figures.first_review == Waits(4, (1 * DAY + 3 * DAY) / 2, 4 * DAY)
    # Decisions: ruler 6 h, refused 3 days, counting 4 days, gauss 4 days.
    assert figures.decision == Waits(4, (3 * DAY + 4 * DAY) / 2, 4 * DAY)

    months = {m.start.strftime("%Y-%m"): m for m in figures.months}
    assert figures.months[0].label == "Jul 2025" and figures.months[-1].label == "Jun 2026"
    assert months["2026-01"].first_review == Waits(1, 10 * DAY, 10 * DAY)
    assert months["2026-01"].decision == Waits(1, 10 * DAY, 10 * DAY)
    assert months["2026-06"].first_review == figures.first_review
    assert all(m.first_review.count == 0 for key, m in months.items() if key[5:] not in "01 06")

    # bob reviewed three times in the window (changes, counting, gauss), carol twice; the
    # comment on the waiting proposal is no review, and January is outside the window.
    assert figures.reviewers.people == (Share("bob", 3), Share("carol", 2))
    assert figures.reviewers.busiest_share == 3 / 5
    assert figures.reviewers.percent == 60 and figures.reviewers.half_by == 1
    # alice wrote 4 + 3 approved words, carol 3; bob's was refused.
    assert figures.authors.people == (Share("alice", 2, 7), Share("carol", 1, 3))
    assert figures.authors.total == 10 and figures.authors.percent == 70

    assert figures.waiting_count == 1 and figures.open_count == 1
    (waiting,) = figures.waiting
    assert waiting.proposal_id == str(history.proposals["waiting"])
    assert waiting.author == "alice" and waiting.seconds == 5.5 * DAY


def test_the_figures_move_with_now(app: Textbook, queries: Callable[[], Queries]) -> None:
    write_history(app)
    # Before anything in June was reviewed: only January's review, outside the window.
    before = queries().community("tiny", datetime(2026, 6, 2, tzinfo=UTC) - timedelta(hours=1))
    assert before.first_review == Waits(0, None, None)
    assert before.reviewers.people == () and before.reviewers.busiest_share is None
    assert before.waiting_count == 1  # counting, opened on the first, not reviewed yet
    # Ten months later, nothing is recent; June 2026 is in the months, January no longer.
    later = queries().community("tiny", NOW + timedelta(days=300))
    assert later.authors.people == () and later.first_review.count == 0
    assert sum(m.first_review.count for m in later.months) == 4
    assert later.months[0].start == datetime(2026, 5, 1, tzinfo=UTC)
    assert later.waiting_count == 1 and later.waiting[0].seconds == 305.5 * DAY


def test_the_feed_lists_proposals_and_approvals_newest_first(
    app: Textbook, queries: Callable[[], Queries]
) -> None:
    history = write_history(app)
    p = {str(uuid): name for name, uuid in history.proposals.items()}
    entries = queries().feed("tiny", ("proposals", "approved"))
    assert [(e.kind, p[e.proposal_id]) for e in entries] == [
        ("approved", "gauss"), ("proposals", "waiting"), ("proposals", "gauss"),
        ("approved", "counting"), ("proposals", "refused"), ("approved", "ruler"),
        ("proposals", "ruler"), ("proposals", "counting"), ("approved", "old"),
        ("proposals", "old"),
    ]  # fmt: skip
    gauss = entries[0]
    assert (gauss.author, gauss.by, gauss.words, gauss.message) == ("carol", "bob", 3, "Gauss")
    approved = queries().feed("tiny", ("approved",), limit=2)
    assert [p[e.proposal_id] for e in approved] == ["gauss", "counting"]
    with pytest.raises(BookNotFound):
        queries().feed("nope", ("approved",))


def test_a_profile_lists_contributions_reviews_and_roles(
    app: Textbook, queries: Callable[[], Queries]
) -> None:
    history = write_history(app)
    p = {str(uuid): name for name, uuid in history.proposals.items()}
    alice = queries().person("alice")
    assert [(p[c.proposal_id], c.words) for c in alice.contributions] == [
        ("counting", 4),
        ("ruler", 3),
        ("old", 3),
    ]
    assert alice.contributions_total == 3 and alice.words_total == 10
    assert alice.reviews == () and alice.roles == (("tiny", "A Tiny Book", "author"),)
    bob = queries().person("bob")
    assert [(p[r.proposal_id], r.verdict) for r in bob.reviews] == [
        ("gauss", "approved"), ("counting", "approved"),
        ("counting", "changes_requested"), ("old", "approved"),
    ]  # fmt: skip
    assert bob.contributions == () and bob.reviews_total == 4
    for name in ("nobody", "", "a\x00b", "'; DROP TABLE tb_users; --"):
        with pytest.raises(UserNotFound):
            queries().person(name)


def test_open_needs_by_kind_and_age_free_or_taken(
    app: Textbook, queries: Callable[[], Queries]
) -> None:
    write_history(app)
    needs = queries().open_needs("tiny", NOW)
    assert (needs.open, needs.free, needs.taken) == (6, 4, 2)
    # The figures lead, then the rest by label; the typo's take lapsed on 06-08, and the
    # example was closed on 06-01.
    assert [(k.key, k.open, k.free, k.taken) for k in needs.by_kind] == [
        ("figure", 2, 1, 1), ("fact_check", 1, 0, 1), ("error", 1, 1, 0),
        ("citations", 1, 1, 0), ("exercises", 1, 1, 0),
    ]  # fmt: skip
    assert needs.by_kind[0].label == "A figure"
    assert [(a.label, a.key, a.free, a.taken) for a in needs.by_age] == [
        ("Under a week", "", 1, 1), ("1 week to a month", "7", 2, 0),
        ("1 to 3 months", "30", 0, 1), ("Over 3 months", "90", 1, 0),
    ]  # fmt: skip


def test_open_needs_move_with_now(app: Textbook, queries: Callable[[], Queries]) -> None:
    write_history(app)
    # On 05-14: the references (119 days), the source (43 days, not taken yet) and the worked
    # example (13 days, not closed yet); nothing opened later counts.
    may = queries().open_needs("tiny", datetime(2026, 5, 14, tzinfo=UTC))
    assert [(k.key, k.free, k.taken) for k in may.by_kind] == [
        ("fact_check", 1, 0), ("example", 1, 0), ("citations", 1, 0),
    ]  # fmt: skip
    assert [(a.free, a.taken) for a in may.by_age] == [(0, 0), (1, 0), (1, 0), (1, 0)]
    # On 05-26 bob is on the typo; on 06-08 00:00 his take has lapsed (14 days to the second).
    assert queries().open_needs("tiny", datetime(2026, 5, 26, tzinfo=UTC)).taken == 1
    lapsed = queries().open_needs("tiny", datetime(2026, 6, 8, tzinfo=UTC))
    assert (lapsed.open, lapsed.taken) == (4, 0)
    # A month later the takes of 06-10 and 06-14 have lapsed too; everything has aged.
    later = queries().open_needs("tiny", NOW + timedelta(days=30))
    assert (later.free, later.taken) == (6, 0)
    assert [a.open for a in later.by_age] == [0, 0, 4, 2]  # the source is 105 days old
    with pytest.raises(BookNotFound):
        queries().open_needs("nope", NOW)


def test_the_feed_of_needs_lists_every_need_opened_newest_first(
    app: Textbook, queries: Callable[[], Queries]
) -> None:
    history = write_history(app)
    n = {uuid: name for name, uuid in history.needs.items()}
    entries = queries().new_needs("tiny", 50)
    assert [n[e.id] for e in entries] == [
        "caption", "diagram", "drills", "typo", "worked", "source", "references",
    ]  # fmt: skip
    drills, typo = entries[2], entries[3]
    assert (drills.section_id, drills.place, drills.opened_by) == (None, "Second Thoughts", "bob")
    assert (typo.kind, typo.place, typo.opened_by) == ("error", "Measuring", None)
    assert [n[e.id] for e in queries().new_needs("tiny", 2)] == ["caption", "diagram"]
