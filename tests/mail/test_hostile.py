"""The mail pages under hostile or careless requests: clear 4xx answers, never a 500, nothing
changed."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.mail.conftest import csrf_of, post_form
from textbook.domain.application import Textbook
from textbook.web.account_mail import FORGOT_LIMIT


def test_the_sign_in_page_links_to_a_forgotten_password(client: TestClient) -> None:
    assert 'href="/password/forgot">Forgot your password?</a>' in client.get("/signin").text


def test_asking_for_reset_links_is_rate_limited(client: TestClient) -> None:
    for _ in range(FORGOT_LIMIT):
        answer = post_form(client, "/password/forgot", "/password/forgot", email="x@example.org")
        assert answer.status_code == 200
    refused = post_form(client, "/password/forgot", "/password/forgot", email="x@example.org")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many password resets were asked for from your address" in refused.text


def test_forms_without_their_token_or_in_another_shape_are_refused(
    client: TestClient, worker_app: Textbook
) -> None:
    assert client.post("/password/forgot", data={"email": "alice@example.org"}).status_code == 403
    as_json = client.post("/password/forgot", json={"email": "alice@example.org"})
    assert as_json.status_code == 415
    malformed = post_form(client, "/password/forgot", "/password/forgot", email="not an address")
    assert malformed.status_code == 422 and "is not a valid email address" in malformed.text
    assert worker_app.user("alice").resets == {}


def test_links_of_any_shape_are_refused_cleanly(client: TestClient) -> None:
    for token in ("", "a.b", "x" * 5000, "....", "%00", "AAAA.AAAA"):
        for path in ("/password/reset/", "/email/verify/", "/unsubscribe/"):
            answer = client.get(path + token)
            assert answer.status_code in (404, 410), (path, token, answer.status_code)


def test_a_large_one_click_body_is_refused(client: TestClient, worker_app: Textbook) -> None:
    from textbook.mail.links import Links

    page = client.get("/signin")  # any page: the app is up
    assert csrf_of(page.text)
    links = client.app.state.site.links  # type: ignore[attr-defined]
    assert isinstance(links, Links)
    path = links.unsubscribe_url("alice")
    answer = client.post(path, content=b"x" * 10_000)
    assert answer.status_code == 413
    assert worker_app.mail_choice("alice").value == "immediate"
