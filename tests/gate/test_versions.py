"""An approval names the exact text it approves: the version race, through a running server.

An editor reads a proposal at one version; its author revises it; the editor's approval of the
version read is refused (409) and publishes nothing, and the page shows what changed since. The
API follows the same journey (revise, withdraw, approve with "version").
"""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
from bs4 import BeautifulSoup

from tests.live import LiveServer, csrf_of, form

VERSION = re.compile(r'name="version" value="(\d+)"')


def section(live: LiveServer, section_id: str) -> dict[str, Any]:
    response = httpx.get(f"{live.url}/api/books/tiny/sections/{section_id}")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def api_propose(live: LiveServer, section_id: str, line: str, by: str = "alice") -> str:
    """A proposal that adds `line` to the section's current text; returns its id."""
    current = section(live, section_id)
    response = httpx.post(
        f"{live.url}/api/books/tiny/sections/{section_id}/proposals",
        json={"base_revision": current["revision"], "text": current["text"] + f"\n{line}\n"},
        headers=live.api(by),
    )
    assert response.status_code == 201, response.text
    identifier: str = response.json()["id"]
    return identifier


def api_proposal(live: LiveServer, proposal: str) -> dict[str, Any]:
    response = httpx.get(f"{live.url}/api/proposals/{proposal}")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


def api_review(live: LiveServer, proposal: str, by: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{live.url}/api/proposals/{proposal}/reviews", json=body, headers=live.api(by)
    )


def api_revise(live: LiveServer, proposal: str, text: str, by: str = "alice") -> httpx.Response:
    return httpx.post(
        f"{live.url}/api/proposals/{proposal}/revisions",
        json={"text": text, "message": "Revised"},
        headers=live.api(by),
    )


