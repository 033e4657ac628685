"""The outbox and the postman: queued once by key, sent by the worker through a real SMTP
server, retried with a backoff when the server is down or answers 4xx, given up in the end,
and never sent again by a rebuild of the read models."""

from __future__ import annotations

import dataclasses
import time

from starlette.testclient import TestClient

from tests.mail.conftest import Inbox, free_port, post_form
from textbook.config import Settings, SmtpLocation
from textbook.domain.application import Textbook
from textbook.mail import Message, Outbox, Postman, open_outbox
from textbook.mail.outbox import FIRST_RETRY, MAX_ATTEMPTS
from textbook.mail.worker import MailWorker
from textbook.projections.runner import open_views, rebuild


class Clock:
    """The postman's time, moved by the test (it starts at the real time, which the follower
    stamps queued messages with)."""

    def __init__(self) -> None:
        self.now = time.time() + 1

    def __call__(self) -> float:
        return self.now


def outbox_of(settings: Settings, app: Textbook) -> Outbox:
    return open_outbox(settings, app.recorder.datastore)  # type: ignore[attr-defined]


def postman_of(
    settings: Settings, outbox: Outbox, clock: Clock, port: int | None = None
) -> Postman:
    assert settings.smtp is not None
    smtp = settings.smtp if port is None else SmtpLocation("127.0.0.1", port)
    return Postman(outbox, smtp, settings.mail_from, clock=clock)


NOTE = Message(
    key="note:1",
    to="alice@example.org",
    subject="Your proposal was reviewed",
    text="bob asked for changes.",
    html="<p>bob asked for changes.</p>",
    unsubscribe="http://testserver/unsubscribe/abc.def",
)


def test_a_key_is_queued_once(mail_settings: Settings, worker_app: Textbook) -> None:
    outbox = outbox_of(mail_settings, worker_app)
    assert outbox.put([NOTE]) == 1
    assert outbox.put([NOTE, dataclasses.replace(NOTE, subject="Again")]) == 0
    assert [d.message for d in outbox.deliveries("alice@example.org")] == [NOTE]


def test_a_message_arrives_with_its_unsubscribe_link(
    mail_settings: Settings, worker_app: Textbook, inbox: Inbox
) -> None:
    outbox, clock = outbox_of(mail_settings, worker_app), Clock()
    outbox.put([NOTE], now=clock.now)
    assert postman_of(mail_settings, outbox, clock).run_once() == 1
    [mail] = inbox.received
    assert mail["List-Unsubscribe"] == "<http://testserver/unsubscribe/abc.def>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None and html is not None
    assert "To stop these emails: http://testserver/unsubscribe/abc.def" in plain.get_content()
    assert 'href="http://testserver/unsubscribe/abc.def"' in html.get_content()
    delivery = outbox.delivery("note:1")
    assert delivery is not None and delivery.sent == clock.now and delivery.attempts == 1
    assert postman_of(mail_settings, outbox, clock).run_once() == 0  # sent once


def test_a_server_answering_4xx_gets_the_message_again_later(
    mail_settings: Settings, worker_app: Textbook, inbox: Inbox
) -> None:
    outbox, clock = outbox_of(mail_settings, worker_app), Clock()
    postman = postman_of(mail_settings, outbox, clock)
    outbox.put([NOTE], now=clock.now)
    inbox.answer = "451 Try again later"
    assert postman.run_once() == 0
    delivery = outbox.delivery("note:1")
    assert delivery is not None and delivery.attempts == 1 and "451" in (delivery.error or "")
    assert delivery.due == clock.now + FIRST_RETRY
    inbox.answer = "250 OK"
    clock.now += FIRST_RETRY - 1
    assert postman.run_once() == 0  # not due yet
    clock.now += 1
    assert postman.run_once() == 1
    assert [m["Subject"] for m in inbox.received] == ["Your proposal was reviewed"]


def test_a_server_that_is_down_never_blocks_a_write(
    mail_settings: Settings, worker_app: Textbook, inbox: Inbox
) -> None:
    down = dataclasses.replace(mail_settings, smtp=SmtpLocation("127.0.0.1", free_port()))
    from textbook.web.app import create_app

    with TestClient(create_app(down)) as client:
        asked = post_form(client, "/password/forgot", "/password/forgot", email="alice@example.org")
        assert asked.status_code == 200  # the write is done; the mail waits in the outbox
    outbox, clock = outbox_of(down, worker_app), Clock()
    from textbook.mail.accounts import AccountMail
    from textbook.mail.worker import mail_links

    links = mail_links(down, "http://testserver")
    worker = MailWorker(
        [AccountMail(worker_app, outbox, links)], postman_of(down, outbox, clock), links
    )
    assert worker.run_once() == 0
    [reset] = [d for d in outbox.deliveries("alice@example.org")]
    assert reset.attempts == 1 and "cannot reach the mail server" in (reset.error or "")
    # The server is back: the mail goes at the next try.
    assert mail_settings.smtp is not None
    clock.now += FIRST_RETRY
    up = postman_of(mail_settings, outbox, clock)
    assert up.run_once() >= 1
    assert [m["Subject"] for m in inbox.to("alice@example.org")] == ["Reset your Textbook password"]


def test_a_message_is_given_up_after_its_attempts_with_its_error(
    mail_settings: Settings, worker_app: Textbook, inbox: Inbox
) -> None:
    outbox, clock = outbox_of(mail_settings, worker_app), Clock()
    postman = postman_of(mail_settings, outbox, clock)
    outbox.put([NOTE], now=clock.now)
    inbox.answer = "421 Busy"
    for _ in range(MAX_ATTEMPTS):
        postman.run_once()
        clock.now += 3600
    delivery = outbox.delivery("note:1")
    assert delivery is not None and delivery.given_up and delivery.attempts == MAX_ATTEMPTS
    assert "421" in (delivery.error or "")
    inbox.answer = "250 OK"
    assert postman.run_once() == 0 and inbox.received == []


def test_a_5xx_refusal_gives_the_message_up_at_once(
    mail_settings: Settings, worker_app: Textbook, inbox: Inbox
) -> None:
    outbox, clock = outbox_of(mail_settings, worker_app), Clock()
    outbox.put([NOTE], now=clock.now)
    inbox.answer = "554 No such mailbox"
    assert postman_of(mail_settings, outbox, clock).run_once() == 0
    delivery = outbox.delivery("note:1")
    assert delivery is not None and delivery.given_up and "554" in (delivery.error or "")


def test_rebuilding_the_read_models_sends_nothing_again(
    client: TestClient, mail_settings: Settings, worker_app: Textbook, inbox: Inbox,
    postman: MailWorker,
) -> None:  # fmt: skip
    post_form(client, "/password/forgot", "/password/forgot", email="alice@example.org")
    postman.run_once()
    before = len(inbox.received)
    assert before >= 2  # bob's verification and alice's reset
    views = open_views(mail_settings)
    try:
        rebuild(worker_app, views)
    finally:
        views.close()
    assert postman.run_once() == 0
    # Even a follower that lost its place queues nothing twice: the keys are the events'.
    postman.outbox.put([], cursor=("accounts", 0))
    assert postman.run_once() == 0
    assert len(inbox.received) == before
