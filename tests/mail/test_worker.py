"""`textbook worker` sends mail when TEXTBOOK_SMTP_URL is set, and none when it is not."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import QUICK_HASHING
from tests.mail.conftest import Inbox
from textbook.cli import cli
from textbook.config import Settings
from textbook.storage import open_textbook


def worker(settings: Settings, port: int | None, *args: str) -> str:
    env = QUICK_HASHING | {"TEXTBOOK_VAR": str(settings.var), "TEXTBOOK_PUBLIC_URL": ""}
    env["TEXTBOOK_SMTP_URL"] = f"smtp://127.0.0.1:{port}" if port is not None else ""
    result = CliRunner(env=env).invoke(
        cli,
        ["--database", settings.database, "worker", "--once", "--format", "none", *args],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_worker_sends_account_mail(
    mail_settings: Settings, smtp: tuple[Inbox, int], inbox: Inbox
) -> None:
    worker(mail_settings, None)
    assert inbox.received == []  # no SMTP server set: no mail
    worker(mail_settings, smtp[1], "--served-at", "http://books.test:8123")
    [mail] = inbox.to("bob@example.org")
    assert mail["Subject"] == "Verify your email address for Textbook"
    assert inbox.link(mail, "/email/verify/").startswith("/email/verify/")
    body = mail.get_body(("plain",))
    assert body is not None and "http://books.test:8123/email/verify/" in body.get_content()


def test_a_bad_smtp_url_is_refused_at_start(mail_settings: Settings) -> None:
    env = QUICK_HASHING | {"TEXTBOOK_SMTP_URL": "smtp://user:secret@host:99999"}
    result = CliRunner(env=env).invoke(cli, ["--database", mail_settings.database, "worker"])
    assert result.exit_code != 0
    assert "TEXTBOOK_SMTP_URL has a bad port" in result.output
    assert "secret" not in result.output


def test_the_worker_mails_what_concerns_each_person(
    mail_settings: Settings, smtp: tuple[Inbox, int], inbox: Inbox
) -> None:
    app = open_textbook(mail_settings)
    try:
        edit = app.propose_edit(
            "tiny", "counting", "## Counting {#counting}\n\nOne.\n", "S", "alice"
        )
        app.review(edit, "request_changes", "Keep three.", "bob")
    finally:
        app.close()
    worker(mail_settings, smtp[1], "--served-at", "http://books.test:8123")
    [mail] = inbox.to("alice@example.org")
    assert mail["Subject"] == "bob requested changes to your proposal “S”"
    worker(mail_settings, smtp[1], "--served-at", "http://books.test:8123")
    assert len(inbox.to("alice@example.org")) == 1
