"""Mail about what concerns a person, through a real SMTP server: a mail for each item (with a
link that stops them, working without signing in), a daily digest at its hour, nothing to an
unverified address, and nothing twice, even after the read models are rebuilt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.mail.conftest import SITE, Inbox, csrf_of
from textbook.config import Settings, SettingsError
from textbook.domain.application import Textbook
from textbook.mail.notifications import DIGEST_ITEMS, DailyDigest, NotificationMail
from textbook.mail.worker import MailWorker, open_mail_worker
from textbook.projections.queries import Queries
from textbook.projections.runner import rebuild
from textbook.projections.views import ReadModels

EDIT = "## Counting {#counting}\n\nOne, two.\n"


def text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text().split())


def body(mail: object) -> str:
    part = mail.get_body(("plain",))  # type: ignore[attr-defined]
    assert part is not None
    return str(part.get_content())


def digest_of(worker: MailWorker) -> DailyDigest:
    [digest] = [f for f in worker.followers if isinstance(f, DailyDigest)]
    return digest


def test_changes_requested_reach_the_author_who_can_stop_them(
    client: TestClient,
    inbox: Inbox,
    postman: MailWorker,
    worker_app: Textbook,
    worker_views: ReadModels,
) -> None:
    app = worker_app
    edit = app.propose_edit("tiny", "counting", EDIT, "Shorter counting", "alice")
    app.review(edit, "request_changes", "Keep three, please.", "bob")
    postman.run_once()

    [item] = [i for i in Queries(worker_views).inbox("alice") if i.kind == "changes_requested"]
    [mail] = inbox.to("alice@example.org")
    assert mail["Subject"] == item.title
    assert "requested changes" in item.title
    assert f"{SITE}/proposals/{edit}" in body(mail)
    unsubscribe = str(mail["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe.startswith(f"{SITE}/unsubscribe/")
    assert f"To stop these emails: {unsubscribe}" in body(mail)
    # bob, an editor of the book, hears of the new proposal, but his address is not verified:
    # only his verification link reaches him.
    assert [m["Subject"] for m in inbox.to("bob@example.org")] == [
        "Verify your email address for Textbook"
    ]

    # Nothing twice: neither on the next round, nor after the read models are rebuilt.
    postman.run_once()
    rebuild(app, worker_views)
    postman.run_once()
    assert len(inbox.to("alice@example.org")) == 1

    # The link works without signing in: a page, then its form posts.
    path = inbox.link(mail, "/unsubscribe/")
    page = client.get(path)
    assert page.status_code == 200 and "Stop every email" in text(page.text)
    done = client.post(path, data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "no more mail" in text(done.text)
    assert app.mail_choice("alice") == "none"

    app.review(edit, "comment", "And a comma.", "bob")
    postman.run_once()
    assert len(inbox.to("alice@example.org")) == 1


def test_a_daily_digest_gathers_the_day_once(
    inbox: Inbox, postman: MailWorker, worker_app: Textbook
) -> None:
    app = worker_app
    app.choose_mail("alice", "digest")
    now = [datetime(2026, 12, 1, 6, 0, tzinfo=UTC)]
    digest = digest_of(postman)
    digest.clock = lambda: now[0]
    assert digest.hour == 7  # the default hour, UTC

    edit = app.propose_edit("tiny", "counting", EDIT, "Shorter counting", "alice")
    app.review(edit, "request_changes", "Keep three, please.", "bob")
    app.review(edit, "comment", "And a comma.", "bob")
    postman.run_once()
    assert inbox.to("alice@example.org") == []  # before the digest hour: nothing yet

    now[0] = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    postman.run_once()
    [mail] = inbox.to("alice@example.org")
    assert mail["Subject"] == "Your Textbook digest: 2 new items"
    text_ = body(mail)
    assert text_.index("commented") < text_.index("requested changes")  # newest first
    assert f"{SITE}/proposals/{edit}" in text_
    assert str(mail["List-Unsubscribe"]).strip().startswith(f"<{SITE}/unsubscribe/")

    # Later the same day, and the next day without anything new: nothing more.
    now[0] = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    postman.run_once()
    now[0] = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    postman.run_once()
    assert len(inbox.to("alice@example.org")) == 1

    # Something new after the day's round: it waits for the next day's digest, alone.
    app.review(edit, "comment", "One more thing.", "bob")
    now[0] = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)
    postman.run_once()
    assert len(inbox.to("alice@example.org")) == 1
    now[0] = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    postman.run_once()
    second = inbox.to("alice@example.org")[1]
    assert second["Subject"] == "Your Textbook digest: 1 new item"
    assert body(second).count(f"{SITE}/proposals/{edit}") == 1


def test_a_long_digest_is_bounded(inbox: Inbox, postman: MailWorker, worker_app: Textbook) -> None:
    app = worker_app
    app.choose_mail("alice", "digest")
    digest = digest_of(postman)
    digest.clock = lambda: datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    edit = app.propose_edit("tiny", "counting", EDIT, "Shorter counting", "alice")
    for number in range(DIGEST_ITEMS + 5):
        app.review(edit, "comment", f"Note {number}.", "bob")
    postman.run_once()
    [mail] = inbox.to("alice@example.org")
    assert mail["Subject"] == f"Your Textbook digest: {DIGEST_ITEMS + 5} new items"
    assert f"… and 5 more: {SITE}/inbox" in body(mail)


def test_no_mail_to_an_unverified_address_nor_to_who_chose_none(
    inbox: Inbox, postman: MailWorker, worker_app: Textbook
) -> None:
    app = worker_app
    app.choose_mail("bob", "digest")
    digest_of(postman).clock = lambda: datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    edit = app.propose_edit("tiny", "counting", EDIT, "Shorter counting", "alice")
    app.request_review(edit, "bob", "alice")  # bob (unverified) is asked, and hears nothing
    postman.run_once()
    assert [m["Subject"] for m in inbox.to("bob@example.org")] == [
        "Verify your email address for Textbook"
    ]
    app.choose_mail("alice", "none")
    app.review(edit, "request_changes", "Keep three.", "bob")
    postman.run_once()
    assert inbox.to("alice@example.org") == []


def test_the_digest_hour_is_a_setting() -> None:
    assert Settings.from_environ({"TEXTBOOK_DIGEST_HOUR": "18"}).digest_hour == 18
    assert Settings.from_environ({}).digest_hour == 7
    for bad in ("24", "-1", "seven"):
        try:
            Settings.from_environ({"TEXTBOOK_DIGEST_HOUR": bad})
        except SettingsError as error:
            assert "TEXTBOOK_DIGEST_HOUR" in str(error)
        else:
            raise AssertionError(f"{bad} was taken as an hour")


def test_a_worker_without_the_inbox_still_sends_account_mail(
    mail_settings: Settings, worker_app: Textbook, inbox: Inbox
) -> None:
    worker = open_mail_worker(mail_settings, worker_app, SITE)
    assert worker is not None
    worker.run_once()
    assert [m["Subject"] for m in inbox.to("bob@example.org")] == [
        "Verify your email address for Textbook"
    ]


def test_a_worker_new_to_a_long_history_mails_none_of_it(
    inbox: Inbox, postman: MailWorker, worker_app: Textbook
) -> None:
    [notifications] = [f for f in postman.followers if isinstance(f, NotificationMail)]
    edit = worker_app.propose_edit("tiny", "counting", EDIT, "Shorter counting", "alice")
    worker_app.review(edit, "request_changes", "Keep three, please.", "bob")
    notifications.clock = lambda: datetime.now(UTC) + timedelta(days=3)
    postman.run_once()
    assert inbox.to("alice@example.org") == []
    assert postman.outbox.position("inbox") > 0  # read, and passed over for good
