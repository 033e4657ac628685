"""A reader who reports an error and leaves an address: asked first to confirm it, then told
once when the report is closed, by an approval (fixed) or by an editor (with the reason).
Unconfirmed, the address gets nothing more; it is never shown on the site."""

from __future__ import annotations

from uuid import UUID

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.mail.conftest import SITE, Inbox, csrf_of
from textbook.domain.application import Textbook
from textbook.domain.need import Need
from textbook.mail.worker import MailWorker

READER = "reader@example.org"
EDIT = "## Counting {#counting}\n\nOne, two.\n"
QUOTE = "One, two, three."


def text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text().split())


def body(mail: object) -> str:
    part = mail.get_body(("plain",))  # type: ignore[attr-defined]
    assert part is not None
    return str(part.get_content())


def report(app: Textbook, email: str = READER) -> UUID:
    return app.report_error("tiny", "counting", QUOTE, "Four comes after three.", email)


def confirm(client: TestClient, inbox: Inbox) -> str:
    [asked] = inbox.to(READER)
    assert asked["Subject"] == "Confirm that you want to hear when this is fixed"
    path = inbox.link(asked, "/reports/confirm/")
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm that you want to hear when this is fixed" in text(page.text)
    assert READER not in page.text
    done = client.post(path, data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "you will get one email" in text(done.text)
    return path


def test_a_confirmed_reporter_hears_when_an_approval_fixes_it(
    client: TestClient, inbox: Inbox, postman: MailWorker, worker_app: Textbook
) -> None:
    app = worker_app
    need_id = report(app)
    postman.run_once()
    confirm(client, inbox)
    need: object = app.repository.get(need_id)
    assert isinstance(need, Need) and need.reporter_confirmed
    postman.run_once()
    assert len(inbox.to(READER)) == 1  # confirming sends nothing by itself

    edit = app.propose_edit("tiny", "counting", EDIT, "Fix the count", "alice", needs=[need_id])
    app.review(edit, "approve", "", "bob", version=1)
    postman.run_once()
    postman.run_once()
    [_, fixed] = inbox.to(READER)
    assert fixed["Subject"].startswith("Fixed: the error you reported in ")
    assert f"{SITE}/books/tiny/chapters/" in body(fixed) and "#counting" in body(fixed)
    assert "Four comes after three." in body(fixed)
    # The address shows nowhere on the site.
    assert READER not in client.get("/books/tiny/needs?kind=error").text


def test_an_editor_closing_it_says_why(
    client: TestClient, inbox: Inbox, postman: MailWorker, worker_app: Textbook
) -> None:
    app = worker_app
    need_id = report(app)
    postman.run_once()
    confirm(client, inbox)
    app.close_need(need_id, "Three is right: the text counts from one.", "bob")
    postman.run_once()
    [_, closed] = inbox.to(READER)
    assert closed["Subject"].startswith("Closed: the error you reported in ")
    assert "Three is right: the text counts from one." in body(closed)


def test_an_unconfirmed_reporter_hears_nothing_more(
    client: TestClient, inbox: Inbox, postman: MailWorker, worker_app: Textbook
) -> None:
    app = worker_app
    need_id = report(app)
    postman.run_once()
    app.close_need(need_id, "Not an error.", "bob")
    postman.run_once()
    assert [m["Subject"] for m in inbox.to(READER)] == [
        "Confirm that you want to hear when this is fixed"
    ]
    # Confirmed after it was closed: the one mail goes then.
    confirm(client, inbox)
    postman.run_once()
    assert [m["Subject"][:7] for m in inbox.to(READER)] == ["Confirm", "Closed:"]


def test_a_report_without_an_address_mails_nobody(
    inbox: Inbox, postman: MailWorker, worker_app: Textbook
) -> None:
    need_id = report(worker_app, email="")
    worker_app.close_need(need_id, "Fixed by hand.", "bob")
    postman.run_once()
    assert all(m["Subject"][:7] not in ("Confirm", "Closed:") for m in inbox.received)


def test_a_link_not_made_here_changes_nothing(
    client: TestClient, postman: MailWorker, worker_app: Textbook
) -> None:
    need_id = report(worker_app, email="")
    before = worker_app.recorder.max_notification_id()
    forged = postman.links.confirm_report_url(need_id).removeprefix(SITE)
    for path in (forged[:-3] + "abc", "/reports/confirm/nonsense", forged):
        page = client.get(path)
        assert page.status_code in (400, 404, 410), path
        assert "link" in text(page.text).lower() or "address" in text(page.text).lower()
    page = client.post(forged, data={"csrf": "x"})
    assert page.status_code in (400, 403, 404, 410)
    assert worker_app.recorder.max_notification_id() == before
