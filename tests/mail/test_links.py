"""Links in mail refused when expired, used or asked for too often: each refusal changes
nothing in the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.live import fingerprint_of
from textbook.domain import ids
from textbook.domain.application import Textbook
from textbook.domain.errors import LinkRefused, RateLimited
from textbook.domain.user import RESET_LIFE, VERIFY_LIFE
from textbook.projections.views import ReadModels

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def ada(app: Textbook) -> Textbook:
    app.register_user("ada", "ada@example.org", "correct horse", verified=True)
    return app


def test_an_expired_reset_link_is_refused_and_changes_nothing(
    ada: Textbook, views: ReadModels
) -> None:
    ada.request_password_reset("ada@example.org", at=T0)
    [request_id] = ada.user("ada").resets
    before = fingerprint_of(ada, views)
    with pytest.raises(LinkRefused, match="has expired"):
        ada.reset_password(ids.user_id("ada"), request_id, "a new one!", at=T0 + RESET_LIFE)
    assert fingerprint_of(ada, views) == before
    ada.reset_password(ids.user_id("ada"), request_id, "a new one!", at=T0 + RESET_LIFE / 2)


def test_a_reset_ends_every_other_reset_link(ada: Textbook) -> None:
    ada.request_password_reset("ada@example.org", at=T0)
    ada.request_password_reset("ada@example.org", at=T0 + timedelta(minutes=1))
    first, second = ada.user("ada").resets
    ada.reset_password(ids.user_id("ada"), second, "a new one!", at=T0 + timedelta(minutes=2))
    with pytest.raises(LinkRefused, match="used already"):
        ada.reset_password(ids.user_id("ada"), first, "a third!", at=T0 + timedelta(minutes=3))


def test_an_expired_verification_link_is_refused(ada: Textbook, views: ReadModels) -> None:
    request_id = ada.change_email("ada", "ada@new.example", "correct horse", at=T0)
    before = fingerprint_of(ada, views)
    with pytest.raises(LinkRefused, match="has expired"):
        ada.verify_email(ids.user_id("ada"), request_id, at=T0 + VERIFY_LIFE)
    assert fingerprint_of(ada, views) == before
    assert ada.mail_address("ada") == "ada@example.org"  # the old address stays


def test_too_many_links_asked_for_within_an_hour(ada: Textbook, views: ReadModels) -> None:
    for minute in range(3):
        ada.change_email(
            "ada", "ada@new.example", "correct horse", at=T0 + timedelta(minutes=minute)
        )
    before = fingerprint_of(ada, views)
    with pytest.raises(RateLimited):
        ada.change_email("ada", "ada@new.example", "correct horse", at=T0 + timedelta(minutes=5))
    # A reset asked for now records nothing, and says nothing either.
    ada.request_password_reset("ada@example.org", at=T0 + timedelta(minutes=6))
    assert fingerprint_of(ada, views) == before
    ada.change_email("ada", "ada@new.example", "correct horse", at=T0 + timedelta(hours=1))


def test_a_reset_asked_for_an_unknown_or_unverified_address_records_nothing(
    app: Textbook, views: ReadModels
) -> None:
    app.register_user("bob", "bob@example.org", "correct horse")
    before = fingerprint_of(app, views)
    app.request_password_reset("bob@example.org")
    app.request_password_reset("nobody@example.org")
    assert fingerprint_of(app, views) == before


def test_the_demo_accounts_are_verified_and_others_are_not(app: Textbook) -> None:
    app.register_user("ada", "ada@example.org", "correct horse", verified=True)
    app.register_user("bob", "bob@example.org", "correct horse")
    assert app.mail_address("ada") == "ada@example.org"
    assert app.mail_address("bob") is None
    assert app.user("bob").pending_email == "bob@example.org"
