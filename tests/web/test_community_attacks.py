"""Issue 14's journeys tried by someone who wants around the rules: other people's needs,
books, inboxes and feeds; replayed and edited links and tokens; oversized fields; and a
reader's address that must never show. After every refusal the store is as it was."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from tests.live import Fingerprint, fingerprint_of
from tests.web.conftest import csrf_of, sign_in
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.domain.errors import NeedClosed, NeedOfAnotherBook, NotAllowed
from textbook.projections.runner import open_views
from textbook.projections.views import TABLE_NAMES
from textbook.storage import open_textbook
from textbook.web.app import create_app

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET_ADDRESS = "quiet-reader-7@example.net"
EDIT = "## Counting {#counting}\n\nOne, two.\n"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class Store:
    """The test's own handle on the store the web app serves: to set a scene, to fingerprint."""

    def __init__(self, settings: Settings) -> None:
        self.app: Textbook = open_textbook(settings)
        self.views = open_views(settings)

    def fingerprint(self) -> Fingerprint:
        return fingerprint_of(self.app, self.views)

    def close(self) -> None:
        self.app.close()
        self.views.close()


@pytest.fixture
def store(web_settings: Settings) -> Iterator[Store]:
    """The tiny book (alice authors, bob and carol edit) and mia's book `searchable`, where
    nobody else has a role; a need marked in each."""
    opened = Store(web_settings)
    import_folder(opened.app, FIXTURES / "searchable")
    yield opened
    opened.close()


def clocked(client: TestClient) -> Clock:
    clock = Clock()
    client.app.state.site.app.clock = clock  # type: ignore[attr-defined]
    return clock


def as_person(client: TestClient, name: str) -> None:
    client.cookies.clear()
    sign_in(client, name)


def csrf(client: TestClient, path: str = "/books/tiny/needs") -> str:
    return csrf_of(client.get(path).text)


# Other people's needs, other books.


def test_acting_on_needs_without_the_right_is_refused_and_changes_nothing(
    client: TestClient, store: Store
) -> None:
    clocked(client)
    tiny_need = store.app.mark_need("tiny", "counting", "figure", "A plot", "alice")
    other_need = store.app.mark_need("searchable", "pivoting", "figure", "A plot", "mia")
    store.app.take_need(tiny_need, "alice")
    before = store.fingerprint()

    # Signed out: no taking at all.
    anonymous = client.post(
        f"/books/tiny/needs/{tiny_need}/take", data={"csrf": "x"}, follow_redirects=False
    )
    assert anonymous.status_code in (303, 401, 403), anonymous.status_code
    assert anonymous.status_code != 303 or "/signin" in anonymous.headers["location"]
    as_person(client, "mallory")
    # A crafted POST without the form's CSRF token (from another site).
    no_csrf = client.post(f"/books/tiny/needs/{tiny_need}/release", data={"back": "/"})
    assert no_csrf.status_code == 403
    token = csrf(client)
    # mallory (no role) releases alice's take, closes the need, marks one.
    release = client.post(f"/books/tiny/needs/{tiny_need}/release", data={"csrf": token})
    assert release.status_code == 403 and "Only the person on this need" in release.text
    close = client.post(
        f"/books/tiny/needs/{tiny_need}/close", data={"csrf": token, "reason": "Spam"}
    )
    assert close.status_code == 403
    mark = client.post(
        "/books/tiny/needs",
        data={"csrf": token, "place": "section:counting", "kind": "figure", "reason": "x"},
    )
    assert mark.status_code == 403
    # Taking a need someone holds: refused, naming them.
    take = client.post(f"/books/tiny/needs/{tiny_need}/take", data={"csrf": token})
    assert take.status_code == 409 and "alice is on this need" in take.text
    # bob edits tiny, not `searchable`: its need through tiny's address is not found, and
    # through its own address he may not close it.
    as_person(client, "bob")
    token = csrf(client)
    for action in ("close", "release"):
        through_tiny = client.post(
            f"/books/tiny/needs/{other_need}/{action}", data={"csrf": token, "reason": "Done"}
        )
        assert through_tiny.status_code == 404, action
    own = client.post(
        f"/books/searchable/needs/{other_need}/close", data={"csrf": token, "reason": "Done"}
    )
    assert own.status_code == 403
    # An author of tiny does not close its needs either.
    as_person(client, "alice")
    author = client.post(
        f"/books/tiny/needs/{tiny_need}/close", data={"csrf": csrf(client), "reason": "Mine"}
    )
    assert author.status_code == 403
    # Ids that are not ids.
    for bad in ("not-a-uuid", "0" * 400, str(UUID(int=0))):
        answer = client.post(f"/books/tiny/needs/{bad}/take", data={"csrf": csrf(client)})
        assert answer.status_code in (400, 404), bad
    assert store.fingerprint() == before


