"""`--database` on the command line changes the database only: every other setting still comes
from the environment, on every host and in the publishing worker that `serve` starts."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx

from tests.live import (
    SECRET_KEY,
    STARTUP_SECONDS,
    LiveServer,
    free_port,
    seed_tiny,
    stop,
    textbook_command,
)
from tests.publishing.test_time_limits import approve_formulas
from textbook.config import Settings


@contextlib.contextmanager
def host(
    folder: Path,
    settings: Settings,
    tokens: dict[str, str],
    *args: str,
    environ: dict[str, str] | None = None,
) -> Iterator[LiveServer]:
    """`textbook --database PATH serve` in a folder of its own, as on a host of its own: the
    database comes from the command line only, the rest from the environment."""
    folder.mkdir(parents=True)
    server = LiveServer(
        f"http://127.0.0.1:{free_port()}", settings, folder, folder / "server.log", tokens
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("TEXTBOOK_")}
    env |= {"TEXTBOOK_SECRET_KEY": SECRET_KEY, "TEXTBOOK_BUILD_DIR": str(settings.build_dir)}
    env |= environ or {}
    port = server.url.rsplit(":", 1)[1]
    command = [*textbook_command(), "--database", settings.database, "serve", "--port", port]
    with server.log.open("ab") as output:
        server.process = subprocess.Popen(
            [*command, "--no-demo", *args], cwd=folder, env=env, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert server.process.poll() is None, server.server_log()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{server.url}/api/books", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise AssertionError(f"textbook serve did not answer:\n{server.server_log()}")
        yield server
    finally:
        stop(server.process)
    assert "Traceback" not in server.log.read_text(), server.server_log()


def test_a_session_from_one_host_is_signed_in_on_another(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "textbook.sqlite"), build_dir=tmp_path / "build")
    tokens = seed_tiny(settings)
    with (
        host(tmp_path / "one", settings, tokens, "--no-publish") as one,
        host(tmp_path / "two", settings, tokens, "--no-publish") as two,
    ):
        with one.signed_in("alice") as browser:
            assert "alice" in browser.get("/profile").text
            cookies = browser.cookies
        with two.client(cookies=cookies) as same_browser:  # the balancer sent it elsewhere
            profile = same_browser.get("/profile")
    assert profile.status_code == 200, profile.headers
    assert "alice" in profile.text
    # Neither host fell back to a random key of its own in its folder.
    assert not (tmp_path / "one" / "var" / "secret-key").exists()
    assert not (tmp_path / "two" / "var" / "secret-key").exists()


def test_the_publishing_worker_of_serve_gets_the_settings(tmp_path: Path) -> None:
    """The worker that `serve --database PATH` starts reads that database, publishes into
    TEXTBOOK_BUILD_DIR and keeps to TEXTBOOK_BUILD_TIMEOUT (3,000 formulas take longer than 3 s)."""
    settings = Settings(database=str(tmp_path / "textbook.sqlite"), build_dir=tmp_path / "out")
    tokens = seed_tiny(settings)
    approve_formulas(settings)
    limit = {"TEXTBOOK_BUILD_TIMEOUT": "3"}
    with host(tmp_path / "web", settings, tokens, "--publish", environ=limit) as server:
        deadline = time.monotonic() + 300
        while "tiny: not published" not in server.server_log() and time.monotonic() < deadline:
            time.sleep(0.5)
        log = server.server_log()
    # It read the book from the database given, and worked in TEXTBOOK_BUILD_DIR.
    assert (settings.build_dir / "editions" / ".lock").exists()
    assert "took longer than its limit of 3 s (TEXTBOOK_BUILD_TIMEOUT)" in log, log
    assert not (tmp_path / "web" / "build").exists()
    assert not (tmp_path / "web" / "var").exists()  # no default database beside it either


def test_the_settings_decide_where_var_is(tmp_path: Path) -> None:
    """With neither TEXTBOOK_DATABASE nor TEXTBOOK_SECRET_KEY, `serve` keeps its store and its
    session key in TEXTBOOK_VAR, and nothing in the folder it runs in."""
    here, var = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TEXTBOOK_")}
    env |= {"TEXTBOOK_VAR": str(var), "TEXTBOOK_BUILD_DIR": str(tmp_path / "build")}
    port = free_port()
    command = [*textbook_command(), "serve", "--port", str(port), "--no-demo", "--no-publish"]
    log = tmp_path / "server.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=here, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/api/books", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise AssertionError(f"textbook serve did not answer:\n{log.read_text()}")
    finally:
        stop(process)
    assert (var / "secret-key").is_file()
    assert (var / "textbook.sqlite").is_file()
    assert list(here.iterdir()) == []
