"""Account mail through a real SMTP server: a password reset, verifying an address, changing
it, and stopping mail by a link, read as they arrive."""

from __future__ import annotations

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.mail.conftest import Inbox, post_form, sign_in
from textbook.domain.application import Textbook
from textbook.mail.worker import MailWorker


def text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text().split())


def test_password_reset_end_to_end(client: TestClient, inbox: Inbox, postman: MailWorker) -> None:
    # Asking for a link: the page says the same for an address with an account and without.
    asked = post_form(client, "/password/forgot", "/password/forgot", email="alice@example.org")
    unknown = post_form(client, "/password/forgot", "/password/forgot", email="nobody@example.org")
    assert asked.status_code == unknown.status_code == 200
    assert "a mail with a link to choose a new password is on its way" in text(asked.text)
    assert text(asked.text).replace("alice", "X") == text(unknown.text).replace("nobody", "X")
    assert inbox.received == []  # the web request sent nothing itself

    postman.run_once()  # also the verification links of bob, who registered unverified
    [mail] = inbox.to("alice@example.org")
    assert mail["Subject"] == "Reset your Textbook password"
    assert mail["From"] == "Textbook <books@example.org>"
    link = inbox.link(mail, "/password/reset/")

    elsewhere = TestClient(client.app)  # alice, signed in on another device
    assert sign_in(elsewhere, "alice") == 303
    assert elsewhere.get("/profile", follow_redirects=False).status_code == 200

    page = client.get(link)
    assert page.status_code == 200
    assert "For the account alice." in text(page.text)
    bad = post_form(client, link, link, password="new secret words", again="other words")
    assert bad.status_code == 422 and "The two passwords differ" in text(bad.text)
    done = post_form(client, link, link, password="new secret words", again="new secret words")
    assert done.status_code == 303 and done.headers["location"] == "/signin?reset=1"
    assert "Your password is changed" in text(client.get("/signin?reset=1").text)

    assert sign_in(client, "alice", "correct horse") == 401
    assert sign_in(client, "alice", "new secret words") == 303
    # The session on the other device ended with the reset.
    assert (
        elsewhere.get("/profile", follow_redirects=False).headers["location"].startswith("/signin")
    )

    # The link works once.
    again = client.get(link)
    assert again.status_code == 410
    assert "This password reset link has been used already" in text(again.text)
    reused = client.post(
        link, data={"csrf": "x", "password": "a third one!", "again": "a third one!"}
    )
    assert reused.status_code == 410
    assert sign_in(client, "alice", "new secret words") == 303
    # alice hears that her password changed, and nothing else is sent.
    assert postman.run_once() == 1
    notice = inbox.to("alice@example.org")[-1]
    assert notice["Subject"] == "Your Textbook password changed"
    assert postman.run_once() == 0


def test_a_forged_reset_link_is_refused(
    client: TestClient, inbox: Inbox, postman: MailWorker
) -> None:
    post_form(client, "/password/forgot", "/password/forgot", email="alice@example.org")
    postman.run_once()
    link = inbox.link(inbox.to("alice@example.org")[0], "/password/reset/")
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    page = client.get(forged)
    assert page.status_code == 410
    assert "This link is not one of ours" in text(page.text)
    assert client.get("/password/reset/nonsense").status_code == 410


def test_no_reset_mail_to_an_address_not_verified(
    client: TestClient, inbox: Inbox, postman: MailWorker
) -> None:
    # bob registered but never followed his verification link: his only mail is that link.
    post_form(client, "/password/forgot", "/password/forgot", email="bob@example.org")
    postman.run_once()
    [mail] = inbox.to("bob@example.org")
    assert mail["Subject"] == "Verify your email address for Textbook"


def test_verifying_an_address(client: TestClient, inbox: Inbox, postman: MailWorker) -> None:
    postman.run_once()
    [mail] = inbox.to("bob@example.org")
    link = inbox.link(mail, "/email/verify/")
    assert sign_in(client, "bob") == 303
    assert "(not verified yet)" in text(client.get("/profile").text)
    confirm = client.get(link)
    assert "Make bob@example.org the address of the account bob?" in text(confirm.text)
    done = post_form(client, link, link)
    assert done.status_code == 200
    assert "bob@example.org is verified" in text(done.text)
    assert "(verified)" in text(client.get("/profile").text)
    assert client.get(link).status_code == 410  # used


