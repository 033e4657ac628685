"""`textbook serve` in a subprocess on a free port, and Chromium driven by Playwright.

As datasette's tests/test_playwright.py does: the real server, started once for the session on
an empty store (so it imports the sample book and adds the demo users: grace maintains it, emmy
and sofia edit, ada authors), and a real browser. Each test is one journey and makes its own
accounts and proposals, so that no test depends on another's order.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_SECONDS = 60
STOP_SECONDS = 5
WARM_UP_SECONDS = 300  # the first chapter page, measured at 20 s and more under load average 25
TIMEOUT_MS = 20_000  # pandoc renders every preview, and the publisher shares the processor
expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class Server:
    url: str
    log: Path


class OpenPage(Protocol):
    def __call__(self, width: int = 1280, height: int = 800) -> Page: ...


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def textbook_command() -> list[str]:
    script = Path(sys.executable).parent / "textbook"
    return [str(script)] if script.exists() else [sys.executable, "-m", "textbook.cli"]


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"textbook serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"textbook serve did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


def warm_up(url: str) -> None:
    """Open one chapter page, which renders the whole web edition (pandoc, every chapter): on
    a busy machine that takes far longer than a click may, so no journey waits for it."""
    with urllib.request.urlopen(url, timeout=WARM_UP_SECONDS) as response:
        assert response.status == 200, url


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stops the server and the publishing worker it starts: the process group of the server."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_SECONDS)
    # The worker finishes the edition it is building before it stops (a PDF takes a minute);
    # nothing it would write is needed any more.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`textbook serve` on an empty store in a temporary folder, answering on a free port."""
    folder = tmp_path_factory.mktemp("server")
    port = free_port()
    environ = os.environ | {
        "TEXTBOOK_DATABASE": str(folder / "textbook.sqlite"),
        "TEXTBOOK_BUILD_DIR": str(folder / "build"),
        "TEXTBOOK_SIGNUP_LIMIT": "1000",  # every journey signs up from 127.0.0.1
    }
    environ.pop("TEXTBOOK_SECRET_KEY", None)
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*textbook_command(), "serve", "--port", str(port)],
            cwd=folder,  # var/ (the session key) goes there too
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group: the server and its publishing worker
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url + "/", process, log)
        warm_up(url + "/books/numerical-methods/chapters/floating-point")
        yield Server(url, log)
    finally:
        stop(process)
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"the browser tests need Chromium at {CHROMIUM}")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser: Browser, server: Server) -> Iterator[OpenPage]:
    """Opens a page in a browser context of its own (its own cookies): one per person."""
    contexts: list[BrowserContext] = []

    def open_page(width: int = 1280, height: int = 800) -> Page:
        context = browser.new_context(
            base_url=server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: OpenPage) -> Page:
    return new_page()


def console_errors(page: Page) -> list[ConsoleMessage]:
    """The page's console errors from now on, collected as they happen."""
    errors: list[ConsoleMessage] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message)

    page.on("console", collect)
    return errors
