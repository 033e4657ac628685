"""A book's community in figures: how long proposals wait, who carries the load.

Pure functions over what the read models hold (the queries in `queries/community.py` fetch it):
the figures depend only on their arguments and on `now`, so that tests check them exactly.

- A *review* is a verdict: an approval, a rejection, or a request for changes (a comment is
  discussion, not a review). A proposal's *first review* is its first verdict; its *decision*
  is its approval or rejection.
- Waits are grouped by the month the review (or decision) came, in UTC.
- The median is the middle value (the mean of the two middle ones for an even count); the 90th
  percentile is the nearest rank: the smallest wait that at least 90 % of the waits do not
  exceed.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from textbook.domain.vocabulary import NeedKind

WINDOW = timedelta(days=90)  # "recently": who wrote and reviewed how much
MONTHS = 12  # the waits, month by month


@dataclass(frozen=True)
class Waits:
    """Waits in seconds: how many, their median and 90th percentile (None when there are none)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Waits:
        return cls(len(seconds), median(seconds), percentile(seconds, 90))


@dataclass(frozen=True)
class Month:
    """One month (its first day, in UTC) and the waits that ended in it."""

    start: datetime
    first_review: Waits
    decision: Waits

    @property
    def label(self) -> str:
        return self.start.strftime("%b %Y")


@dataclass(frozen=True)
class Share:
    """What one person did in the window: approved proposals and their words, or reviews."""

    name: str
    count: int  # approved proposals, or reviews
    words: int = 0  # words of approved text (for authors)


@dataclass(frozen=True)
class Load:
    """Who did the work of one kind in the window, the busiest first, and how concentrated it is."""

    people: tuple[Share, ...]
    total: int  # reviews, or words of approved text
    busiest_share: float | None  # of the total, done by the busiest person (None: no work)
    half_by: int  # the fewest people who together did at least half of it

    @property
    def busiest(self) -> Share | None:
        return self.people[0] if self.people else None

    @property
    def percent(self) -> int:
        """The busiest person's share, in whole per cent (halves round up)."""
        return math.floor((self.busiest_share or 0.0) * 100 + 0.5)

    def percent_of(self, share: Share) -> int:
        """One person's share of the total, in whole per cent."""
        done = share.words if any(s.words for s in self.people) else share.count
        return math.floor(done * 100 / self.total + 0.5) if self.total else 0


@dataclass(frozen=True)
class Waiting:
    """A proposal that waits for its first review now."""

    proposal_id: str
    message: str
    author: str
    opened_at: str
    seconds: float  # since it was opened


@dataclass(frozen=True)
class Community:
    slug: str
    now: datetime
    first_review: Waits  # of the first reviews that came in the window
    decision: Waits  # of the decisions taken in the window
    months: tuple[Month, ...]  # the last MONTHS months, oldest first; the current one last
    authors: Load  # by words of approved text in the window
    reviewers: Load  # by reviews in the window
    waiting: tuple[Waiting, ...]  # waiting for a first review, the longest first (bounded)
    waiting_count: int  # all of them
    open_count: int  # every open proposal (waiting for a first review or not)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], p: int) -> float | None:
    """The nearest-rank percentile: the value at rank ⌈p/100 · n⌉ of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered) / 100), 1) - 1]


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def last_months(now: datetime, count: int = MONTHS) -> list[datetime]:
    """The first moments of the last `count` months, oldest first, ending with now's month."""
    starts = [month_start(now)]
    while len(starts) < count:
        starts.append(month_start(starts[-1] - timedelta(days=1)))
    return list(reversed(starts))


def by_month(
    now: datetime, first_reviews: Sequence[tuple[datetime, float]],
    decisions: Sequence[tuple[datetime, float]],
) -> tuple[Month, ...]:  # fmt: skip
    """The waits of each of the last months; each wait is (when it ended, seconds)."""
    starts = last_months(now)
    ends = [*starts[1:], None]

    def within(
        waits: Sequence[tuple[datetime, float]], start: datetime, end: datetime | None
    ) -> Waits:
        return Waits.of(
            [s for at, s in waits if start <= at and (end is None or at < end) and at <= now]
        )

    return tuple(
        Month(start, within(first_reviews, start, end), within(decisions, start, end))
        for start, end in zip(starts, ends, strict=True)
    )


def load(amounts: Iterable[tuple[str, int, int]]) -> Load:
    """The load from (name, count, words) per piece of work; shares count words when any work
    has words (authors), else the count (reviewers)."""
    counts: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for name, count, wrote in amounts:
        counts[name] += count
        words[name] += wrote
    by_words = sum(words.values()) > 0
    measure = words if by_words else counts
    people = sorted(counts, key=lambda n: (-measure[n], -counts[n], n))
    total = sum(measure.values())
    shares = tuple(Share(n, counts[n], words[n]) for n in people)
    if not total:
        return Load(shares, 0, None, 0)
    done, half_by = 0, 0
    for name in people:
        if done * 2 >= total:
            break
        done, half_by = done + measure[name], half_by + 1
    return Load(shares, total, measure[people[0]] / total, half_by)


# Open needs by age: (the youngest age not in the band, its label, the board's `age` filter
# that shows the band and older ones).
NEED_AGES = (
    (timedelta(days=7), "Under a week", ""),
    (timedelta(days=30), "1 week to a month", "7"),
    (timedelta(days=90), "1 to 3 months", "30"),
    (None, "Over 3 months", "90"),
)


@dataclass(frozen=True)
class NeedCount:
    """How many open needs of a kind (or of an age) are free, and how many someone is on."""

    key: str  # the kind ("figure"), or the board's age filter ("7") for an age
    label: str
    free: int
    taken: int

    @property
    def open(self) -> int:
        return self.free + self.taken


@dataclass(frozen=True)
class OpenNeeds:
    """A book's needs that are open at `now`."""

    now: datetime
    by_kind: tuple[NeedCount, ...]  # the kinds with open needs, the most first
    by_age: tuple[NeedCount, ...]  # every band of NEED_AGES, the youngest first

    @property
    def free(self) -> int:
        return sum(count.free for count in self.by_kind)

    @property
    def taken(self) -> int:
        return sum(count.taken for count in self.by_kind)

    @property
    def open(self) -> int:
        return self.free + self.taken


def open_needs(needs: Iterable[tuple[str, datetime, bool]], now: datetime) -> OpenNeeds:
    """The figures of the needs open at `now`, each given as (kind, opened at, taken)."""
    free: Counter[str] = Counter()
    taken: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for kind, opened_at, is_taken in needs:
        band = age_band(now - opened_at)
        for key, label in ((f"kind:{kind}", NeedKind(kind).label), (f"age:{band}", "")):
            labels[key] = label
            (taken if is_taken else free)[key] += 1
    kinds = sorted(
        (key for key in labels if key.startswith("kind:")),
        key=lambda key: (-(free[key] + taken[key]), labels[key]),
    )
    return OpenNeeds(
        now=now,
        by_kind=tuple(NeedCount(key[5:], labels[key], free[key], taken[key]) for key in kinds),
        by_age=tuple(
            NeedCount(shows, label, free[f"age:{index}"], taken[f"age:{index}"])
            for index, (_, label, shows) in enumerate(NEED_AGES)
        ),
    )


def age_band(age: timedelta) -> int:
    """The band of NEED_AGES a need of `age` is in."""
    return next(index for index, (end, _, _) in enumerate(NEED_AGES) if end is None or age < end)
