"""The published editions: rebuilt by a worker whenever the approved text of a book changes;
and the named editions ("First edition"), each built once from the moment it froze and kept."""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from textbook.domain.application import Textbook
from textbook.domain.images import passes_today
from textbook.domain.state import BookState
from textbook.files import write_atomically
from textbook.projections.attribution import attribution_of
from textbook.projections.publishing.bounded import Builder
from textbook.projections.publishing.pipeline import FORMATS, Publisher
from textbook.projections.publishing.prepare import fingerprint
from textbook.projections.publishing.sources import BookToBuild, BuildError
from textbook.projections.queries import NamedEdition, Queries
from textbook.projections.runner import catch_up
from textbook.projections.views import ReadModels
from textbook.storage import BlobStore, blob_store

log = logging.getLogger("textbook.worker")
Report = Callable[[str, dict[str, float]], None]


def book_to_build(
    app: Textbook,
    queries: Queries,
    slug: str,
    as_of: datetime | None = None,
    blobs: BlobStore | None = None,
    base_url: str = "",
    named: NamedEdition | None = None,
) -> BookToBuild:
    """What a build of the book reads: now from the read models, or as of a past moment; its
    images from `blobs` (by default, the application's image store); `base_url`, the site's
    address, makes the links of the attribution whole. A `named` edition is the book as of the
    moment it was marked, its name and date on its title pages."""
    if named is not None:
        as_of = named.moment
    if as_of is None:
        state = queries.book_state(slug)
        contributors = queries.contributors(slug)
    else:
        state = app.book_state(slug, as_of)
        sections = [s.id for c in state.chapters for s in c.sections]
        contributors = queries.contributors_as_of(slug, as_of, sections)
    blobs_of = (blobs if blobs is not None else blob_store(app)).get_many(
        [image.sha256 for image in state.images]
    )
    # An image stored before today's checks, that fails them, is left out of every format.
    kept = tuple(i for i in state.images if passes_today(i.name, i.sha256, blobs_of[i.sha256]))
    if kept != state.images:
        state = dataclasses.replace(state, images=kept)
    images = {image.name: blobs_of[image.sha256] for image in state.images}
    attribution = attribution_of(queries, state, base_url, as_of=as_of)
    if attribution and as_of is None:  # upstream contributors are credited with their sources
        contributors = list(attribution.local)
    edition = queries.edition(slug, as_of)
    if named is not None:
        state = with_edition_name(state, named)
    return BookToBuild(state, contributors, edition, images, attribution)


def with_edition_name(state: BookState, named: NamedEdition) -> BookState:
    """The state, its metadata carrying the edition's name and date: every format's templates
    get the metadata as `book`, so `book.edition_name` reaches each title page."""
    extra = {"edition_name": named.name, "edition_date": named.date}
    return dataclasses.replace(state, metadata={**state.metadata, **extra})


def named_folder(editions: Path, slug: str, edition_slug: str) -> Path:
    """Where a named edition's files are kept for good: its web edition folder, EPUB and PDF."""
    return editions / "named" / slug / edition_slug