def text_of(html: str, selector: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(selector)
    assert found is not None, selector
    return found.get_text(" ", strip=True)


def test_an_editor_approving_the_version_read_after_a_revision_publishes_nothing(
    live: LiveServer,
) -> None:
    proposal = api_propose(live, "counting", "Seven, eight, nine.")
    page = f"/proposals/{proposal}"
    with live.signed_in("bob") as bob, live.signed_in("alice") as alice:
        # bob reads version 1.
        read = bob.get(page)
        assert VERSION.search(read.text)[1] == "1"  # type: ignore[index]
        assert text_of(read.text, "#version") == "1"
        # alice revises it after he read it: version 2 says something else.
        revised = section(live, "counting")["text"] + "\nSeven, eight, and no more.\n"
        response = alice.post(
            f"{page}/revise",
            data={"csrf": form(alice, f"{page}/revise"), "text": revised, "message": "No more"},
        )
        assert response.status_code == 303
        before = live.fingerprint()
        # bob approves what he read: refused, and nothing is published.
        refused = bob.post(
            f"{page}/review",
            data={"csrf": csrf_of(read.text), "verdict": "approve", "version": "1", "comment": ""},
        )
        assert refused.status_code == 409
        notice = text_of(refused.text, "#changed")
        assert "The proposal changed since you read it." in notice
        assert "You read version 1; its author has since revised it to version 2" in notice
        changed = refused.text.split('id="changed-since"', 1)[1].split("</pre>", 1)[0]
        assert "<del>nine.</del>" in changed and "<ins>and no more.</ins>" in changed
        assert live.fingerprint() == before
        assert "Seven" not in section(live, "counting")["text"]
        # The page he now reads is version 2; approving it publishes the revised text.
        assert VERSION.search(refused.text)[1] == "2"  # type: ignore[index]
        approved = bob.post(
            f"{page}/review",
            data={
                "csrf": csrf_of(refused.text),
                "verdict": "approve",
                "version": "2",
                "comment": "",
            },
        )
        assert approved.status_code == 303
    assert section(live, "counting")["text"] == revised
    assert api_proposal(live, proposal)["status"] == "approved"


def test_the_proposal_page_shows_what_changed_since_a_version(live: LiveServer) -> None:
    proposal = api_propose(live, "summing", "A first thought.")
    assert api_revise(live, proposal, section(live, "summing")["text"] + "\nA second.\n").is_success
    page = httpx.get(f"{live.url}/proposals/{proposal}?since=1")
    assert page.status_code == 200
    assert "Version 2 compared with version 1." in text_of(page.text, "#changed")
    assert "<ins>second.</ins>" in page.text.split('id="changed-since"', 1)[1]
    plain = httpx.get(f"{live.url}/proposals/{proposal}")
    assert "revised it" in text_of(plain.text, ".thread")
    assert "(version 2: what changed )" in text_of(plain.text, ".thread")
    assert f'href="/proposals/{proposal}?since=1#changed"' in plain.text
    for hostile in ("x", "-1", "1" * 40, "1\x00"):
        assert (
            httpx.get(f"{live.url}/proposals/{proposal}", params={"since": hostile}).status_code
            == 400
        )
    api_review(live, proposal, "alice", verdict="comment", comment="Withdrawing.")
    assert httpx.post(
        f"{live.url}/api/proposals/{proposal}/withdraw", headers=live.api("alice")
    ).is_success


def test_an_api_approval_names_the_version_read(live: LiveServer) -> None:
    proposal = api_propose(live, "measuring", "A caliper, too.")
    read = api_proposal(live, proposal)
    assert read["version"] == 1
    revised_text = section(live, "measuring")["text"] + "\nA caliper, and a gauge.\n"
    revised = api_revise(live, proposal, revised_text)
    assert revised.status_code == 201
    assert revised.headers["location"] == f"/api/proposals/{proposal}"
    assert (revised.json()["version"], revised.json()["text"]) == (2, revised_text)
    before = live.fingerprint()

    stale = api_review(live, proposal, "carol", verdict="approve", version=read["version"])
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["type"] == "ProposalChanged"
    assert (error["read_version"], error["current_version"]) == (1, 2)
    assert error["message"].startswith("The proposal changed since you read it")
    missing = api_review(live, proposal, "carol", verdict="approve", comment="Fine.")
    assert missing.status_code == 422
    assert "Name the version of the proposal you read" in missing.json()["error"]["message"]
    unknown = api_review(live, proposal, "carol", verdict="approve", version=3)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["message"] == (
        "The proposal has no version 3; it is at version 2."
    )
    assert live.fingerprint() == before
    assert "caliper" not in section(live, "measuring")["text"]

    assert api_proposal(live, proposal)["version"] == 2
    approved = api_review(live, proposal, "carol", verdict="approve", version=2)
    assert approved.status_code == 201
    assert approved.json()["status"] == "approved"
    assert section(live, "measuring")["text"] == revised_text


def test_a_review_form_without_a_version_approves_nothing(live: LiveServer) -> None:
    proposal = api_propose(live, "counting", "Ten.")
    before = live.fingerprint()
    with live.signed_in("bob") as bob:
        csrf = form(bob, f"/proposals/{proposal}")
        refused = bob.post(
            f"/proposals/{proposal}/review", data={"csrf": csrf, "verdict": "approve"}
        )
        assert refused.status_code == 422
        assert "Name the version of the proposal you read to approve it" in refused.text
        forged = bob.post(
            f"/proposals/{proposal}/review",
            data={"csrf": csrf, "verdict": "approve", "version": "one"},
        )
        assert forged.status_code == 400
        assert "The version must be a whole number." in forged.text
    assert live.fingerprint() == before
    api_review(live, proposal, "bob", verdict="reject", comment="Enough counting.")


def test_only_the_author_revises_or_withdraws_through_the_api(live: LiveServer) -> None:
    proposal = api_propose(live, "summing", "Gauss was nine.")
    text = section(live, "summing")["text"] + "\nGauss was ten.\n"
    before = live.fingerprint()
    refused = api_revise(live, proposal, text, by="bob")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "Only the author of a proposal can revise or withdraw it."
    )
    withdraw = f"{live.url}/api/proposals/{proposal}/withdraw"
    assert httpx.post(withdraw, headers=live.api("bob")).status_code == 403
    assert httpx.post(withdraw).status_code == 401
    heading = api_revise(live, proposal, "## Elsewhere {#elsewhere}\n\nMoved.\n")
    assert heading.status_code == 422
    assert live.fingerprint() == before

    withdrawn = httpx.post(withdraw, headers=live.api("alice"))
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["id"], withdrawn.json()["status"]) == (proposal, "withdrawn")
    after = live.fingerprint()
    again = httpx.post(withdraw, headers=live.api("alice"))
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        "The proposal is already withdrawn; it can no longer change."
    )
    closed = api_revise(live, proposal, text)
    assert closed.status_code == 409
    assert live.fingerprint() == after
