"""The harness itself: a real server, a signed-in person, and a refusal that changes nothing."""

from __future__ import annotations

from tests.live import LiveServer


def test_a_refused_review_changes_nothing(live: LiveServer) -> None:
    before = live.fingerprint()
    with live.signed_in("mallory") as mallory:
        assert "mallory" in mallory.get("/profile").text
        response = mallory.post(
            "/api/proposals/00000000-0000-0000-0000-000000000000/reviews",
            json={"verdict": "approve", "comment": "", "version": 1},
            headers=live.api("mallory"),
        )
    assert response.status_code == 404
    assert live.fingerprint() == before
