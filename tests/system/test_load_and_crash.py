"""Real processes under load, killed in the middle: nothing acknowledged is lost.

Web workers (`textbook serve --workers N`) and a projection worker (`textbook worker`) run as
separate processes on one store; 50 clients propose and approve edits to a few sections through
the JSON API for a bounded time, and a few readers read the chapter page as it changes, while a
web worker and the projection worker are killed with SIGKILL and restarted. Afterwards every
approval a client was told about is in the history, and the read models equal a rebuild from
the events.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.conftest import postgres_schema
from textbook.book_folder import read_book
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views, rebuild
from textbook.storage import open_textbook

CLIENTS = 50
READERS = 4  # reading the chapter page, which is rendered anew after each approval
LOAD_SECONDS = 20.0
MINIMUM = 20  # approvals acknowledged and chapter pages read, however busy the machine
ENOUGH_SECONDS = 240  # how much longer the load may go on to reach them
SECTIONS = ("part-a", "part-b", "part-c", "part-d")
LINES = 8
AUTHORS = [f"author{i}" for i in range(CLIENTS)]  # at most 50 open proposals each
EDITORS = [f"editor{i}" for i in range(5)]


def write_book(folder: Path) -> Path:
    """A one-chapter book whose sections have a line for each of several writers."""
    folder.mkdir()
    (folder / "book.yaml").write_text(
        "title: Under Load\nlanguage: en\nlicense: CC-BY-4.0\n"
        "identifier: urn:uuid:5d1a8f3e-77c2-4c4f-9a52-3f0a6f1b2c01\nchapters:\n  - load.md\n"
    )
    parts = ["# Under Load {#load}\n\nWhat many writers wrote at once.\n"]
    for section in SECTIONS:
        lines = "\n".join(f"Line {n} of {section}." for n in range(1, LINES + 1))
        parts.append(f"## Section {section[-1].upper()} {{#{section}}}\n\n{lines}\n")
    (folder / "load.md").write_text("\n".join(parts))
    return folder


@dataclass
class Tally:
    approved: list[tuple[str, str]] = field(default_factory=list)  # (proposal id, section)
    conflicts: int = 0
    refused: list[str] = field(default_factory=list)  # other 4xx: their messages
    server_errors: list[str] = field(default_factory=list)
    disconnects: int = 0
    pages: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """The server and projection worker processes on one store, started and killed at will."""

    def __init__(self, settings: Settings, workers: int, folder: Path) -> None:
        self.settings = settings
        self.workers = workers
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "TEXTBOOK_DATABASE": settings.database,
            "TEXTBOOK_BUILD_DIR": str(settings.build_dir),
            "TEXTBOOK_SECRET_KEY": "load-test-key",
        }
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.log_file = open(folder / "processes.log", "ab")  # noqa: SIM115  # closed by stop()

    def textbook(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "textbook.cli", *args],
            env=self.env,
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )

    def start_server(self) -> None:
        self.server = self.textbook(
            "serve",
            "--workers",
            str(self.workers),
            "--port",
            str(self.port),
            "--no-demo",
            "--no-publish",
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/books", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.server.poll() is None, self.log()
            time.sleep(0.2)
        raise AssertionError("the server did not start:\n" + self.log())

    def start_worker(self) -> None:
        self.worker = self.textbook("worker", "--format", "none")

    def web_worker_pids(self) -> list[int]:
        """The uvicorn worker processes under the server (the server itself with one worker)."""
        assert self.server is not None
        if self.workers == 1:
            return [self.server.pid]
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text()
        return [  # not multiprocessing's resource tracker
            int(pid)
            for pid in children.split()
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def kill_web_worker(self) -> None:
        """SIGKILL one web worker; uvicorn starts another, a single server is started again."""
        os.kill(self.web_worker_pids()[0], signal.SIGKILL)
        if self.workers == 1:
            assert self.server is not None
            self.server.wait()
            self.start_server()

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()
        self.start_worker()

    def stop(self) -> None:
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.log_file.close()

    def log(self) -> str:
        path = self.folder / "processes.log"
        return path.read_text()[-3000:] if path.exists() else ""


def seed(settings: Settings, book: Path) -> dict[str, str]:
    """Import the book, add authors and editors; returns each user's API token."""
    app = open_textbook(settings)
    try:
        app.register_user("mia", "mia@example.org", None)
        app.import_book(read_book(book).state, by="mia")
        tokens = {}
        for name in AUTHORS + EDITORS:
            app.register_user(name, f"{name}@example.org", None)
            app.grant("under-load", name, "author" if name in AUTHORS else "editor")
            tokens[name] = app.create_token(name)
        return tokens
    finally:
        app.close()


