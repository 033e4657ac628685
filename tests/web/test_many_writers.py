"""Many writers at once, as people see it: merged approvals, and the limits on proposals and on
sign-in attempts."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import propose, review, text_of
from textbook.config import Settings
from textbook.domain.proposal import MAX_OPEN
from textbook.storage import open_textbook

BASE = (
    "## Counting {#counting}\n\nOne, two, three.\nFour, five, six.\n\n"
    "```python\n# a comment, not a heading\nprint(1 + 1)\n```\n"
)
FIRST_LINE = BASE.replace("One, two, three.", "One, two, three, and on.")
CODE = BASE.replace("print(1 + 1)", "print(2 + 2)")


def test_proposal_page_shows_what_approving_a_merge_publishes(client: TestClient) -> None:
    sign_in(client, "alice")
    first = propose(client, FIRST_LINE, "Count on")
    code = propose(client, CODE, "Bigger sums")
    sign_in(client, "bob")
    assert review(client, first, "approve") == 303
    page = client.get(code)
    notice = text_of(page.text, "#stale")
    assert "The section has changed since this proposal was written." in notice
    assert "now at revision 2" in notice
    assert "The changes do not overlap, so approving merges them" in notice
    assert "What approving publishes" in page.text
    merged = text_of(page.text, "#merged")  # the current text, with this change marked ...
    assert merged.startswith("\u22ef 5 unchanged lines")  # ... and the lines far from it folded
    assert "<del>print(1 </del><ins>print(2 </ins>" in page.text
    assert "Approve and publish" in page.text
    preview = text_of(page.text, ".preview")  # the merged text, rendered as readers will see it
    assert "One, two, three, and on." in preview  # the approved change is kept ...
    assert "2 + 2" in preview  # ... and this one added
    assert review(client, code, "approve") == 303
    assert "and on." in client.get("/books/tiny/chapters/first").text
    published = client.get("/api/books/tiny/sections/counting").json()
    assert (published["text"], published["revision"]) == (
        FIRST_LINE.replace("print(1 + 1)", "print(2 + 2)"),
        3,
    )
    history = client.get("/books/tiny/sections/counting/history")
    assert "Bigger sums" in history.text


def test_proposal_page_names_the_clashing_lines(client: TestClient) -> None:
    sign_in(client, "alice")
    first = propose(client, FIRST_LINE, "Count on")
    spanish = propose(client, BASE.replace("One, two, three.", "Uno, dos, tres."), "Spanish")
    sign_in(client, "bob")
    review(client, first, "approve")
    page = client.get(spanish)
    notice = text_of(page.text, "#stale")
    assert (
        "Both changed the same lines (line 3 of the current text and line 3 of the proposal), "
        "so it cannot be approved until its author revises it" in notice
    )
    assert "What approving publishes" not in page.text
    assert "Approve and publish" not in page.text
    assert review(client, spanish, "approve") == 409


def test_the_51st_open_proposal_is_refused_and_the_text_kept(
    client: TestClient, web_settings: Settings
) -> None:
    app = open_textbook(web_settings)
    try:
        for n in range(MAX_OPEN):
            text = f"## Counting {{#counting}}\n\nCount to {n}.\n"
            app.propose_edit("tiny", "counting", text, f"Count to {n}", by="alice")
    finally:
        app.close()
    sign_in(client, "alice")
    page = client.get("/books/tiny/sections/counting/edit")
    refused = client.post(
        "/books/tiny/sections/counting/edit",
        data={
            "csrf": csrf_of(page.text),
            "text": BASE + "\nOne more.\n",
            "message": "One more",
            "base_revision": "1",
        },
    )
    assert refused.status_code == 403
    error = text_of(refused.text, ".form-error")
    assert "You already have 50 open proposals for the book 'tiny'" in error
    assert "Withdraw one, or wait until editors have reviewed some" in error
    assert "One more." in refused.text  # the text is still in the form


def signin(client: TestClient, password: str) -> tuple[int, str, str | None]:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"csrf": csrf_of(page.text), "name": "alice", "password": password},
        follow_redirects=False,
    )
    error = text_of(response.text, ".form-error") if response.status_code != 303 else ""
    return response.status_code, error, response.headers.get("retry-after")


def test_sign_in_form_locks_after_five_wrong_passwords(client: TestClient) -> None:
    for _ in range(4):
        assert signin(client, "wrong password")[:2] == (
            401,
            "That name and password do not match an account.",
        )
    status, error, retry = signin(client, "wrong password")
    assert status == 429
    assert "Too many wrong passwords for 'alice' (5 within 15 minutes)" in error
    assert "signing in to this account is locked until" in error
    assert retry is not None and 14 * 60 <= int(retry) <= 15 * 60
    # The right password is refused too while the lock holds.
    status, error, _ = signin(client, "correct horse")
    assert status == 429
    assert "locked until" in error
    # Other accounts sign in as before.
    sign_in(client, "bob")
