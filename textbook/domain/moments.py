"""Moments people name, such as ?as_of= or --as-of: ISO 8601, read as UTC, never out of range."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from textbook.domain.errors import InvalidInput

PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_MOMENT = 64  # characters: an ISO 8601 time with a zone and microseconds takes 32


def parse_moment(value: str) -> datetime:
    """The moment `value` names, in UTC; a time without a zone is taken as UTC.

    Refuses anything else with InvalidInput, including times that exist only in their own zone
    (9999-12-31T23:59:59-23:59 is after the last moment a datetime can hold in UTC).
    """
    example = "a time like 2026-11-22T10:00:00Z"
    shown = value[:40].replace("\x00", "\\0")
    if len(value) > MAX_MOMENT:
        raise InvalidInput(f"'{shown}...' is too long to be a time: give {example}.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(f"'{shown}' is not {example}.") from None
    except OverflowError:
        raise InvalidInput(f"'{shown}' is outside the times this book can show.") from None


def parse_as_of(value: str) -> datetime:
    """The moment a reader asks to see the book at: as parse_moment, but a plain date such as
    2026-11-30 means the end of that day in UTC, so that the day's changes are all in it."""
    if PLAIN_DATE.fullmatch(value):
        day = parse_moment(value)
        if day.date() == datetime.max.date():
            return day.replace(hour=23, minute=59, second=59, microsecond=999999)
        return day + timedelta(days=1) - timedelta(microseconds=1)
    return parse_moment(value)
