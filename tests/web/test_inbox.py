"""The inbox, watching, review requests and the private feed, through the pages people use."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import feedparser  # type: ignore[import-untyped]
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from tests.web.test_needs import clocked, report_form
from tests.web.test_pages import propose, review, text_of


def items_of(html: str) -> list[tuple[str, bool]]:
    """The inbox's items as (title, unread), newest first."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        (li.select_one("a").get_text(" ", strip=True), "unread" in li["class"])  # type: ignore[union-attr]
        for li in soup.select("ol.inbox li.inbox-item")
    ]


def nav_count(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one("nav.account a[href='/inbox']")
    assert found is not None
    return found.get_text(" ", strip=True)


def ask(client: TestClient, proposal: str, reviewer: str) -> int:
    page = client.get(proposal)
    response = client.post(
        f"{proposal}/review-requests",
        data={"csrf": csrf_of(page.text), "reviewer": reviewer},
        follow_redirects=False,
    )
    return response.status_code


def test_a_review_request_reaches_the_editors_inbox_and_queue(client: TestClient) -> None:
    sign_in(client, "alice")
    proposal = propose(client, message="Fix the counting")
    page = client.get(proposal)
    options = [
        o.get_text() for o in BeautifulSoup(page.text, "html.parser").select("#reviewer option")
    ]
    assert options == ["bob", "carol", "mia"]  # the book's editors and maintainer, not alice
    assert ask(client, proposal, "bob") == 303
    asked = client.get(proposal)
    assert "Review asked of bob by alice" in text_of(asked.text, "#review-requests")
    left = BeautifulSoup(asked.text, "html.parser").select("#reviewer option")
    assert [o.get_text() for o in left] == ["carol", "mia"]  # bob is asked already
    # Asking again before bob answers is refused, saying why, and nothing changes.
    assert ask(client, proposal, "bob") == 409
    refused = client.get(proposal)
    assert text_of(refused.text, "#review-requests").count("Review asked of bob") == 1
    again = client.post(
        f"{proposal}/review-requests",
        data={"csrf": csrf_of(refused.text), "reviewer": "bob"},
        follow_redirects=False,
    )
    assert "bob has already been asked" in text_of(again.text, "#ask-error")
    # mallory is no editor of the book: refused.
    assert ask(client, proposal, "mallory") == 403

    sign_in(client, "bob")
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    assert ("alice asked you to review “Fix the counting”", True) in items_of(inbox.text)
    assert nav_count(inbox.text) == "Inbox 2 unread"  # the new proposal, and the request
    queue = client.get("/books/tiny/queue?show=asked")
    assert "Fix the counting" in text_of(queue.text, "#queue")
    assert "asked of you" in text_of(queue.text, "#queue")
    assert "asked of you" in text_of(client.get("/books/tiny/queue").text, "#queue")
    sign_in(client, "carol")
    assert "asked of you" not in text_of(client.get("/books/tiny/queue").text, "#queue")
    assert "Nobody has asked you" in client.get("/books/tiny/queue?show=asked").text


def test_watching_a_section_brings_its_approvals_and_mark_all_read(client: TestClient) -> None:
    sign_in(client, "mallory")
    history = client.get("/books/tiny/sections/counting/history")
    button = BeautifulSoup(history.text, "html.parser").select_one(".watch-form button")
    assert button is not None and button.get_text(strip=True) == "Watch this section"
    watched = client.post(
        "/watch",
        data={"csrf": csrf_of(history.text), "target": "section", "book": "tiny",
              "place": "counting", "action": "watch",
              "next": "/books/tiny/sections/counting/history"},
        follow_redirects=False,
    )  # fmt: skip
    assert watched.status_code == 303
    assert watched.headers["location"] == "/books/tiny/sections/counting/history"
    again = client.get("/books/tiny/sections/counting/history")
    assert "Watching this section" in text_of(again.text, ".watch-form")
    assert "counting" in text_of(client.get("/watching").text, "#watched")

    sign_in(client, "alice")
    proposal = propose(client, message="Count further")
    sign_in(client, "bob")
    assert review(client, proposal, "approve") == 303

    sign_in(client, "mallory")
    inbox = client.get("/inbox")
    assert items_of(inbox.text) == [
        ("bob approved “Count further” in A Tiny Book", True),
        ("alice proposed “Count further” in A Tiny Book", True),
    ]
    assert nav_count(inbox.text) == "Inbox 2 unread"
    read = client.post(
        "/inbox/read",
        data={"csrf": csrf_of(inbox.text), "up_to": re.findall(r'name="up_to" value="(\d+)"',
                                                               inbox.text)[0]},
        follow_redirects=False,
    )  # fmt: skip
    assert read.status_code == 303
    after = client.get("/inbox")
    assert [unread for _, unread in items_of(after.text)] == [False, False]
    assert nav_count(after.text) == "Inbox"
    assert "all read" in text_of(after.text, ".lede")
    # Stop watching, from the list of what one watches.
    page = client.get("/watching")
    stopped = client.post(
        "/watch",
        data={"csrf": csrf_of(page.text), "target": "section", "book": "tiny",
              "place": "counting", "action": "unwatch", "next": "/watching"},
        follow_redirects=False,
    )  # fmt: skip
    assert stopped.status_code == 303
    assert "You watch nothing yet." in text_of(client.get("/watching").text, "#watched")


def test_watch_buttons_and_refusals(client: TestClient) -> None:
    assert client.get("/inbox", follow_redirects=False).status_code == 303  # sign in first
    assert client.get("/watching", follow_redirects=False).status_code == 303
    book = client.get("/books/tiny")
    assert "Watch this book" not in book.text  # signed out: no button
    sign_in(client, "carol")
    book = client.get("/books/tiny")
    assert "Watch this book" in text_of(book.text, ".watch-form")
    chapter = client.get("/books/tiny/chapters/first")
    assert "Watch this chapter" in text_of(chapter.text, ".watch-form")
    csrf = csrf_of(book.text)
    for fields, status in (
        ({"target": "section", "book": "tiny", "place": "nowhere"}, 404),
        ({"target": "book", "book": "nowhere"}, 404),
        ({"target": "shelf", "book": "tiny"}, 422),
        ({"target": "chapter", "book": "tiny", "place": "x" * 500}, 422),
    ):
        response = client.post("/watch", data={"csrf": csrf, "action": "watch", **fields})
        assert response.status_code == status, fields
    assert "You watch nothing yet." in client.get("/watching").text
    assert client.post("/watch", data={"target": "book", "book": "tiny"}).status_code == 403
    assert client.get("/inbox?before=abc").status_code == 400


def test_the_inbox_pages_older_items(client: TestClient) -> None:
    sign_in(client, "alice")
    for number in range(3):
        propose(client, text=f"## Counting {{#counting}}\n\nTry {number}.\n", message=f"T{number}")
    sign_in(client, "bob")
    from textbook.web import inbox as inbox_module

    original = inbox_module.PAGE
    inbox_module.PAGE = 2
    try:
        first = client.get("/inbox")
        assert [title for title, _ in items_of(first.text)] == [
            "alice proposed “T2” in A Tiny Book",
            "alice proposed “T1” in A Tiny Book",
        ]
        older = BeautifulSoup(first.text, "html.parser").select_one(".pager a")
        assert older is not None and older.get_text() == "Older items"
        second = client.get(str(older["href"]))
        assert [title for title, _ in items_of(second.text)] == [
            "alice proposed “T0” in A Tiny Book"
        ]
    finally:
        inbox_module.PAGE = original


def test_the_private_feed_is_valid_atom_and_a_new_link_revokes_the_old(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    proposal = propose(client, message="Count further")
    sign_in(client, "bob")
    assert review(client, proposal, "request_changes", "Say where to stop.") == 303
    sign_in(client, "alice")
    inbox = client.get("/inbox")
    soup = BeautifulSoup(inbox.text, "html.parser")
    alternate = soup.select_one("link[rel=alternate][type='application/atom+xml']")
    assert alternate is not None
    link = str(alternate["href"])
    assert link.startswith("/inbox/feed.atom?token=") and "alice" in unquote(link)
    client.cookies.clear()  # a feed reader has no session
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id and feed.feed.title == "alice's inbox · textbook"
    assert feed.feed.updated and feed.feed.author_detail.name == "textbook"
    assert any(link["rel"] == "self" for link in feed.feed.links)
    (entry,) = feed.entries
    assert entry.title == "bob requested changes to your proposal “Count further”"
    assert entry.id.startswith("urn:uuid:") and entry.updated
    assert entry.link.endswith(proposal)
    # A forged or altered token is refused.
    assert client.get(link.replace("alice", "bob")).status_code == 403
    assert client.get("/inbox/feed.atom?token=0.alice.00").status_code == 403
    assert client.get("/inbox/feed.atom").status_code == 403
    # A new link: the old one stops working, the new one works.
    sign_in(client, "alice")
    page = client.get("/inbox")
    rotated = client.post(
        "/inbox/feed-key", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert rotated.status_code == 303
    new = BeautifulSoup(client.get("/inbox").text, "html.parser").select_one(
        "link[rel=alternate][type='application/atom+xml']"
    )
    assert new is not None and str(new["href"]) != link
    assert client.get(link).status_code == 403
    assert client.get(str(new["href"])).status_code == 200


def test_a_readers_report_reaches_the_editors_inbox(client: TestClient) -> None:
    clock = clocked(client)
    _, fields = report_form(client, "counting", 1)  # a reader, signed in nowhere
    clock.now += timedelta(seconds=20)
    sent = client.post(
        "/books/tiny/sections/counting/report?p=1",
        data=fields | {"reason": "Seven is missing.", "email": "reader@example.org"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    sign_in(client, "bob")
    inbox = client.get("/inbox")
    said = "A reader reported an error in 1.1 Counting: “Seven is missing.”"
    assert items_of(inbox.text)[0] == (said, True)
    soup = BeautifulSoup(inbox.text, "html.parser")
    item = soup.select_one("ol.inbox li.inbox-item")
    assert item is not None
    link = item.select_one("a")
    assert link is not None and str(link["href"]).startswith("/books/tiny/needs#need-")
    assert "Seven is missing." in client.get(str(link["href"])).text
    meta = item.select_one(".meta")
    assert meta is not None and meta.get_text(" ", strip=True).endswith("· A Tiny Book")
    assert "reader@example.org" not in inbox.text
    feed = client.get(feed_link(inbox.text))
    assert "reader@example.org" not in feed.text
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and parsed.entries[0].title == said
    assert parsed.entries[0].author_detail.name == "A reader"


def feed_link(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(
        "link[rel=alternate][type='application/atom+xml']"
    )
    assert found is not None
    return str(found["href"])


def test_an_empty_feed_was_updated_when_its_person_registered(client: TestClient) -> None:
    sign_in(client, "mallory")
    inbox = client.get("/inbox")
    assert items_of(inbox.text) == []
    feed = feedparser.parse(client.get(feed_link(inbox.text)).content)
    assert not feed.bozo and feed.entries == []
    registered = client.app.state.site.queries().inbox_since("mallory")  # type: ignore[attr-defined]
    assert feed.feed.updated_parsed[:6] == tuple(
        int(part) for part in re.split(r"[-T:.+]", registered)[:6]
    )
    assert not feed.feed.updated.startswith("2000")
