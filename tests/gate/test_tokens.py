"""API tokens: listed without their secret, revoked at once on every worker, expiring, and
a label over the limit refused with the typed label kept."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.live import LiveServer, form, live_server, textbook_command

NOBODY = "/api/proposals/00000000-0000-0000-0000-000000000000/reviews"
REVIEW = {"verdict": "comment", "comment": "hello"}


def textbook(live: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEXTBOOK_DATABASE": live.settings.database}
    return subprocess.run(
        [*textbook_command(), *args], cwd=live.folder, env=env, capture_output=True, text=True
    )


def api_status(live: LiveServer, token: str) -> tuple[int, str]:
    """What a write with this token gets, on a fresh connection (so any worker may answer):
    404 (a known token, no such proposal: nothing changes) or 401."""
    with live.client() as client:
        response = client.post(NOBODY, json=REVIEW, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.text


def test_a_revoked_token_is_refused_at_once_on_every_worker(tmp_path: Path) -> None:
    with live_server(tmp_path, args=("--workers", "2")) as live:
        token = live.tokens["alice"]
        assert api_status(live, token)[0] == 404
        listed = textbook(live, "token", "list", "alice")
        assert listed.returncode == 0, listed.stderr
        (line,) = listed.stdout.splitlines()
        token_id, created, expires, label = line.split(maxsplit=3)
        assert (expires, label) == ("never", "tests")
        assert created.startswith(str(datetime.now(UTC).year))
        assert token not in listed.stdout and token_id not in token
        before = live.fingerprint()
        revoked = textbook(live, "token", "revoke", "alice", token_id)
        assert revoked.returncode == 0, revoked.stderr
        after_revoke = live.fingerprint()
        for _ in range(12):  # fresh connections: both workers answer some of them
            status, body = api_status(live, token)
            assert status == 401
            assert "revoked" in body
        assert live.fingerprint() == after_revoke != before
        assert textbook(live, "token", "list", "alice").stdout == ""
        # Revoking it again names the token that is not there.
        again = textbook(live, "token", "revoke", "alice", token_id)
        assert again.returncode == 2 and token_id in again.stderr


def test_revoke_all_and_an_expired_token(live: LiveServer) -> None:
    # Far enough ahead that a busy machine still uses it before it expires; then wait it out.
    expiry = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
    soon = expiry.strftime("%Y-%m-%dT%H:%M:%S")
    created = textbook(live, "token", "create", "bob", "--label", "ci", "--expires", soon)
    assert created.returncode == 0, created.stderr
    expiring = created.stdout.split()[-1]
    assert api_status(live, expiring)[0] == 404
    assert soon + "Z  ci" in textbook(live, "token", "list", "bob").stdout
    time.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds() + 1.5))
    before = live.fingerprint()
    status, body = api_status(live, expiring)
    assert status == 401 and "expired" in body and "TokenExpired" in body
    assert "(expired)" in textbook(live, "token", "list", "bob").stdout
    assert live.fingerprint() == before
    bad = textbook(live, "token", "create", "bob", "--expires", "yesterday")
    assert bad.returncode == 2 and "not an expiry" in bad.stderr
    # --all revokes every token of the person, the seeded one too.
    assert api_status(live, live.tokens["bob"])[0] == 404
    everything = textbook(live, "token", "revoke", "bob", "--all")
    assert everything.returncode == 0 and "Revoked 2 tokens" in everything.stdout
    assert api_status(live, live.tokens["bob"])[0] == 401
    assert textbook(live, "token", "revoke", "bob").returncode == 2  # an id or --all


def test_the_profile_lists_and_revokes_tokens_and_never_stores_a_new_one(
    live: LiveServer,
) -> None:
    with live.signed_in("carol") as carol:
        response = carol.post(
            "/profile",
            data={"csrf": form(carol, "/profile"), "label": "work laptop", "expires": "30d"},
        )
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        new = response.text.split('id="new-token">')[1].split("<")[0]
        assert api_status(live, new)[0] == 404
        page = carol.get("/profile").text
        assert new not in page  # shown once
        assert "work laptop" in page and "never" in page  # the seeded token never expires
        in_30_days = {
            (datetime.now(UTC) + timedelta(days=30, minutes=m)).strftime("%Y-%m-%d")
            for m in (-5, 0)
        }
        assert any(day in page for day in in_30_days)
        token_id = page.split("work laptop")[0].rsplit("<code>", 1)[1].split("<")[0]
        response = carol.post(
            f"/profile/tokens/{token_id}/revoke", data={"csrf": form(carol, "/profile")}
        )
        assert response.status_code == 303
        assert api_status(live, new)[0] == 401
        assert "work laptop" not in carol.get("/profile").text
        assert api_status(live, live.tokens["carol"])[0] == 404  # the other one still works


def test_a_token_label_over_the_limit_is_refused_and_kept_in_the_form(live: LiveServer) -> None:
    label = "x" * 150 + "y" * 60  # 210 characters: today's form cut it to 200
    with live.signed_in("dave") as dave:
        before = live.fingerprint()
        response = dave.post("/profile", data={"csrf": form(dave, "/profile"), "label": label})
        assert response.status_code == 422
        assert "at most 200" in response.text
        assert f'value="{label}"' in response.text
        assert 'id="new-token"' not in response.text
        bad_expiry = dave.post(
            "/profile", data={"csrf": form(dave, "/profile"), "label": "ok", "expires": "soon"}
        )
        assert bad_expiry.status_code == 422 and "not an expiry" in bad_expiry.text
        assert live.fingerprint() == before
    cli = textbook(live, "token", "create", "dave", "--label", label)
    assert cli.returncode == 2 and "at most 200" in cli.stderr
    assert live.fingerprint() == before
