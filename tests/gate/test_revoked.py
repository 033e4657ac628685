"""A revoked member can no longer change what their open proposals say, by any path."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx

from tests.gate.test_versions import api_propose
from tests.live import LiveServer, form
from tests.web.test_pages import text_of

TEXT = "## Counting {#counting}\n\nOne, two, three.\nFour, five, six.\n"


def settings_change(live: LiveServer, **fields: str) -> None:
    """dave, the maintainer, changes a membership on the settings page."""
    with live.signed_in("dave") as dave:
        csrf = form(dave, "/books/tiny/settings")
        response = dave.post("/books/tiny/settings", data={"csrf": csrf, **fields})
        assert response.status_code == 303, response.text


def refused(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    if response.headers["content-type"].startswith("application/json"):
        error: dict[str, Any] = response.json()["error"]
        assert error["message"] == message
    else:
        assert message in text_of(response.text, "main")


def test_a_revoked_member_cannot_revise_reopen_or_propose_again(live: LiveServer) -> None:
    settings_change(live, action="grant", name="mallory", role="author")
    waiting = api_propose(live, "counting", "Mallory was here.", by="mallory")
    returned = api_propose(live, "counting", "Mallory again.", by="mallory")
    response = httpx.post(
        f"{live.url}/api/proposals/{returned}/reviews",
        json={"verdict": "request_changes", "comment": "Why?"},
        headers=live.api("bob"),
    )
    assert response.json()["status"] == "changes_requested"
    settings_change(live, action="revoke", name="mallory")
    not_a_member = "mallory is not a member of the book 'tiny'."
    before = live.fingerprint()

    # The API: revising an open proposal, or one with changes requested (which would reopen it).
    for proposal in (waiting, returned):
        revised = httpx.post(
            f"{live.url}/api/proposals/{proposal}/revisions",
            json={"text": TEXT + "\nMallory, revoked.\n"},
            headers=live.api("mallory"),
        )
        refused(revised, 403, not_a_member)
    # The web form.
    with live.signed_in("mallory") as mallory:
        page = f"/proposals/{returned}/revise"
        response = mallory.post(
            page, data={"csrf": form(mallory, page), "text": TEXT + "\nRevoked.\n", "message": ""}
        )
        refused(response, 403, not_a_member)
        # Opening a new proposal instead, through the form.
        edit = "/books/tiny/sections/counting/edit"
        response = mallory.post(
            edit,
            data={"csrf": form(mallory, edit), "text": TEXT + "\nAnew.\n", "message": "Anew"},
        )
        refused(response, 403, not_a_member)
    # And through the API.
    current = httpx.get(f"{live.url}/api/books/tiny/sections/counting").json()
    response = httpx.post(
        f"{live.url}/api/books/tiny/sections/counting/proposals",
        json={"base_revision": current["revision"], "text": current["text"] + "\nAnew.\n"},
        headers=live.api("mallory"),
    )
    refused(response, 403, not_a_member)
    assert live.fingerprint() == before

    # Withdrawing only takes her text back: it is allowed, and a withdrawn proposal stays closed.
    withdraw = f"{live.url}/api/proposals/{returned}/withdraw"
    assert httpx.post(withdraw, headers=live.api("mallory")).json()["status"] == "withdrawn"
    after = live.fingerprint()
    reopened = httpx.post(
        f"{live.url}/api/proposals/{returned}/revisions",
        json={"text": TEXT + "\nBack.\n"},
        headers=live.api("mallory"),
    )
    refused(reopened, 409, "The proposal is already withdrawn; it can no longer change.")
    assert live.fingerprint() == after

    # Her open proposal holds the text she wrote while a member: an editor still decides on it.
    found = httpx.get(f"{live.url}/api/proposals/{waiting}").json()
    assert found["text"].endswith("\nMallory was here.\n")
    response = httpx.post(
        f"{live.url}/api/proposals/{waiting}/reviews",
        json={"verdict": "reject", "comment": "No longer a member."},
        headers=live.api("carol"),
    )
    assert response.json()["status"] == "rejected"
