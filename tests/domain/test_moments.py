"""Moments a reader names, and the book at the moment of each revision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from textbook.domain.application import Textbook
from textbook.domain.moments import parse_as_of
from textbook.projections.queries import Queries


def test_a_plain_date_means_the_end_of_that_day_in_utc() -> None:
    assert parse_as_of("2026-11-30") == datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_as_of("9999-12-31").date().isoformat() == "9999-12-31"
    assert parse_as_of("2026-11-30T10:00:00Z") == datetime(2026, 11, 30, 10, tzinfo=UTC)


def test_the_book_exists_at_the_moment_of_every_imported_revision(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    for revision in queries().history(tiny):
        state = app.book_state(tiny, datetime.fromisoformat(revision.at))
        assert state.slug == tiny
