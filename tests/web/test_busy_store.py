"""A store that stays locked past the lock timeout: a clear 503 and nothing changed, not a 500."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from tests.web.test_api import conforms
from textbook.config import Settings
from textbook.storage import open_textbook
from textbook.web.app import create_app

TEXT = "## Counting {#counting}\n\nOne, two, three, four.\n"


def test_a_write_that_waits_too_long_for_the_lock_is_503_and_can_be_retried(tmp_path: Path) -> None:
    settings = Settings(
        database=str(tmp_path / "textbook.sqlite"),
        build_dir=tmp_path / "build",
        var=tmp_path / "var",
        lock_timeout=1,
    )
    app = open_textbook(settings)
    import_folder(app, FIXTURES / "tiny")
    app.register_user("alice", "alice@example.org", None)
    app.grant("tiny", "alice", "author")
    token = app.create_token("alice")
    app.close()
    with TestClient(create_app(settings)) as client:

        def propose() -> object:
            return client.post(
                "/api/books/tiny/sections/counting/proposals",
                json={"text": TEXT, "message": "Four", "base_revision": 1},
                headers={"Authorization": f"Bearer {token}"},
            )

        locker = sqlite3.connect(settings.database, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
        try:
            busy = conforms(propose())  # type: ignore[arg-type]
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "2"
        assert "nothing was changed" in busy.json()["error"]["message"]
        assert client.get("/api/books/tiny/proposals").json() == []
        assert conforms(propose()).status_code == 201  # type: ignore[arg-type]