def test_a_proposal_cannot_answer_a_need_of_another_book_or_a_closed_one(
    client: TestClient, store: Store
) -> None:
    other_need = store.app.mark_need("searchable", "pivoting", "figure", "A plot", "mia")
    closed = store.app.mark_need("tiny", "counting", "figure", "A plot", "alice")
    store.app.close_need(closed, "Not needed", "bob")
    before = store.fingerprint()
    with pytest.raises(NeedOfAnotherBook):
        store.app.propose_edit("tiny", "counting", EDIT, "Shorter", "alice", needs=[other_need])
    with pytest.raises(NeedClosed):
        store.app.propose_edit("tiny", "counting", EDIT, "Shorter", "alice", needs=[closed])
    assert store.fingerprint() == before


def test_asking_a_review_where_one_has_no_say_is_refused(client: TestClient, store: Store) -> None:
    proposal = store.app.propose_edit("tiny", "counting", EDIT, "Shorter", "alice")
    before = store.fingerprint()
    # mallory, no role in tiny, asks carol; alice asks mallory (no role) and asks herself.
    as_person(client, "mallory")
    page = client.get(f"/proposals/{proposal}")
    path = f"/proposals/{proposal}/review-requests"
    stranger = client.post(path, data={"csrf": csrf_of(page.text), "reviewer": "carol"})
    assert stranger.status_code == 403
    as_person(client, "alice")
    token = csrf_of(client.get(f"/proposals/{proposal}").text)
    for reviewer, status in (("mallory", 403), ("alice", 403), ("nobody", 404), ("x" * 5000, 404)):
        answer = client.post(path, data={"csrf": token, "reviewer": reviewer})
        assert answer.status_code == status, (reviewer, answer.status_code)
        assert "Traceback" not in answer.text
    with pytest.raises(NotAllowed):
        store.app.request_review(proposal, "carol", "mallory")
    assert store.fingerprint() == before


def test_the_inbox_is_only_ones_own(client: TestClient, store: Store) -> None:
    """Marking read names no person (the signed-in one is the only one); a feed link edited to
    another name, or one replaced by a new link, is refused."""
    as_person(client, "alice")
    token = csrf(client, "/inbox")
    client.post("/inbox/read", data={"csrf": token, "up_to": "5", "name": "bob"})
    assert store.app._watchlist(store.app.user("bob")).read_up_to == 0
    for bad in ("-1", "1e9", "9" * 40, "", "٣"):
        answer = client.post("/inbox/read", data={"csrf": token, "up_to": bad})
        assert answer.status_code == 400, bad
    inbox = client.get("/inbox").text
    link = re.search(r"/inbox/feed\.atom\?token=([^\"'<\s]+)", inbox)
    assert link
    own = client.get(f"/inbox/feed.atom?token={link.group(1)}")
    assert own.status_code == 200
    raw = own.request.url.params["token"]
    generation, name, signature = raw.split(".")
    assert name == "alice"
    before = store.fingerprint()
    client.cookies.clear()
    for forged in (
        f"{generation}.bob.{signature}",
        f"{int(generation) + 1}.alice.{signature}",
        f"{generation}.alice.{signature[:-1]}{'1' if signature.endswith('0') else '0'}",
        f"{generation}.alice.bob.{signature}",
        "x" * 10_000,
    ):
        answer = client.get("/inbox/feed.atom", params={"token": forged})
        assert answer.status_code == 403, forged[:40]
    assert store.fingerprint() == before
    store.app.rotate_feed_key("alice")
    assert client.get("/inbox/feed.atom", params={"token": raw}).status_code == 403


