"""A real `textbook serve` process on a seeded store, driven over HTTP, and what it stored.

The review gate's tests (tests/gate/) attack the product as an outsider would: through the
running server, never by calling the application. `Fingerprint` is what "nothing changed" means
after a refusal: the events, the image blobs and every read model, compared before and after.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

from tests.conftest import FIXTURES, QUICK_HASHER, import_folder
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.runner import catch_up, open_views
from textbook.projections.views import TABLE_NAMES, ReadModels
from textbook.storage import open_textbook, transaction

PASSWORD = "correct horse"
SECRET_KEY = "live-test-secret-key-0123456789abcdef"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def seed_tiny(settings: Settings) -> dict[str, str]:
    """The tiny book; alice authors, bob and carol edit, dave maintains, mallory is nobody.

    Returns an API token for each of them. Their passwords are hashed quickly (a server's own
    sign-ups use the server's parameters).
    """
    app = open_textbook(dataclasses.replace(settings, password_hasher=QUICK_HASHER))
    try:
        import_folder(app, FIXTURES / "tiny")
        tokens = {}
        for name in ("alice", "bob", "carol", "dave", "mallory"):
            app.register_user(name, f"{name}@example.org", PASSWORD)
            tokens[name] = app.create_token(name, "tests")
        app.grant("tiny", "alice", "author")
        app.grant("tiny", "bob", "editor")
        app.grant("tiny", "carol", "editor")
        app.grant("tiny", "dave", "maintainer")
        return tokens
    finally:
        app.close()


@dataclass(frozen=True)
class Fingerprint:
    """Everything a request could have changed: events, blobs and read models."""

    events: int
    blobs: frozenset[str]
    read_models: str  # a digest of every row of every read-model table

    def __str__(self) -> str:
        return f"{self.events} events, {len(self.blobs)} blobs, read models {self.read_models[:12]}"


def fingerprint_of(app: Textbook, views: ReadModels) -> Fingerprint:
    """The store's fingerprint, once the read models have caught up with every event."""
    catch_up(app, views)
    events = app.recorder.max_notification_id() or 0
    with transaction(app.recorder.datastore, commit=False) as sql:  # type: ignore[attr-defined]
        blobs = frozenset(row["sha256"] for row in sql.all("SELECT sha256 FROM {s}.textbook_blobs"))
    digest = hashlib.sha256()
    with views.read() as sql:
        for table in TABLE_NAMES:
            rows = sql.all(f"SELECT * FROM {{s}}.{table}")
            lines = sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)
            digest.update(f"{table}\n".encode() + "\n".join(lines).encode())
    return Fingerprint(events, blobs, digest.hexdigest())


@dataclass
class LiveServer:
    url: str
    settings: Settings
    folder: Path
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def client(self, **kwargs: object) -> httpx.Client:
        """A client of its own (its own cookies), as one person's browser is."""
        return httpx.Client(base_url=self.url, timeout=60, follow_redirects=False, **kwargs)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def signed_in(self, name: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
        """A client signed in through the form as `name`, closed afterwards."""
        with self.client() as client:
            response = sign_in(client, name, password)
            assert response.status_code == 303, response.text
            yield client

    def api(self, name: str) -> dict[str, str]:
        """Headers that send `name`'s API token."""
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def fingerprint(self) -> Fingerprint:
        app, views = open_textbook(self.settings), open_views(self.settings)
        try:
            return fingerprint_of(app, views)
        finally:
            app.close()
            views.close()

    def server_log(self) -> str:
        return self.log.read_text()[-5000:] if self.log.exists() else ""


def textbook_command() -> list[str]:
    return [sys.executable, "-m", "textbook.cli"]


def start(
    server: LiveServer, environ: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TEXTBOOK_DATABASE": server.settings.database,
        "TEXTBOOK_BUILD_DIR": str(server.settings.build_dir),
        "TEXTBOOK_SECRET_KEY": SECRET_KEY,
        **(environ or {}),
    }
    port = int(server.url.rsplit(":", 1)[1])
    with server.log.open("ab") as output:
        process = subprocess.Popen(
            [*textbook_command(), "serve", "--port", str(port), "--no-demo", "--no-publish", *args],
            cwd=server.folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"textbook serve exited:\n{server.server_log()}")
        try:
            if httpx.get(f"{server.url}/api/books", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(process)
    raise AssertionError(f"textbook serve did not answer:\n{server.server_log()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def live_server(
    folder: Path,
    settings: Settings | None = None,
    environ: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[LiveServer]:
    """`textbook serve` on the tiny book in `folder` (SQLite unless `settings` say otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = settings or Settings(
        database=str(folder / "textbook.sqlite"), build_dir=folder / "build"
    )
    server = LiveServer(
        url=f"http://127.0.0.1:{free_port()}",
        settings=settings,
        folder=folder,
        log=folder / "server.log",
    )
    server.tokens = seed_tiny(settings)
    server.process = start(server, environ, args)
    try:
        yield server
    finally:
        stop(server.process)
    assert "Traceback" not in server.log.read_text(), server.server_log()


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def sign_in(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/signin")
    return client.post(
        "/signin", data={"csrf": csrf_of(page.text), "name": name, "password": password}
    )


def form(client: httpx.Client, page: str) -> str:
    """The CSRF token of the page's form, for the client's session."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return csrf_of(response.text)
