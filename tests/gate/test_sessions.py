"""Sessions end on the server: sign-out, sign-out everywhere, idle and absolute limits;
Secure cookies and HSTS over HTTPS; signed-in pages are never stored by caches."""

from __future__ import annotations

import time
from pathlib import Path

import httpx2 as httpx

from tests.live import LiveServer, csrf_of, form, live_server, sign_in

COOKIE = "textbook_session"


def is_signed_in(live: LiveServer, cookie: str) -> bool:
    """Whether a browser holding only this cookie is signed in (the profile answers 200)."""
    with live.client(cookies={COOKIE: cookie}) as client:
        response = client.get("/profile")
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


def test_a_cookie_replayed_after_sign_out_is_signed_out(live: LiveServer) -> None:
    with live.signed_in("mallory") as mallory:
        saved = mallory.cookies[COOKIE]
        assert is_signed_in(live, saved)
        before = live.fingerprint()
        response = mallory.post("/signout", data={"csrf": form(mallory, "/")})
        assert response.status_code == 303
    assert not is_signed_in(live, saved)
    # Nothing in the events or read models: sessions are kept beside them.
    assert live.fingerprint() == before


def test_signing_in_gives_a_new_session_id_and_csrf_token(live: LiveServer) -> None:
    with live.client() as browser:
        page = browser.get("/signin")
        anonymous_cookie, anonymous_csrf = browser.cookies[COOKIE], csrf_of(page.text)
        response = browser.post(
            "/signin",
            data={"csrf": anonymous_csrf, "name": "mallory", "password": "correct horse"},
        )
        assert response.status_code == 303
        assert browser.cookies[COOKIE] != anonymous_cookie
        assert form(browser, "/profile") != anonymous_csrf
    # The cookie from before signing in (which an attacker could have planted) is not signed in.
    assert not is_signed_in(live, anonymous_cookie)


def test_sign_out_everywhere_ends_every_session_of_the_person(live: LiveServer) -> None:
    with (
        live.signed_in("carol") as laptop,
        live.signed_in("carol") as phone,
        live.signed_in("bob") as someone_else,
    ):
        cookies = [laptop.cookies[COOKIE], phone.cookies[COOKIE]]
        assert all(is_signed_in(live, cookie) for cookie in cookies)
        before = live.fingerprint()
        response = phone.post("/signout/everywhere", data={"csrf": form(phone, "/profile")})
        assert response.status_code == 303
        assert response.headers["location"] == "/signin"
        assert not any(is_signed_in(live, cookie) for cookie in cookies)
        assert laptop.get("/profile").status_code == 303
        assert someone_else.get("/profile").status_code == 200  # only carol's sessions
        assert live.fingerprint() == before


def test_the_profile_button_signs_out_everywhere(live: LiveServer) -> None:
    with live.signed_in("dave") as dave:
        page = dave.get("/profile")
        assert 'action="/signout/everywhere"' in page.text
        assert "Sign out everywhere" in page.text


def test_sessions_end_when_idle_and_after_their_lifetime(tmp_path: Path) -> None:
    """Idle limit 8 s, lifetime 24 s: margins of 3 s and more for a busy machine."""
    environ = {"TEXTBOOK_SESSION_IDLE": "8", "TEXTBOOK_SESSION_LIFETIME": "24"}
    with (
        live_server(tmp_path, environ=environ) as live,
        live.signed_in("alice") as idle,
        live.signed_in("bob") as busy,
    ):
        started = time.monotonic()
        idle_cookie = idle.cookies[COOKIE]
        # Requests every second keep a session open past the idle limit ...
        while time.monotonic() - started < 11:
            assert busy.get("/profile").status_code == 200
            time.sleep(1)
        # ... while the session without requests has ended.
        assert not is_signed_in(live, idle_cookie)
        # An active session still ends at its lifetime.
        while time.monotonic() - started < 16:
            assert busy.get("/profile").status_code == 200
            time.sleep(1)
        while time.monotonic() - started < 26:
            time.sleep(1)
            busy.get("/")  # keeps it from being idle; the lifetime ends it anyway
        response = busy.get("/profile")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")
        # Signing in again works at once.
        assert sign_in(busy, "bob").status_code == 303
        assert busy.get("/profile").status_code == 200


def test_https_gives_secure_cookies_and_hsts(tmp_path: Path) -> None:
    with live_server(tmp_path, environ={"TEXTBOOK_HTTPS": "1"}) as live:
        response = httpx.get(f"{live.url}/signin")
        assert "max-age=31536000" in response.headers["strict-transport-security"]
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(COOKIE) and "secure" in cookie.lower()
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_plain_http_has_no_hsts_but_a_trusted_proxys_https_does(live: LiveServer) -> None:
    response = httpx.get(f"{live.url}/signin")
    assert "strict-transport-security" not in response.headers
    assert "secure" not in response.headers["set-cookie"].lower()
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1 (its --forwarded-allow-ips default),
    # as from a reverse proxy on the same machine.
    behind_proxy = httpx.get(f"{live.url}/signin", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" in behind_proxy.headers
    assert "secure" in behind_proxy.headers["set-cookie"].lower()


def test_signed_in_pages_are_not_stored_by_caches(live: LiveServer) -> None:
    assert "no-store" not in httpx.get(f"{live.url}/books/tiny").headers.get("cache-control", "")
    with live.signed_in("alice") as alice:
        assert alice.get("/books/tiny").headers["cache-control"] == "no-store"
        assert alice.get("/profile").headers["cache-control"] == "no-store"
        assert "no-store" not in alice.get("/static/site.css").headers.get("cache-control", "")