# The reader's report form.


def report_form(client: TestClient, slug: str, section: str, number: int) -> dict[str, str]:
    page = client.get(f"/books/{slug}/sections/{section}/report?p={number}")
    assert page.status_code == 200, page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    return {"csrf": csrf_of(page.text), "token": token.group(1), "website": ""}


def test_a_report_token_is_for_its_own_paragraph_and_once_even_after_a_restart(
    client: TestClient, store: Store, web_settings: Settings
) -> None:
    clock = clocked(client)
    fields = report_form(client, "tiny", "counting", 1)
    clock.now += timedelta(seconds=30)
    before = store.fingerprint()
    # The token of tiny's counting ¶1 sent to another section, another book, another ¶.
    for elsewhere in (
        "/books/tiny/sections/summing/report?p=1",
        "/books/searchable/sections/pivoting/report?p=1",
        "/books/tiny/sections/counting/report?p=2",
    ):
        answer = client.post(elsewhere, data=fields | {"reason": "Wrong."})
        assert answer.status_code in (400, 404), elsewhere
    # Hidden fields naming another book or section or quote are not read: the address says.
    sent = client.post(
        "/books/tiny/sections/counting/report?p=1",
        data=fields
        | {"reason": "Wrong.", "slug": "searchable", "section": "pivoting", "quote": "Forged"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert store.fingerprint() != before
    # The report is on tiny's counting, quoting its paragraph, not what the form said.
    board = client.get("/books/tiny/needs?kind=error").text
    assert "One, two, three. Four, five, six." in board and "Forged" not in board
    assert "Wrong." not in client.get("/books/searchable/needs").text
    # The same form again, after the server restarted (another app on the same store).
    after_first = store.fingerprint()
    with TestClient(create_app(web_settings)) as restarted:
        restarted.app.state.site.app.clock = clock  # type: ignore[attr-defined]
        restarted.cookies = client.cookies
        again = restarted.post(
            "/books/tiny/sections/counting/report?p=1", data=fields | {"reason": "Wrong again."}
        )
        assert again.status_code in (403, 409), again.status_code
    assert store.fingerprint() == after_first


def test_oversized_fields_are_refused_clearly_never_cut(client: TestClient, store: Store) -> None:
    clock = clocked(client)
    need = store.app.mark_need("tiny", "counting", "figure", "A plot", "alice")
    before = store.fingerprint()
    huge = "x" * 2001
    # The report form: reason, and an address too long to be one.
    fields = report_form(client, "tiny", "counting", 1)
    clock.now += timedelta(seconds=30)
    link = "/books/tiny/sections/counting/report?p=1"
    long_reason = client.post(link, data=fields | {"reason": huge})
    assert long_reason.status_code == 422 and "at most 2,000" in long_reason.text
    fields = report_form(client, "tiny", "counting", 1)
    clock.now += timedelta(seconds=30)
    email = "a" * 300 + "@example.org"
    long_email = client.post(link, data=fields | {"reason": "Wrong.", "email": email})
    assert long_email.status_code == 422
    # Marking and closing, as an editor.
    as_person(client, "bob")
    token = csrf(client)
    mark = client.post(
        "/books/tiny/needs",
        data={"csrf": token, "place": "section:counting", "kind": "figure", "reason": huge},
    )
    assert mark.status_code == 422 and "at most 2,000" in mark.text
    for place in ("section:" + "s" * 5000, "chapter:nowhere", "nowhere", ""):
        odd = client.post(
            "/books/tiny/needs",
            data={"csrf": token, "place": place, "kind": "figure", "reason": "Why"},
        )
        assert odd.status_code in (400, 404, 422), place[:20]
    close = client.post(f"/books/tiny/needs/{need}/close", data={"csrf": token, "reason": huge})
    assert close.status_code == 422 and "at most 2,000" in close.text
    empty = client.post(f"/books/tiny/needs/{need}/close", data={"csrf": token, "reason": " "})
    assert empty.status_code == 422
    # Watching a place with a name no chapter has.
    watch = client.post(
        "/watch", data={"csrf": token, "target": "section", "book": "tiny", "place": huge}
    )
    assert watch.status_code == 422
    watch = client.post(
        "/watch", data={"csrf": token, "target": "section", "book": "x" * 5000, "place": "a"}
    )
    assert watch.status_code in (400, 404, 422)
    # The API, with a bearer token.
    bearer = {"Authorization": f"Bearer {store.app.create_token('bob')}"}
    before = store.fingerprint()  # the token is recorded; from here nothing changes
    api = "/api/books/tiny/sections/counting/needs"
    for body in (
        {"kind": "figure", "reason": huge},
        {"kind": "figure", "reason": ""},
        {"kind": "poetry", "reason": "Why"},
        {"kind": "figure", "reason": "Why", "extra": "x"},
        {"kind": "figure", "reason": 7},
    ):
        answer = client.post(api, json=body, headers=bearer)
        assert 400 <= answer.status_code < 500, body
    assert store.fingerprint() == before


# Privacy.


def test_a_readers_address_never_shows_anywhere(client: TestClient, store: Store) -> None:
    clock = clocked(client)
    store.app.watch("bob", "book", "tiny")
    store.app.watch("alice", "section", "tiny", "counting")
    fields = report_form(client, "tiny", "counting", 1)
    clock.now += timedelta(seconds=30)
    sent = client.post(
        "/books/tiny/sections/counting/report?p=1",
        data=fields | {"reason": "Seven is missing.", "email": SECRET_ADDRESS},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    # The need exists; alice takes it, so that it shows in more places.
    (need_id,) = re.findall(r'id="need-([0-9a-f-]+)"', client.get("/books/tiny/needs").text)
    store.app.take_need(UUID(need_id), "alice")
    pages = [
        "/books/tiny/needs",
        "/books/tiny/needs?kind=error",
        "/books/tiny",
        "/books/tiny/chapters/first",
        "/books/tiny/community",
        "/books/tiny/feed.atom",
        "/people/alice",
        "/api/books/tiny/needs",
    ]
    seen: list[str] = []
    for name in ("bob", "alice"):
        as_person(client, name)
        inbox = client.get("/inbox").text
        link = re.search(r"/inbox/feed\.atom\?token=([^\"'<\s]+)", inbox)
        assert link
        seen += [inbox, client.get(f"/inbox/feed.atom?token={link.group(1)}").text]
        seen += [client.get(page).text for page in pages]
    client.cookies.clear()
    seen += [client.get(page).text for page in pages]
    assert "Seven is missing." in "".join(seen)  # the report is there ...
    for text in seen:
        assert SECRET_ADDRESS not in text and "quiet-reader-7" not in text  # ... its address never
    # Nor in any read-model row (the event alone keeps it, to tell the reader of the fix).
    store.fingerprint()  # caught up
    with store.views.read() as sql:
        for table in TABLE_NAMES:
            for row in sql.all(f"SELECT * FROM {{s}}.{table}"):
                assert "quiet-reader-7" not in str(row), table


def test_forgot_password_says_the_same_for_any_address(client: TestClient, store: Store) -> None:
    """A verified address with an account, one not verified, and one nobody has: one answer."""
    store.app.register_user("ada", "ada@example.org", "correct horse", verified=True)
    answers = []
    for email in ("ada@example.org", "alice@example.org", "nobody-here@example.org"):
        client.cookies.clear()
        page = client.get("/password/forgot")
        answer = client.post("/password/forgot", data={"csrf": csrf_of(page.text), "email": email})
        body = re.sub(r'name="csrf" value="[^"]+"', "", answer.text).replace(email, "ADDRESS")
        answers.append((answer.status_code, body))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200
    assert store.app.user("ada").resets  # the real one was asked for


# Links in mail.


def test_mail_links_are_once_for_their_person_and_their_address(
    client: TestClient, store: Store
) -> None:
    links = client.app.state.site.links  # type: ignore[attr-defined]
    app = store.app
    app.register_user("ada", "ada@example.org", "correct horse", verified=True)
    app.register_user("eve", "eve@example.org", "correct horse", verified=True)
    app.request_password_reset("ada@example.org")
    [request_id] = app.user("ada").resets
    ada_id, eve_id = app.user("ada").id, app.user("eve").id
    reset = links.reset_url(ada_id, request_id)
    page = client.get(reset)
    assert page.status_code == 200
    fields = {"csrf": csrf_of(page.text), "password": "a new one!", "again": "a new one!"}
    # ada's request id in a link for eve (a real, signed link: as if the key had leaked).
    before = store.fingerprint()
    crossed = links.reset_url(eve_id, request_id)
    assert client.post(crossed, data=fields).status_code == 410
    # ada's link with its person's bytes edited to eve's: not one of ours.
    token = reset.rsplit("/", 1)[1]
    _payload, mac = token.split(".")
    edited = links.token("reset", eve_id, request_id).split(".")[0] + "." + mac
    assert client.post(f"/password/reset/{edited}", data=fields).status_code == 410
    assert store.fingerprint() == before
    used = client.post(reset, data=fields, follow_redirects=False)
    assert used.status_code in (200, 303), used.text
    after = store.fingerprint()
    again = client.post(reset, data=fields | {"password": "mine now!", "again": "mine now!"})
    assert again.status_code == 410
    assert store.fingerprint() == after

    # A verification link for an address changed again since does not verify it: the first
    # address may have been mistyped, or be someone else's, and resets would go there.
    app.change_email("ada", "ada@typo.example", "a new one!")
    [first] = app.user("ada").email_requests
    app.change_email("ada", "ada@second.example", "a new one!")
    before = store.fingerprint()
    stale = links.verify_url(ada_id, first)
    assert client.get(stale).status_code == 410
    refused = client.post(stale, data={"csrf": csrf_of(client.get("/password/forgot").text)})
    assert refused.status_code == 410
    assert "a newer one replaced it" in refused.text
    assert store.fingerprint() == before
    assert app.user("ada").verified_email == "ada@example.org"
    [second] = [r for r in app.user("ada").email_requests if r != first]
    app.verify_email(ada_id, second)
    assert app.user("ada").verified_email == "ada@second.example"

    # An unsubscribe link edited to another person's id is not one of ours.
    ada_link = links.unsubscribe_url("ada").rsplit("/", 1)[1]
    eve_payload = links.unsubscribe_url("eve").rsplit("/", 1)[1].split(".")[0]
    before = store.fingerprint()
    forged = f"{eve_payload}.{ada_link.split('.')[1]}"
    answer = client.post(f"/unsubscribe/{forged}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 410
    assert store.fingerprint() == before


def test_nobody_takes_a_need_of_an_archived_book(client: TestClient, store: Store) -> None:
    need = store.app.mark_need("tiny", "counting", "figure", "A plot", "alice")
    taken = store.app.mark_need("tiny", "summing", "figure", "A table", "alice")
    store.app.take_need(taken, "alice")
    store.app.archive_book("tiny", "mia")
    as_person(client, "mallory")
    board = client.get("/books/tiny/needs")
    assert f"/needs/{need}/take" not in board.text  # no "I'm on it" button ...
    before = store.fingerprint()
    refused = client.post(f"/books/tiny/needs/{need}/take", data={"csrf": csrf_of(board.text)})
    assert refused.status_code == 403 and "is archived" in refused.text  # ... nor a crafted POST
    assert store.fingerprint() == before
    # The taker may still step back.
    as_person(client, "alice")
    token = csrf(client)
    released = client.post(
        f"/books/tiny/needs/{taken}/release", data={"csrf": token}, follow_redirects=False
    )
    assert released.status_code == 303
