"""The web app on a real store, through Starlette's TestClient (the lifespan runs)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from textbook.config import Settings
from textbook.storage import open_textbook
from textbook.web.app import create_app


def served(settings: Settings) -> Settings:
    """The settings the web app runs with over a store the test filled: its session key kept in
    a file under `var`, as `textbook serve` keeps it."""
    return Settings(
        database=settings.database,
        build_dir=settings.build_dir,
        var=settings.var,  # the session key file goes to tmp_path/var
        secret_key=None,
        password_hasher=settings.password_hasher,
    )


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    """The tiny book in a fresh store (SQLite and PostgreSQL); alice authors, bob and carol edit."""
    app = open_textbook(settings)
    import_folder(app, FIXTURES / "tiny")
    for name in ("alice", "bob", "carol", "mallory"):
        app.register_user(name, f"{name}@example.org", "correct horse")
    app.grant("tiny", "alice", "author")
    app.grant("tiny", "bob", "editor")
    app.grant("tiny", "carol", "editor")
    app.close()
    return served(settings)


@pytest.fixture
def client(web_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(web_settings)) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, name: str) -> None:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "name": name, "password": "correct horse"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
