"""Sign-ups per client address and previews per person are throttled, in the store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveServer, form, live_server


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with low limits: 3 sign-ups an hour per address, 4 previews a minute."""
    environ = {"TEXTBOOK_SIGNUP_LIMIT": "3", "TEXTBOOK_PREVIEW_RATE": "4"}
    with live_server(tmp_path_factory.mktemp("strict"), environ=environ) as server:
        yield server


def sign_up(live: LiveServer, name: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    with live.client(headers=headers) as client:
        response = client.post(
            "/signup",
            data={
                "csrf": form(client, "/signup"),
                "name": name,
                "email": f"{name}@example.org",
                "password": "long enough",
            },
        )
        return response.status_code, response.text, dict(response.headers)


def test_sign_ups_from_one_address_are_throttled(strict: LiveServer) -> None:
    assert [sign_up(strict, f"reader{n}")[0] for n in range(3)] == [303, 303, 303]
    before = strict.fingerprint()
    status, page, headers = sign_up(strict, "reader4")
    assert status == 429
    assert int(headers["retry-after"]) > 3000  # the oldest of the three frees its place in ~1 h
    assert "Too many accounts" in page
    assert 'value="reader4"' in page and 'value="reader4@example.org"' in page
    assert strict.fingerprint() == before
    # Another address (here through a proxy on this machine, which uvicorn trusts) may.
    assert sign_up(strict, "reader5", **{"X-Forwarded-For": "203.0.113.9"})[0] == 303


def test_the_preview_is_for_signed_in_people_at_a_bounded_rate(strict: LiveServer) -> None:
    before = strict.fingerprint()
    with strict.client() as anonymous:
        csrf = form(anonymous, "/signin")
        refused = anonymous.post("/preview", data={"csrf": csrf, "text": "## Hi {#hi}\n\nHi.\n"})
        assert refused.status_code == 401
        assert refused.json()["error"] == "Sign in to see the preview."
    with strict.signed_in("alice") as alice, strict.signed_in("bob") as bob:
        csrf = form(alice, "/profile")
        data = {"csrf": csrf, "book": "tiny", "text": "## Hi {#hi}\n\nHi *there*.\n"}
        answers = [alice.post("/preview", data=data) for _ in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
        assert "<em>there</em>" in answers[0].json()["html"]
        assert "Too many previews" in answers[4].json()["error"]
        assert 1 <= int(answers[4].headers["retry-after"]) <= 61
        # The rate is per person.
        data["csrf"] = form(bob, "/profile")
        assert bob.post("/preview", data=data).status_code == 200
    assert strict.fingerprint() == before