def client_loop(
    number: int, cluster: Cluster, tokens: dict[str, str], stop: threading.Event, tally: Tally
) -> None:
    """Edit a line of a section, then have an editor approve it; repeat until told to stop."""
    rng = random.Random(number)
    author = {"Authorization": f"Bearer {tokens[AUTHORS[number % len(AUTHORS)]]}"}
    editor = {"Authorization": f"Bearer {tokens[EDITORS[number % len(EDITORS)]]}"}
    book = f"{cluster.url}/api/books/under-load"
    with httpx.Client(timeout=30) as http:
        round_ = 0
        while not stop.is_set():
            round_ += 1
            section = rng.choice(SECTIONS)
            try:
                current = http.get(f"{book}/sections/{section}")
                if not record(tally, "read", current, 200):
                    continue
                found = current.json()
                lines = found["text"].splitlines()
                line = rng.randrange(2, len(lines))  # not the heading, not the blank line
                lines[line] = f"Line {line - 1} of {section}, by client {number} in round {round_}."
                proposed = http.post(
                    f"{book}/sections/{section}/proposals",
                    headers=author,
                    json={
                        "text": "\n".join(lines) + "\n",
                        "message": f"Client {number}, round {round_}",
                        "base_revision": found["revision"],
                    },
                )
                if not record(tally, "propose", proposed, 201):
                    continue
                proposal = proposed.json()["id"]
                reviews = f"{cluster.url}/api/proposals/{proposal}/reviews"
                read = proposed.json()["version"]  # the version the editor approves
                approved = http.post(
                    reviews, headers=editor, json={"verdict": "approve", "version": read}
                )
                if record(tally, "approve", approved, 201):
                    with tally.lock:
                        tally.approved.append((proposal, section))
                elif approved.status_code == 409:  # overlapping with a newer revision: close it
                    http.post(
                        reviews, headers=editor, json={"verdict": "reject", "comment": "Conflict"}
                    )
            except httpx.TransportError:  # a worker was killed under this request: try again
                with tally.lock:
                    tally.disconnects += 1
                time.sleep(0.2)


def reader_loop(cluster: Cluster, stop: threading.Event, tally: Tally) -> None:
    """Read the chapter page until told to stop: its rendering races the approvals."""
    with httpx.Client(timeout=30) as http:
        while not stop.is_set():
            try:
                page = http.get(f"{cluster.url}/books/under-load/chapters/load")
                if record(tally, "read the chapter", page, 200):
                    assert "What many writers wrote at once." in page.text
                    with tally.lock:
                        tally.pages += 1
            except httpx.TransportError:
                with tally.lock:
                    tally.disconnects += 1
                time.sleep(0.2)


def record(tally: Tally, what: str, response: httpx.Response, expected: int) -> bool:
    """True if the request did what was asked; counts conflicts, refusals and server errors."""
    if response.status_code == expected:
        return True
    with tally.lock:
        if response.status_code == 409:
            tally.conflicts += 1
        elif response.status_code >= 500:
            tally.server_errors.append(f"{what}: {response.status_code} {response.text[:300]}")
        else:
            tally.refused.append(f"{what}: {response.status_code} {response.text[:300]}")
    return False