class EditionPublisher:
    """Keeps build/editions/ in step with the approved text of every book."""

    def __init__(
        self,
        app: Textbook,
        views: ReadModels,
        build_dir: Path,
        formats: Sequence[str] = FORMATS,
        timeout: float = 600.0,
        publisher: Publisher | None = None,
        blobs: BlobStore | None = None,
        base_url: str = "",
    ) -> None:
        self.app, self.views, self.blobs = app, views, blobs
        self.base_url = base_url
        self.editions = build_dir / "editions"
        self.cache = build_dir / "cache"
        self.formats = formats
        self.builder = Builder(timeout, publisher)
        self.published: dict[str, str] = {}
        self.position: int | None = -1  # the log position of the last look at the books

    def marker(self, slug: str) -> Path:
        return self.editions / f".{slug}.published"

    def publish_changed(self, report: Report | None = None) -> list[str]:
        """Bring the read models up to date, then rebuild every book whose text changed.

        A book that cannot be built keeps its last edition; it is tried again when it changes.
        """
        catch_up(self.app, self.views)
        position = self.views.max_tracking_id(self.app.name)
        if position == self.position or not self.formats:
            return []  # no new event, or only the read models to keep: nothing to publish
        self.editions.mkdir(parents=True, exist_ok=True)
        with self.only_publisher() as alone:
            if not alone:
                return []  # another worker publishes into this folder; look again next time
            done = self._publish_changed(Queries(self.views), report)
        self.position = position
        return done

    @contextmanager
    def only_publisher(self) -> Iterator[bool]:
        """Whether this is the only publisher into the build folder, which it is until the end.

        Workers on one host share build/ (its cache and staging folders), so they take turns.
        """
        with (self.editions / ".lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _publish_changed(self, queries: Queries, report: Report | None) -> list[str]:
        done = []
        books = [outline for outline in queries.books() if outline.chapters]
        for outline in books:  # a book just started (no chapter) has nothing to publish yet
            book = book_to_build(
                self.app, queries, outline.slug, blobs=self.blobs, base_url=self.base_url
            )
            key = fingerprint(book)
            marker = self.marker(outline.slug)
            if self.published.get(outline.slug) == key or (
                marker.exists() and marker.read_text() == key
            ):
                self.published[outline.slug] = key
                continue
            self.published[outline.slug] = key
            try:
                seconds = self._publish(book)
            except BuildError as error:
                log.error("%s: not published: %s", outline.slug, error)
                continue
            write_atomically(marker, key.encode())
            done.append(outline.slug)
            if report is not None:
                report(outline.slug, seconds)
        for outline in books:  # after every book's edition now: readers wait for those
            self._publish_named(queries, outline.slug)
        return done

    def _publish_named(self, queries: Queries, slug: str) -> None:
        """Build each named edition of the book not yet built, once: it never changes after."""
        for named in queries.editions(slug):
            folder = named_folder(self.editions, slug, named.slug)
            marker = folder / ".published"
            if marker.exists() or self.published.get(f"{slug}/{named.slug}") == "failed":
                continue
            book = book_to_build(
                self.app, queries, slug, blobs=self.blobs, base_url=self.base_url, named=named
            )
            folder.mkdir(parents=True, exist_ok=True)
            try:
                self._publish(book, folder)
            except BuildError as error:
                log.error("%s, %s: not published: %s", slug, named.name, error)
                self.published[f"{slug}/{named.slug}"] = "failed"  # tried again on restart
                continue
            write_atomically(marker, named.at.encode())
            log.info("published %s, %s", slug, named.name)

    def _publish(self, book: BookToBuild, out: Path | None = None) -> dict[str, float]:
        # The web edition and the EPUB first: they take a second, the PDF takes longer. Then the
        # EPUB again, to list where the PDF's pages begin.
        quick = [f for f in self.formats if f != "pdf"]
        late = [f for f in self.formats if f in ("pdf", "epub")] if "pdf" in self.formats else []
        seconds: dict[str, float] = {}
        for formats in (quick, late):
            if formats:
                report = self.builder.build(book, formats, out or self.editions, self.cache)
                seconds |= {f: report.seconds[f] for f in formats}
        return seconds

    def close(self) -> None:
        self.builder.close()

    def run(self, stop: threading.Event, interval: float = 0.25) -> None:
        """Publish until `stop` is set; a book that cannot be built keeps its last edition."""
        try:
            self._run(stop, interval)
        finally:
            self.builder.close()

    def _run(self, stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                self.publish_changed(self.log_published)
            except Exception:  # a busy database, a full disk: log it, and try again shortly
                if stop.wait(1):
                    return  # cut short by the stop itself (pandoc got the same signal): no error
                log.exception("publishing failed; trying again in 5 s")
                stop.wait(4)
            stop.wait(interval)

    @staticmethod
    def log_published(slug: str, seconds: dict[str, float]) -> None:
        times = ", ".join(f"{name} {value:.1f} s" for name, value in seconds.items())
        log.info("published %s (%s) at %s", slug, times, time.strftime("%H:%M:%S"))
