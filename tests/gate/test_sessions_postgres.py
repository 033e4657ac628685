"""The session records, the throttle and the sign-in lock on PostgreSQL, the store of many
hosts: two `textbook serve` processes on one database share them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import postgres_schema
from tests.gate.test_sign_in import attempt
from tests.live import PASSWORD, LiveServer, form, free_port, live_server, start, stop
from textbook.config import Settings

pytestmark = pytest.mark.postgres


def test_sessions_throttles_and_the_lock_hold_across_two_servers(tmp_path: Path) -> None:
    with postgres_schema() as database:
        settings = Settings(database=database, build_dir=tmp_path / "build")
        environ = {"TEXTBOOK_PREVIEW_RATE": "2"}
        with live_server(tmp_path / "one", settings, environ=environ) as one:
            other = LiveServer(
                url=f"http://127.0.0.1:{free_port()}",
                settings=settings, folder=tmp_path / "two", log=tmp_path / "two.log",
            )  # fmt: skip
            other.folder.mkdir()
            other.process = start(other, environ)
            try:
                check_across(one, other)
            finally:
                stop(other.process)


def check_across(one: LiveServer, other: LiveServer) -> None:
    with one.signed_in("alice") as alice:
        cookie = alice.cookies["textbook_session"]
        with other.client(cookies={"textbook_session": cookie}) as same_person:
            assert same_person.get("/profile").status_code == 200
            # Previews: two a minute, counted over both servers.
            data = {"csrf": form(alice, "/profile"), "book": "tiny", "text": "## A {#a}\n\nA.\n"}
            assert alice.post("/preview", data=data).status_code == 200
            assert same_person.post("/preview", data=data).status_code == 200
            assert alice.post("/preview", data=data).status_code == 429
            # Signing out on one ends the session on the other.
            assert alice.post("/signout", data={"csrf": form(alice, "/")}).status_code == 303
            assert same_person.get("/profile").status_code == 303
    # Wrong passwords on both servers lock the account on both; an unknown name too.
    for index in range(5):
        server = (one, other)[index % 2]
        assert attempt(server, "bob", "wrong").status_code == (429 if index == 4 else 401)
        assert attempt(server, "nobody", "wrong").status_code == (429 if index == 4 else 401)
    assert attempt(other, "bob", PASSWORD).status_code == 429
    assert attempt(one, "nobody", PASSWORD).status_code == 429
