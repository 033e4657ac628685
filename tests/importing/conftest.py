"""Fixtures for importing: the command line and the web on the same fresh store, with mia and
alice registered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.cli.conftest import Run, run
from tests.web.conftest import csrf_of
from textbook.config import Settings
from textbook.web.app import create_app

__all__ = ["client", "run", "upload"]


@pytest.fixture
def client(settings: Settings, run: Run) -> Iterator[TestClient]:
    run("user", "add", "mia", "--email", "mia@example.org", "--password", "correct horse")
    run("user", "add", "alice", "--email", "alice@example.org", "--password", "correct horse")
    web = Settings(
        database=settings.database,
        build_dir=settings.build_dir,
        var=settings.var,
        secret_key=None,
        password_hasher=settings.password_hasher,
    )
    with TestClient(create_app(web)) as test_client:
        yield test_client


def upload(client: TestClient, path: Path, **fields: str) -> tuple[int, str]:
    page = client.get("/import")
    response = client.post(
        "/import",
        data={"csrf": csrf_of(page.text), **fields},
        files={"book": (path.name, path.read_bytes(), "application/octet-stream")},
    )
    return response.status_code, response.text
