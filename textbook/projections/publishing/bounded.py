"""Builds with a time limit per format, in a child process that is killed when one passes it.

Pandoc has its own limit, but formulas drawn as SVG (ziamath), a WeasyPrint layout or an EPUB's
assembly can take minutes on a book made for it (5,000 formulas took 146 s), and a WeasyPrint
layout cannot be interrupted in its thread. So the build runs in a child process, which tells
the parent where it is (which chapter, doing what); past the limit the parent kills it, and the
build fails naming that chapter. Files are written beside their targets and renamed, so the last
good edition stays whole. The child lives on between builds, keeping WeasyPrint's chapter
layouts warm (an approval then redoes one chapter); a fresh one starts after a kill.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from textbook.projections.publishing.pipeline import BuildReport, Publisher, in_order
from textbook.projections.publishing.sources import BookToBuild, BuildError

STARTUP_SECONDS = 120.0  # importing WeasyPrint on a busy machine; not counted in a build's limit
NAMES = {"html": "web edition", "epub": "EPUB", "pdf": "PDF"}


def serve_builds(connection: Connection, publisher: Publisher) -> None:
    """The child: build what the parent sends with its own copy of `publisher` (whose PDF keeps
    its chapter layouts between builds), saying where it is, until told to stop."""
    parent = os.getppid()
    threading.Thread(target=die_with, args=(parent,), daemon=True).start()
    connection.send(("ready", None))
    while True:
        try:
            job = connection.recv()
        except EOFError:  # the parent is gone
            return
        if job is None:
            return
        book, formats, out, cache_dir = job
        try:
            report = publisher.build(
                book, formats, out, cache_dir, at=lambda where: at(connection, where)
            )
        except BuildError as error:
            connection.send(("refused", str(error)))
        except Exception:  # reported to the parent, which logs it; the child goes on serving
            connection.send(("failed", traceback.format_exc()))
        else:
            connection.send(("done", report))


def die_with(parent: int) -> None:
    """A parent killed with SIGKILL (serve stopping its worker) takes its build along."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def leftovers(out: Path, slug: str) -> None:
    """Remove what a killed build left half-written beside the editions (never the editions)."""
    for path in out.glob(f".{slug}*.tmp"):
        path.unlink(missing_ok=True)
    shutil.rmtree(out / f"{slug}.new", ignore_errors=True)
    previous = out / f"{slug}.old"
    if previous.is_dir() and not (out / slug).exists():  # killed between the two renames
        previous.rename(out / slug)
    shutil.rmtree(previous, ignore_errors=True)


def at(connection: Connection, where: str) -> None:
    connection.send(("at", where))


class Builder:
    """Builds each format of a book with at most `timeout` seconds for it, by `publisher` (as
    it is configured; its state lives in the child)."""

    def __init__(self, timeout: float, publisher: Publisher | None = None) -> None:
        self.timeout = timeout
        self.publisher = publisher or Publisher()
        self.process: Any = None  # multiprocessing's SpawnProcess
        self.connection: Connection | None = None
        self.finalizer: weakref.finalize[Any, Builder] | None = None

    def build(
        self,
        book: BookToBuild,
        formats: Sequence[str],
        out: Path,
        cache_dir: Path,
        progress: Callable[[str], None] | None = None,
    ) -> BuildReport:
        """Like Publisher.build(), one format at a time, each within the time limit."""
        outputs: dict[str, Path] = {}
        seconds: dict[str, float] = {}
        for name in in_order(formats):  # the PDF before the EPUB, which lists its pages
            report = self._build_one(book, name, out, cache_dir)
            outputs |= report.outputs
            seconds |= report.seconds
            if progress:
                progress(name)
        return BuildReport(book.state.slug, outputs, seconds)

    def _build_one(self, book: BookToBuild, name: str, out: Path, cache_dir: Path) -> BuildReport:
        connection = self._ready()
        connection.send((book, [name], out, cache_dir))
        deadline = time.monotonic() + self.timeout
        where = "the start"
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0 or not connection.poll(left):
                    self.close(kill=True)
                    leftovers(out, book.state.slug)
                    raise BuildError(
                        f"the {NAMES.get(name, name)} took longer than its limit of "
                        f"{self.timeout:g} s (TEXTBOOK_BUILD_TIMEOUT), in {where}; "
                        "the last good edition stays"
                    )
                kind, value = connection.recv()
            except (EOFError, OSError):
                self.close(kill=True)
                leftovers(out, book.state.slug)
                raise BuildError(
                    f"the {NAMES.get(name, name)} build stopped in {where} "
                    "(out of memory?); the last good edition stays"
                ) from None
            if kind == "at":
                where = value
            elif kind == "done":
                report: BuildReport = value
                return report
            elif kind == "refused":
                raise BuildError(value)
            else:
                raise RuntimeError(f"the build failed in {where}:\n{value}")

    def _ready(self) -> Connection:
        if self.connection is not None and self.process is not None and self.process.is_alive():
            return self.connection
        self.close(kill=True)
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads
        parent, child = context.Pipe()
        process = context.Process(
            target=serve_builds, args=(child, self.publisher), name="textbook-build", daemon=True
        )
        process.start()
        child.close()
        self.process, self.connection = process, parent
        # A builder dropped without close() (a test's, say) takes its child with it.
        self.finalizer = weakref.finalize(self, stop_child, process, parent)
        if not parent.poll(STARTUP_SECONDS) or parent.recv() != ("ready", None):
            self.close(kill=True)
            raise BuildError("the build process did not start")
        return parent

    def close(self, kill: bool = False) -> None:
        """Stop the child: asked to finish, or killed (in the middle of a build)."""
        process, connection = self.process, self.connection
        self.process = self.connection = None
        if self.finalizer is not None:
            self.finalizer.detach()
            self.finalizer = None
        if process is not None and connection is not None:
            stop_child(process, connection, kill)


def stop_child(process: Any, connection: Connection, kill: bool = False) -> None:
    if not kill:
        with contextlib.suppress(OSError):  # already gone
            connection.send(None)
        process.join(timeout=10)
    if process.is_alive():
        process.kill()
    process.join()
    connection.close()