def test_changing_the_address(client: TestClient, inbox: Inbox, postman: MailWorker) -> None:
    assert sign_in(client, "alice") == 303
    wrong = post_form(
        client, "/profile", "/profile/email", email="alice@new.example", password="wrong one"
    )
    assert wrong.status_code == 403
    assert "That is not your current password" in text(wrong.text)
    taken = post_form(
        client, "/profile", "/profile/email", email="bob@example.org", password="correct horse"
    )
    assert taken.status_code == 409
    asked = post_form(
        client, "/profile", "/profile/email", email="alice@new.example", password="correct horse"
    )
    assert asked.status_code == 303
    profile = text(client.get("/profile?done=email").text)
    assert "A link was mailed to alice@new.example" in profile
    assert "Until then, mail goes to alice@example.org" in profile

    postman.run_once()
    [mail] = inbox.to("alice@new.example")
    assert inbox.to("alice@example.org") == []
    link = inbox.link(mail, "/email/verify/")
    post_form(client, link, link)
    assert "alice@new.example (verified)" in text(client.get("/profile").text)
    postman.run_once()
    # The old address hears of the change, and no more.
    [told] = inbox.to("alice@example.org")
    assert told["Subject"] == "Your Textbook address changed"
    assert "is now alice@new.example" in str(told.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    # The old address resets nothing any more; the new one does.
    post_form(client, "/password/forgot", "/password/forgot", email="alice@example.org")
    post_form(client, "/password/forgot", "/password/forgot", email="alice@new.example")
    postman.run_once()
    assert len(inbox.to("alice@example.org")) == 1
    assert [m["Subject"] for m in inbox.to("alice@new.example")] == [
        "Verify your email address for Textbook",
        "Reset your Textbook password",
    ]


def test_changing_the_password(client: TestClient) -> None:
    assert sign_in(client, "alice") == 303
    wrong = post_form(
        client,
        "/profile",
        "/profile/password",
        current="nope",
        new="a new one!",
        again="a new one!",
    )
    assert wrong.status_code == 403
    done = post_form(
        client, "/profile", "/profile/password", current="correct horse", new="a new one!",
        again="a new one!",
    )  # fmt: skip
    assert done.status_code == 303
    assert "Your password is changed." in text(client.get("/profile?done=password").text)
    client.cookies.clear()
    assert sign_in(client, "alice", "correct horse") == 401
    assert sign_in(client, "alice", "a new one!") == 303


def test_choosing_mail_and_stopping_it_by_link(
    client: TestClient, inbox: Inbox, postman: MailWorker, worker_app: object
) -> None:
    from textbook.domain.application import Textbook

    assert isinstance(worker_app, Textbook)
    assert worker_app.mail_choice("alice").value == "immediate"
    assert sign_in(client, "alice") == 303
    post_form(client, "/profile", "/profile/mail", choice="digest")
    assert worker_app.mail_choice("alice").value == "digest"
    bad = post_form(client, "/profile", "/profile/mail", choice="hourly")
    assert bad.status_code == 422 and worker_app.mail_choice("alice").value == "digest"

    # A mail another part of the site sends carries the link; it works signed out.
    url = postman.links.unsubscribe_url("alice")
    path = url.removeprefix("http://testserver")
    client.cookies.clear()
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Stop every email about books, proposals and reviews to the account alice?" in text(
        confirm.text
    )
    assert worker_app.mail_choice("alice").value == "digest"  # a GET changes nothing
    done = post_form(client, path, path)
    assert "Done: no more mail" in text(done.text)
    assert worker_app.mail_choice("alice").value == "none"
    assert worker_app.mail_address("alice") == "alice@example.org"


def test_one_click_unsubscribe(client: TestClient, postman: MailWorker, worker_app: object) -> None:
    from textbook.domain.application import Textbook

    assert isinstance(worker_app, Textbook)
    url = postman.links.unsubscribe_url("alice")
    path = url.removeprefix("http://testserver")
    answer = client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200 and "Unsubscribed" in answer.text
    assert worker_app.mail_choice("alice").value == "none"
    forged = client.post(path[:-2] + "xx", content=b"List-Unsubscribe=One-Click")
    assert forged.status_code == 410


def test_a_changed_password_is_told_soon_and_never_long_after(
    client: TestClient, inbox: Inbox, postman: MailWorker, worker_app: Textbook
) -> None:
    from datetime import UTC, datetime, timedelta

    from textbook.mail.accounts import NOTICE_WINDOW, AccountMail

    worker_app.change_password("alice", "correct horse", "a new one!")
    # A worker that first reads this event long after it happened tells nobody.
    late = AccountMail(
        worker_app,
        postman.outbox,
        postman.links,
        clock=lambda: datetime.now(UTC) + NOTICE_WINDOW + timedelta(minutes=1),
    )
    late.run_once()
    assert postman.postman.run_once() >= 1  # the verification links of those unverified
    assert inbox.to("alice@example.org") == []
