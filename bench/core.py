"""Benchmark textbook's core on a large generated book, on SQLite and on PostgreSQL.

    .venv/bin/python bench/core.py [--chapters 50] [--backends sqlite,postgres] [--repeats 3]

For each backend, on a fresh store for every repeat (SQLite: a new temporary file; PostgreSQL:
a new schema, dropped afterwards), it times, in order:

  import       read_book + Textbook.import_book (with the images), then catch_up of the read models
               (the path of `textbook import`); also shown split into its two halves
  rebuild      projections.runner.rebuild of every read model from every event
  show         Queries(views).book_state(slug).markdown(): the whole book from the read models
  approvals    N cycles of propose_edit + review(approve) on random sections, two users
               (then the catch-up of the read models with those events, timed apart)
  show as-of   Textbook.book_state(slug, as_of).markdown() for a moment just after the import,
               through the aggregates, so that every later revision is read and skipped

and prints the median of the repeats, with each backend's times as a ratio of SQLite's.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from generate_book import generate  # bench/ is on sys.path when this file runs as a script

from textbook.book_folder import read_book
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views, rebuild
from textbook.projections.views import ReadModels
from textbook.storage import open_textbook

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")
SEED = 7

Say = Callable[[str], None]


@dataclass(frozen=True)
class Measure:
    """One timing: seconds, how many events (or operations) it covered, and events if known."""

    seconds: float
    count: int
    events: int | None = None


@dataclass(frozen=True)
class Row:
    operation: str
    unit: str  # "events" or "ops": what `count` counts, for the rate column


OPERATIONS = [
    Row("import (total)", "events"),
    Row("  import: record events", "events"),
    Row("  import: catch_up", "events"),
    Row("rebuild read models", "events"),
    Row("show (read models)", "ops"),
    Row("show (aggregates, now)", "ops"),
    Row("approvals (write side)", "ops"),
    Row("  approvals: catch_up", "events"),
    Row("show --as-of (aggregates)", "ops"),
]


@dataclass
class Results:
    runs: dict[tuple[str, str], list[Measure]] = field(default_factory=dict)

    def add(self, backend: str, operation: str, measure: Measure) -> None:
        self.runs.setdefault((backend, operation), []).append(measure)

    def median(self, backend: str, operation: str) -> Measure | None:
        runs = self.runs.get((backend, operation))
        if not runs:
            return None
        events = [m.events for m in runs if m.events is not None]
        return Measure(
            statistics.median(m.seconds for m in runs),
            int(statistics.median(m.count for m in runs)),
            int(statistics.median(events)) if events else None,
        )


@contextmanager
def fresh_store(backend: str, tag: str, keep: bool = False) -> Iterator[Settings]:
    """An empty store: an SQLite file in a new folder (also the build folder), or a new
    PostgreSQL schema `bench_<tag>`; both are removed afterwards unless `keep`."""
    if backend == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix=f"textbook-bench-{tag}-"))
        try:
            yield Settings(database=str(directory / "textbook.sqlite"), build_dir=directory)
        finally:
            if not keep:
                shutil.rmtree(directory, ignore_errors=True)
        return
    schema = f"bench_{tag}"
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield Settings(database=f"{POSTGRES}?schema={schema}")
    finally:
        if not keep:
            with psycopg.connect(POSTGRES, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def timed(action: Callable[[], int]) -> Measure:
    start = time.perf_counter()
    count = action()
    return Measure(time.perf_counter() - start, count)


def notifications(app: Textbook) -> int:
    return app.recorder.max_notification_id() or 0


def one_run(
    backend: str, settings: Settings, book: Path, cycles: int, results: Results, say: Say
) -> None:
    """Every operation once, in order, on the fresh store of `settings`."""
    app = open_textbook(settings)
    views: ReadModels = open_views(settings)
    try:
        # (a) import, as `textbook import` does it.
        start = time.perf_counter()
        source = read_book(book)
        app.register_user("mia", "mia@example.org", None)
        report = app.import_book(source.state, by="mia", blobs=source.blobs)
        recorded = time.perf_counter()
        projected = catch_up(app, views)
        end = time.perf_counter()
        slug = report.slug
        results.add(backend, "import (total)", Measure(end - start, report.events))
        results.add(backend, "  import: record events", Measure(recorded - start, report.events))
        results.add(backend, "  import: catch_up", Measure(end - recorded, projected))
        say(f"import {end - start:.2f}s ({report.events} events)")
        imported = source.state.markdown()
        after_import = datetime.now(UTC)

        # (b) rebuild every read model.
        rebuilt = timed(lambda: rebuild(app, views))
        results.add(backend, "rebuild read models", rebuilt)
        say(f"rebuild {rebuilt.seconds:.2f}s")

        # (c) show from the read models, and the same through the aggregates.
        shown: list[str] = []

        def show_views() -> int:
            shown.append(Queries(views).book_state(slug).markdown())
            return 1

        def show_aggregates() -> int:
            shown.append(app.book_state(slug).markdown())
            return 1

        results.add(backend, "show (read models)", timed(show_views))
        results.add(backend, "show (aggregates, now)", timed(show_aggregates))
        check(shown[0] == imported, "show from the read models differs from the source")
        check(shown[1] == imported, "show from the aggregates differs from the source")

        # (e) proposal + approval cycles, then the read models' catch-up with them.
        approvals, caught_up = approve_cycles(app, views, slug, cycles)
        results.add(backend, "approvals (write side)", approvals)
        results.add(backend, "  approvals: catch_up", caught_up)
        say(f"{cycles} approvals {approvals.seconds:.2f}s, catch-up {caught_up.seconds:.2f}s")
        now = Queries(views).book_state(slug).markdown()
        check(now == app.book_state(slug).markdown(), "read models and aggregates disagree")

        # (d) show --as-of the moment after the import, through the aggregates.
        def show_as_of() -> int:
            shown.append(app.book_state(slug, after_import).markdown())
            return 1

        results.add(backend, "show --as-of (aggregates)", timed(show_as_of))
        check(shown[-1] == imported, "show --as-of the import differs from the source")
    finally:
        views.close()
        app.close()


def approve_cycles(
    app: Textbook, views: ReadModels, slug: str, cycles: int
) -> tuple[Measure, Measure]:
    """Two users, then `cycles` edits proposed by one and approved by the other; then catch-up."""
    app.register_user("bench-author", "author@bench.invalid", "correct horse battery")
    app.register_user("bench-editor", "editor@bench.invalid", "correct horse battery")
    app.grant(slug, "bench-author", "author")
    app.grant(slug, "bench-editor", "editor")
    catch_up(app, views)
    texts = {
        section.id: section.text
        for chapter in app.book_state(slug).chapters
        for section in chapter.sections
    }
    rng = random.Random(SEED)
    targets = rng.choices(sorted(texts), k=cycles)
    before = notifications(app)
    start = time.perf_counter()
    for number, section_id in enumerate(targets, start=1):
        text = texts[section_id] + f"\nEdit {number} adds one more sentence to this section.\n"
        proposal = app.propose_edit(slug, section_id, text, f"Edit {number}", "bench-author")
        status = app.review(proposal, "approve", "Fine.", "bench-editor", version=1)
        check(status == "approved", f"proposal {number} is {status}, not approved")
        texts[section_id] = text
    seconds = time.perf_counter() - start
    events = notifications(app) - before
    approvals = Measure(seconds, cycles, events)
    caught_up = timed(lambda: catch_up(app, views))
    check(caught_up.count == events, f"catch-up saw {caught_up.count} of {events} events")
    return approvals, caught_up


def check(condition: bool, problem: str) -> None:
    if not condition:
        raise SystemExit(f"benchmark check failed: {problem}")


def table(results: Results, backends: list[str]) -> str:
    header = ("operation", "backend", "seconds", "events", "rate", "vs sqlite")
    lines = [header]
    for row in OPERATIONS:
        base = results.median("sqlite", row.operation)
        for backend in backends:
            measure = results.median(backend, row.operation)
            if measure is None:
                continue
            rate = measure.count / measure.seconds if measure.seconds > 0 else float("inf")
            events = str(measure.count) if row.unit == "events" else "-"
            if measure.events is not None:
                events = str(measure.events)
            unit = "events/s" if row.unit == "events" else "ops/s"
            ratio = f"{measure.seconds / base.seconds:.2f}x" if base and base.seconds > 0 else "-"
            lines.append(
                (
                    row.operation,
                    backend,
                    f"{measure.seconds:.3f}",
                    events,
                    f"{rate:,.0f} {unit}" if rate >= 10 else f"{rate:,.2f} {unit}",
                    ratio,
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("| " + " | ".join(cells) + " |")
        if index == 0:
            out.append(
                "|"
                + "|".join(
                    "-" * (w + 1) + ":" if i >= 2 else "-" * (w + 2) for i, w in enumerate(widths)
                )
                + "|"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--chapters", type=int, default=50, help="chapters in the book (50)")
    parser.add_argument("--words", type=int, default=70000, help="words in the book (70000)")
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgres"
    )
    parser.add_argument("--repeats", type=int, default=3, help="fresh-store runs per backend (3)")
    parser.add_argument("--cycles", type=int, default=200, help="proposal+approval cycles (200)")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for backend in backends:
        if backend not in BACKENDS:
            parser.error(f"unknown backend {backend!r}; use {', '.join(BACKENDS)}")

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results = Results()
    overall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="textbook-bench-book-") as directory:
        book = Path(directory) / "large-book"
        words = generate(book, args.chapters, args.words)
        say(f"Generated {book}: {args.chapters} chapters, {words} words")
        for backend in backends:
            for repeat in range(1, args.repeats + 1):
                tag = f"{backend}{repeat}_{int(time.time())}"

                def prefixed(message: str, backend: str = backend, repeat: int = repeat) -> None:
                    say(f"  {backend} run {repeat}: {message}")

                with fresh_store(backend, tag) as settings:
                    one_run(backend, settings, book, args.cycles, results, prefixed)
    print()
    print(
        f"textbook core benchmark: {args.chapters} chapters, {words} words, "
        f"{args.cycles} approval cycles, median of {args.repeats} fresh-store runs"
    )
    print()
    print(table(results, backends))
    print()
    print(f"Whole run: {time.perf_counter() - overall:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
