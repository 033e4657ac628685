"""Two postmen (two worker processes on one store) draining the outbox at the same moment:
each message is sent once, whichever of them takes it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.mail.conftest import Inbox
from tests.mail.test_outbox import NOTE, Clock, outbox_of, postman_of
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.mail import outbox as outbox_module
from textbook.storage import open_textbook, transaction

NOTES = [dataclasses.replace(NOTE, key=f"note:{n}", subject=f"Note {n}") for n in range(5)]


@pytest.fixture
def second_app(mail_settings: Settings) -> Iterator[Textbook]:
    app = open_textbook(mail_settings)
    yield app
    app.close()


def test_two_postmen_at_once_send_each_message_once(
    mail_settings: Settings,
    worker_app: Textbook,
    second_app: Textbook,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    first = postman_of(mail_settings, outbox_of(mail_settings, worker_app), clock)
    second = postman_of(mail_settings, outbox_of(mail_settings, second_app), clock)
    assert first.outbox.put(NOTES, now=clock.now - 1) == len(NOTES)

    # The first postman has read what is due; before it holds those messages, the second one
    # reads, holds and sends them all.
    real = transaction
    armed = [True]

    @contextmanager
    def interleaved(datastore: Any, commit: bool) -> Iterator[Any]:
        if commit and armed:
            armed.clear()
            assert second.run_once() == len(NOTES)
        with real(datastore, commit=commit) as sql:
            yield sql

    monkeypatch.setattr(outbox_module, "transaction", interleaved)
    assert first.run_once() == 0
    monkeypatch.setattr(outbox_module, "transaction", real)
    # Side by side, at the same instant, later: nothing is due, nothing goes twice.
    assert first.run_once() == 0 and second.run_once() == 0
    clock.now += 3600
    assert first.run_once() == 0 and second.run_once() == 0
    subjects = sorted(str(m["Subject"]) for m in inbox.to("alice@example.org"))
    assert subjects == sorted(n.subject for n in NOTES)
    assert all(d.sent is not None and d.attempts == 1 for d in first.outbox.deliveries())
