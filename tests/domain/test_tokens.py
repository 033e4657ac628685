"""API tokens in the domain: listed without secrets, revoked, expiring; and a User snapshot
from before tokens had dates still loads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import event_count
from textbook.domain.application import Textbook
from textbook.domain.errors import InvalidInput, TokenNotFound, TokenRefused
from textbook.domain.user import User, listed_id, token_expiry

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_token_expiry_is_a_duration_or_a_future_date() -> None:
    assert token_expiry("", NOW) is None
    assert token_expiry("30d", NOW) == NOW + timedelta(days=30)
    assert token_expiry("12h", NOW) == NOW + timedelta(hours=12)
    assert token_expiry("2027-01-31", NOW) == datetime(2027, 1, 31, tzinfo=UTC)
    for bad in ("soon", "2026-11-29", "0m", "31d4h", "99999-01-01"):
        with pytest.raises(InvalidInput):
            token_expiry(bad, NOW)


def test_tokens_are_listed_revoked_and_expire(app: Textbook) -> None:
    app.register_user("alice", "alice@example.org", "correct horse")
    lasting = app.create_token("alice", "laptop")
    brief = app.create_token("alice", "ci", datetime.now(UTC) + timedelta(hours=1))
    listed = app.tokens("alice")
    assert [(t.id, t.label) for t in listed] == [
        (listed_id(lasting), "laptop"),
        (listed_id(brief), "ci"),
    ]
    assert listed[0].expires is None and listed[1].expires is not None
    assert app.user_for_token(brief).name == "alice"
    with pytest.raises(TokenRefused) as expired:
        app.user_for_token(brief, at=datetime.now(UTC) + timedelta(hours=2))
    assert expired.value.expired and "expired" in expired.value.message
    app.revoke_token("alice", listed_id(lasting))
    with pytest.raises(TokenRefused):
        app.user_for_token(lasting)
    before = event_count(app)
    with pytest.raises(TokenNotFound):
        app.revoke_token("alice", listed_id(lasting))
    with pytest.raises(TokenNotFound):
        app.revoke_token("alice", "")  # never "the first one that matches"
    with pytest.raises(InvalidInput):
        app.create_token("alice", "x" * 201)
    assert event_count(app) == before
    assert app.revoke_all_tokens("alice") == 1
    assert app.tokens("alice") == []


def test_a_user_snapshot_from_version_1_still_loads() -> None:
    state: dict[str, Any] = {"tokens": {"ab" * 32: "laptop"}}
    User.upcast_v1_v2(state)
    assert state["tokens"] == {"ab" * 32: {"label": "laptop", "created": None, "expires": None}}
