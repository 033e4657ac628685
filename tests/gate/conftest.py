"""The review gate attacked through a running server: one `textbook serve` per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveServer, live_server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`textbook serve` on the tiny book (SQLite), shared by the tests of one module."""
    with live_server(tmp_path_factory.mktemp("live")) as server:
        yield server
