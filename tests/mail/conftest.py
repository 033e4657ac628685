"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, the web app, and the
mail worker as `textbook worker` runs it, driven one round at a time."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from textbook.config import Settings, SmtpLocation
from textbook.domain.application import Textbook
from textbook.mail.worker import MailWorker, open_mail_worker
from textbook.projections.queries import Queries
from textbook.projections.queries.inbox import InboxItem
from textbook.projections.runner import catch_up, open_views
from textbook.projections.views import ReadModels
from textbook.storage import open_textbook
from textbook.web.app import create_app

SITE = "http://testserver"  # the TestClient's address: links in mail lead back to it


class Inbox:
    """What the SMTP server received; `answer` is what it answers to DATA ("250 OK", or a
    refusal such as "451 Try again later")."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.answer = "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer.startswith("250"):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(message)
        return self.answer

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]

    def link(self, message: EmailMessage, path: str) -> str:
        """The path of the link to `path`... in the message's text."""
        body = message.get_body(("plain",))
        assert body is not None
        match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]+)", body.get_content())
        assert match, f"a link to {path} in {body.get_content()!r}"
        return match.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


@pytest.fixture
def mail_settings(settings: Settings, smtp: tuple[Inbox, int]) -> Settings:
    """The tiny book; alice authors, bob edits; alice's address is verified, bob's is not."""
    app = open_textbook(settings)
    import_folder(app, FIXTURES / "tiny")
    app.register_user("alice", "alice@example.org", "correct horse", verified=True)
    app.register_user("bob", "bob@example.org", "correct horse")
    app.grant("tiny", "alice", "author")
    app.grant("tiny", "bob", "editor")
    app.close()
    return dataclasses.replace(
        settings, smtp=SmtpLocation("127.0.0.1", smtp[1]), mail_from="Textbook <books@example.org>"
    )


@pytest.fixture
def client(mail_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(mail_settings)) as test_client:
        yield test_client


@pytest.fixture
def worker_app(mail_settings: Settings) -> Iterator[Textbook]:
    """The worker's own application, as in its own process."""
    app = open_textbook(mail_settings)
    yield app
    app.close()


class CaughtUpInbox:
    """The inbox as the worker reads it: the worker's own read models, brought up to date
    first (as its publisher keeps them)."""

    def __init__(self, app: Textbook, views: ReadModels) -> None:
        self.app, self.views = app, views

    def inbox_after(self, row_id: int, limit: int = 100) -> list[InboxItem]:
        catch_up(self.app, self.views)
        return Queries(self.views).inbox_after(row_id, limit)


@pytest.fixture
def worker_views(mail_settings: Settings) -> Iterator[ReadModels]:
    views = open_views(mail_settings)
    yield views
    views.close()


@pytest.fixture
def postman(mail_settings: Settings, worker_app: Textbook, worker_views: ReadModels) -> MailWorker:
    worker = open_mail_worker(
        mail_settings, worker_app, SITE, CaughtUpInbox(worker_app, worker_views)
    )
    assert worker is not None
    return worker


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, name: str, password: str = "correct horse") -> int:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "name": name, "password": password},
        follow_redirects=False,
    )
    return response.status_code


def post_form(client: TestClient, page: str, action: str, **fields: str) -> Any:
    """Fill in the form on `page` that posts to `action`, as a browser would."""
    html = client.get(page).text
    return client.post(action, data={"csrf": csrf_of(html), **fields}, follow_redirects=False)