def run_load(cluster: Cluster, tokens: dict[str, str], dump: Path) -> Tally:
    """Clients for LOAD_SECONDS; a web worker is killed at a third, the worker at two thirds.

    The load then goes on until at least MINIMUM approvals and chapter pages were answered,
    so that a busy machine, where fewer requests fit in LOAD_SECONDS, tests as much.
    """
    tally = Tally()
    stop = threading.Event()
    deadline = time.monotonic() + LOAD_SECONDS
    threads = [
        threading.Thread(target=client_loop, args=(n, cluster, tokens, stop, tally))
        for n in range(CLIENTS)
    ]
    threads += [
        threading.Thread(target=reader_loop, args=(cluster, stop, tally)) for _ in range(READERS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS / 3)
    cluster.kill_web_worker()
    dumping = cluster.textbook("dump", str(dump))  # a backup taken while the writers write
    assert dumping.wait(timeout=120) == 0, cluster.log()
    time.sleep(max(0.0, deadline - time.monotonic() - LOAD_SECONDS / 3))
    cluster.kill_worker()
    enough = time.monotonic() + ENOUGH_SECONDS
    while time.monotonic() < enough:
        with tally.lock:
            if tally.pages >= MINIMUM and len(tally.approved) >= MINIMUM:
                break
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return tally


def wait_for_worker(app: Textbook, settings: Settings, timeout: float = 60) -> None:
    """Until the projection worker (not this test) has projected every event."""
    views = open_views(settings)
    try:
        deadline = time.monotonic() + timeout
        last = app.recorder.max_notification_id()
        while views.max_tracking_id(app.name) != last:
            assert time.monotonic() < deadline, "the projection worker did not catch up"
            time.sleep(0.2)
    finally:
        views.close()


def check_dump(dump: Path, app: Textbook, tmp_path: Path) -> None:
    """The dump taken under load restores to a store with its first N events, all loadable."""
    with gzip.open(dump, "rt") as lines:
        header = json.loads(next(lines))
    restored_settings = Settings(database=str(tmp_path / "restored.sqlite"))
    done = subprocess.run(
        [sys.executable, "-m", "textbook.cli", "--database", restored_settings.database,
         "restore", str(dump)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    restored = open_textbook(restored_settings)
    try:
        # Every event up to the log position the dump started at (PostgreSQL's ids have gaps).
        last = header["events"]
        originals = app.recorder.select_notifications(start=1, limit=last, stop=last)
        copies = restored.recorder.select_notifications(start=1, limit=last + 1)
        assert [(n.originator_id, n.originator_version, n.topic) for n in copies] == [
            (n.originator_id, n.originator_version, n.topic) for n in originals
        ]
        assert [restored.mapper.to_domain_event(n) for n in copies] == [
            app.mapper.to_domain_event(n) for n in originals
        ]
        assert restored.book_state("under-load").chapters  # every aggregate loads
    finally:
        restored.close()


@dataclass(frozen=True)
class Case:
    store: str
    workers: int


CASES = [
    pytest.param(Case("postgres", 2), marks=pytest.mark.postgres, id="postgres-2-web-workers"),
    pytest.param(Case("sqlite", 1), id="sqlite-1-web-worker"),
    pytest.param(Case("sqlite", 2), id="sqlite-2-web-workers"),
]


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """An empty store of the case's kind: an SQLite file, or a new PostgreSQL schema."""
    case: Case = request.param
    if case.store == "sqlite":
        yield Settings(database=str(tmp_path / "textbook.sqlite"), build_dir=tmp_path / "build")
        return
    with postgres_schema() as database:
        yield Settings(database=database, build_dir=tmp_path / "build")


@pytest.mark.parametrize("store", CASES, indirect=True)
def test_no_acknowledged_approval_is_lost_when_workers_are_killed_under_load(
    store: Settings, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    case: Case = request.node.callspec.params["store"]
    settings = store
    tokens = seed(settings, write_book(tmp_path / "under-load"))
    cluster = Cluster(settings, case.workers, tmp_path)
    dump = tmp_path / "under-load.jsonl.gz"
    try:
        cluster.start_server()
        cluster.start_worker()
        tally = run_load(cluster, tokens, dump)
        print(
            f"{len(tally.approved)} approvals acknowledged, {tally.conflicts} conflicts, "
            f"{tally.disconnects} requests cut off by the kills, {tally.pages} chapter pages read"
        )
        assert tally.server_errors == [], cluster.log()
        assert tally.refused == []
        assert tally.pages >= MINIMUM, tally.pages
        assert len(tally.approved) >= MINIMUM, (len(tally.approved), tally.conflicts, cluster.log())
        app = open_textbook(settings)
        try:
            wait_for_worker(app, settings)
            cluster.stop()
            views = open_views(settings)
            try:
                assert catch_up(app, views) == 0  # the worker projected every event
                queries = Queries(views)
                revisions = queries.history("under-load")
                history = {r.proposal_id: r for r in revisions}
                for proposal, section in tally.approved:
                    assert proposal in history, f"approval of {proposal} was lost"
                    assert history[proposal].section_id == section
                    assert queries.proposal(proposal).status == "approved"
                # No two approvals applied on the same base: each section's revisions are
                # 1, 2, 3... once each, and every one since the import is an approval.
                for section in SECTIONS:
                    numbers = [r.revision for r in revisions if r.section_id == section]
                    assert numbers == list(range(1, len(numbers) + 1))
                applied = [r.proposal_id for r in revisions if r.proposal_id is not None]
                assert len(applied) == len(set(applied))  # and no proposal applied twice
                live = queries.dump()
                rebuild(app, views)
                assert Queries(views).dump() == live
            finally:
                views.close()
            check_dump(dump, app, tmp_path)
        finally:
            app.close()
    finally:
        cluster.stop()
