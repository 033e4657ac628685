"""The Atom feeds, the community page and public profiles, through the web, on a known history.

The history (tests/community_history.py) is written at moments before the real now, so that
the pages, which count from the real clock, show its figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime

import feedparser  # type: ignore[import-untyped]  # no types published
import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.community_history import READER_EMAIL, History, write_history
from textbook.config import Settings
from textbook.domain.application.starting import NewBook
from textbook.projections.queries import community as community_queries
from textbook.storage import open_textbook
from textbook.web.app import create_app

ATOM = "application/atom+xml"


@pytest.fixture
def history_settings(settings: Settings) -> tuple[Settings, History]:
    app = open_textbook(settings)
    history = write_history(app, now=datetime.now(UTC))
    app.close()
    return replace(settings, secret_key=None), history


@pytest.fixture
def site(history_settings: tuple[Settings, History]) -> Iterator[tuple[TestClient, History]]:
    settings, history = history_settings
    with TestClient(create_app(settings)) as client:
        yield client, history


def text_of(html: str) -> str:
    return " ".join(BeautifulSoup(html, "lxml").get_text(" ").split())


def names(history: History) -> dict[str, str]:
    return {str(uuid): name for name, uuid in history.proposals.items()}


def need_names(history: History) -> dict[str, str]:
    return {str(uuid): name for name, uuid in history.needs.items()}


NEEDS_LINK = "http://testserver/books/tiny/needs#need-"


def test_the_book_feed_is_valid_atom_with_every_happening_newest_first(
    site: tuple[TestClient, History],
) -> None:
    client, history = site
    response = client.get("/books/tiny/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(ATOM)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id.startswith("urn:uuid:")
    assert feed.feed.title == "A Tiny Book: new proposals, approved changes and new needs"
    assert feed.feed.updated_parsed and feed.feed.author
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "self": "http://testserver/books/tiny/feed.atom",
        "alternate": "http://testserver/books/tiny",
    }
    proposals = {**names(history), **need_names(history)}
    shown = []
    for entry in feed.entries:
        assert entry.id.startswith("urn:uuid:") and entry.updated_parsed and entry.summary
        assert entry.link.startswith(("http://testserver/proposals/", NEEDS_LINK))
        what = "Needed" if entry.title.startswith("Needed") else entry.title.split(":")[0]
        shown.append((what, proposals[entry.link.rsplit("/", 1)[1].removeprefix("needs#need-")]))
    # The needs, by when they were opened, among the proposals (the closed one too).
    assert shown == [
        ("Needed", "caption"), ("Needed", "diagram"), ("Approved", "gauss"),
        ("Proposed", "waiting"), ("Proposed", "gauss"), ("Approved", "counting"),
        ("Proposed", "refused"), ("Approved", "ruler"), ("Proposed", "ruler"),
        ("Proposed", "counting"), ("Needed", "drills"), ("Needed", "typo"),
        ("Needed", "worked"), ("Needed", "source"), ("Approved", "old"),
        ("Needed", "references"), ("Proposed", "old"),
    ]  # fmt: skip
    gauss = feed.entries[2]
    assert gauss.title == "Approved: Gauss (a change by carol)"
    assert gauss.author == "carol"
    assert gauss.summary == (
        "bob approved a change to the section “summing” of A Tiny Book, written by carol,"
        " adding 3 words."
    )
    assert len({entry.id for entry in feed.entries}) == 17
    # Ids never change: asked again, the same entries have the same ids.
    again = feedparser.parse(client.get("/books/tiny/feed.atom").content)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]


def test_each_kind_has_its_own_feed_and_nothing_else_is_one(
    site: tuple[TestClient, History],
) -> None:
    client, history = site
    approved = feedparser.parse(client.get("/books/tiny/feed.atom?only=approved").content)
    assert not approved.bozo and approved.feed.title == "A Tiny Book: approved changes"
    assert [names(history)[e.link.rsplit("/", 1)[1]] for e in approved.entries] == [
        "gauss", "counting", "ruler", "old",
    ]  # fmt: skip
    proposed = feedparser.parse(client.get("/books/tiny/feed.atom?only=proposals").content)
    assert len(proposed.entries) == 6 and proposed.feed.id != approved.feed.id
    for query in ("?only=need", "?only=", "?only=" + "x" * 5000):
        response = client.get("/books/tiny/feed.atom" + query)
        assert response.status_code == 400, query
        assert "There is no feed" in text_of(response.text)
    assert client.get("/books/no-such-book/feed.atom").status_code == 404
    for slug in ("%3Cscript%3E", "%00", "x" * 3000):
        assert client.get(f"/books/{slug}/feed.atom").status_code == 404, slug
        assert client.get(f"/books/{slug}/community").status_code == 404, slug


def test_the_feed_of_new_needs_says_kind_place_and_reason_and_no_email(
    site: tuple[TestClient, History],
) -> None:
    client, history = site
    response = client.get("/books/tiny/feed.atom?only=needs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(ATOM)
    assert READER_EMAIL not in response.text and "reader@" not in response.text
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.title == "A Tiny Book: new needs"
    assert feed.feed.id.startswith("urn:uuid:") and feed.feed.updated_parsed and feed.feed.author
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": "http://testserver/books/tiny/feed.atom?only=needs",
        "alternate": "http://testserver/books/tiny",
    }
    for entry in feed.entries:
        assert entry.id.startswith("urn:uuid:") and entry.updated_parsed and entry.published
        assert entry.link.startswith(NEEDS_LINK) and entry.author
    shown = [need_names(history)[e.link.removeprefix(NEEDS_LINK)] for e in feed.entries]
    assert shown == ["caption", "diagram", "drills", "typo", "worked", "source", "references"]
    caption, drills, typo = feed.entries[0], feed.entries[2], feed.entries[3]
    assert caption.title == "Needed in “Summing”: a figure"
    assert caption.summary == (
        "bob marked what the section “Summing” of A Tiny Book needs (a figure):"
        " A picture of the triangle of sums."
    )
    assert caption.author == "bob" and caption.author_detail.href == "http://testserver/people/bob"
    assert drills.title == "Needed in “Second Thoughts”: exercises"
    assert drills.summary.startswith("bob marked what the chapter “Second Thoughts”")
    assert typo.title == "Needed in “Measuring”: an error a reader reported"
    assert typo.summary == (
        "A reader reported an error in the section “Measuring” of A Tiny Book:"
        " Rulers measure length, not weight."
    )
    assert typo.author == "A reader" and "href" not in typo.author_detail
    # Ids never change, and are not those of the whole feed's other entries.
    again = feedparser.parse(client.get("/books/tiny/feed.atom?only=needs").content)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    assert len({e.id for e in feed.entries}) == 7


def test_the_task_board_links_to_the_feed_of_needs(site: tuple[TestClient, History]) -> None:
    client, _ = site
    soup = BeautifulSoup(client.get("/books/tiny/needs").text, "lxml")
    alternate = soup.find("link", rel="alternate", type=ATOM)
    assert alternate is not None and alternate["href"] == "/books/tiny/feed.atom?only=needs"
    assert alternate["title"] == "A Tiny Book: new needs"
    link = soup.find("a", href="/books/tiny/feed.atom?only=needs")
    assert link is not None and link.get_text() == "Feed of new needs"


def test_a_feed_reader_is_told_when_nothing_changed(site: tuple[TestClient, History]) -> None:
    client, _ = site
    first = client.get("/books/tiny/feed.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    unchanged = client.get("/books/tiny/feed.atom", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    since = client.get("/books/tiny/feed.atom", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    old = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert (
        client.get("/books/tiny/feed.atom", headers={"If-Modified-Since": old}).status_code == 200
    )
    other = client.get("/books/tiny/feed.atom", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    junk = client.get("/books/tiny/feed.atom", headers={"If-Modified-Since": "yesterday"})
    assert junk.status_code == 200


def test_feed_links_use_the_public_address_when_it_is_set(
    history_settings: tuple[Settings, History],
) -> None:
    settings, _ = history_settings
    public = replace(settings, public_url="https://books.example.org/site")
    with TestClient(create_app(public)) as client:
        feed = feedparser.parse(client.get("/books/tiny/feed.atom").content)
    assert {link.href for link in feed.feed.links} == {
        "https://books.example.org/site/books/tiny/feed.atom",
        "https://books.example.org/site/books/tiny",
    }
    public_links = (
        "https://books.example.org/site/proposals/",
        "https://books.example.org/site/books/tiny/needs#need-",
    )
    assert all(e.link.startswith(public_links) for e in feed.entries)


@pytest.mark.parametrize(
    "page", ["/books/tiny", "/books/tiny/changes", "/books/tiny/history", "/books/tiny/queue",
             "/books/tiny/community"],
)  # fmt: skip
def test_pages_of_the_book_link_to_its_feed(site: tuple[TestClient, History], page: str) -> None:
    client, _ = site
    soup = BeautifulSoup(client.get(page).text, "lxml")
    alternate = soup.find("link", rel="alternate", type=ATOM)
    assert alternate is not None and alternate["href"] == "/books/tiny/feed.atom"
    assert "A Tiny Book" in str(alternate["title"])
    assert soup.find("a", href="/books/tiny/feed.atom", string="Feed") is not None


def test_the_community_page_says_who_carries_the_load_and_where_help_is_needed(
    site: tuple[TestClient, History],
) -> None:
    client, history = site
    book = BeautifulSoup(client.get("/books/tiny").text, "lxml")
    assert book.find("a", href="/books/tiny/community") is not None
    response = client.get("/books/tiny/community")
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "lxml")
    summary = {
        text_of(str(stat.select_one("dt"))): text_of(str(stat.select_one("dd")))
        for stat in soup.select("#summary .stat")
    }
    assert summary == {
        "Waiting for a first review": "1 1 open in all",
        "Median wait for a first review": "2 days 90 % within 4 days",
        "Median wait for a decision": "3 days 90 % within 4 days",
        "Reviews in the last 90 days": "5 by 2 people",
    }
    assert text_of(str(soup.select_one("#reviews-said"))) == (
        "One person, bob, did 60 % of the reviews in the last 90 days: if bob stops,"
        " most reviews stop."
    )
    assert text_of(str(soup.select_one("#writing-said"))) == (
        "One person, alice, wrote 70 % of the approved text in the last 90 days: if alice"
        " stops, most new text stops."
    )
    waiting = soup.select("#waiting tbody tr")
    assert len(waiting) == 1
    assert waiting[0].a is not None
    assert waiting[0].a["href"] == f"/proposals/{history.proposals['waiting']}"
    assert "5 days" in waiting[0].get_text()
    authors = [
        [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in soup.select("#authors tbody tr")
    ]
    assert authors == [["alice", "2", "7", "70 %"], ["carol", "1", "3", "30 %"]]
    reviewers = [
        [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in soup.select("#reviewers tbody tr")
    ]
    assert reviewers == [["bob", "3", "60 %"], ["carol", "2", "40 %"]]
    assert soup.select_one("#authors a[href='/people/alice']") is not None
    months = soup.select("#waits-by-month tbody tr")
    assert len(months) == 12 and len(soup.select(".wait-chart .month")) == 12
    assert soup.find("a", href="/books/tiny/queue") is not None
    said = soup.select_one("#needs-said")
    assert said is not None and " ".join(said.get_text().split()) == (
        "6 open needs on the task board: 4 free, 2 taken (someone said “I'm on it”)."
        " Show the free ones."
    )
    assert rows_of(soup, "#needs-by-kind") == [
        ["A figure", "2", "1", "1"], ["A fact check", "1", "0", "1"],
        ["An error a reader reported", "1", "1", "0"], ["Citations", "1", "1", "0"],
        ["Exercises", "1", "1", "0"],
    ]  # fmt: skip
    assert rows_of(soup, "#needs-by-age") == [
        ["Under a week", "2", "1", "1"], ["1 week to a month", "2", "2", "0"],
        ["1 to 3 months", "1", "0", "1"], ["Over 3 months", "1", "1", "0"],
    ]  # fmt: skip
    assert soup.select_one("#needs-by-kind a[href='/books/tiny/needs?kind=figure']") is not None
    start = soup.select_one("#start")
    assert start is not None
    assert start.find("a", href="/books/tiny/needs", string="the task board") is not None
    free = start.find("a", href="/books/tiny/needs?state=free")
    assert free is not None and free.get_text() == "4 needs nobody is on yet"
    # The board, filtered as linked, shows those four.
    board = BeautifulSoup(client.get("/books/tiny/needs?state=free").text, "lxml")
    assert len(board.select("article.need")) == 4
    assert client.get("/books/no-such-book/community").status_code == 404
    hostile = client.get("/books/%3Cscript%3Ealert(1)%3C%2Fscript%3E/community")
    assert hostile.status_code == 404 and "<script>alert" not in hostile.text


def rows_of(soup: BeautifulSoup, table: str) -> list[list[str]]:
    return [
        [cell.get_text(strip=True) for cell in tr.find_all(["th", "td"])]
        for tr in soup.select(f"{table} tbody tr")
    ]


def test_a_book_without_needs_says_so_on_its_community_page(
    history_settings: tuple[Settings, History],
) -> None:
    settings, _ = history_settings
    app = open_textbook(settings)
    app.start_book(NewBook("scratch", "Scratch", "en", "CC0-1.0", ["alice"], "Notes."), "alice")
    app.close()
    with TestClient(create_app(settings)) as client:
        soup = BeautifulSoup(client.get("/books/scratch/community").text, "lxml")
        feed = feedparser.parse(client.get("/books/scratch/feed.atom?only=needs").content)
    assert text_of(str(soup.select_one("#needs-said"))).startswith("Nothing is marked as needed")
    assert soup.select_one("#needs-by-kind") is None
    assert soup.select_one("#start a[href='/books/scratch/needs']") is not None
    assert soup.select_one("#start a[href='/books/scratch/needs?state=free']") is None
    assert not feed.bozo and feed.entries == [] and feed.feed.title == "Scratch: new needs"


def test_a_profile_shows_contributions_reviews_and_books_and_no_email(
    site: tuple[TestClient, History],
) -> None:
    client, history = site
    response = client.get("/people/alice")
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "lxml")
    assert soup.h1 is not None and soup.h1.get_text() == "alice"
    rows = soup.select("#contributions-table tbody tr")
    assert [r.a["href"] for r in rows if r.a] == [
        f"/proposals/{history.proposals[name]}" for name in ("counting", "ruler", "old")
    ]
    assert "A Tiny Book" in rows[0].get_text() and "alice@example.org" not in response.text
    assert [a.get_text() for a in soup.select("#books li a")] == ["A Tiny Book"]
    bob = BeautifulSoup(client.get("/people/bob").text, "lxml")
    verdicts = [s.get_text() for s in bob.select("#reviews-table .status")]
    assert verdicts == ["Approved", "Approved", "Asked for changes", "Approved"]
    assert bob.select_one("#reviews-table a[href='/people/carol']") is not None


@pytest.mark.parametrize(
    "name", ["nobody", "operator", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%3Cb%3Ebold",
             "a" * 300, "%00", "..%2F..%2Fetc%2Fpasswd", "al%20ice"],
)  # fmt: skip
def test_an_unknown_person_is_a_404_that_says_so(
    site: tuple[TestClient, History], name: str
) -> None:
    client, _ = site
    response = client.get(f"/people/{name}")
    assert response.status_code == 404
    assert "<script>alert" not in response.text and "<b>bold" not in response.text
    # A name with a slash in it is no address of a profile at all.
    said = "There is no page" if "%2F" in name else "There is no user"
    assert said in text_of(response.text)


def test_names_on_the_proposal_and_history_pages_link_to_profiles(
    site: tuple[TestClient, History],
) -> None:
    client, history = site
    proposal = BeautifulSoup(client.get(f"/proposals/{history.proposals['gauss']}").text, "lxml")
    assert proposal.find("a", href="/people/carol") is not None
    assert proposal.find("a", href="/people/bob") is not None
    changes = BeautifulSoup(client.get("/books/tiny/changes").text, "lxml")
    assert changes.find("a", href="/people/alice") is not None


def test_a_deleted_book_has_no_feed_nor_community_and_leaves_profiles(
    history_settings: tuple[Settings, History],
) -> None:
    settings, _ = history_settings
    app = open_textbook(settings)
    app.start_book(NewBook("scratch", "Scratch", "en", "CC0-1.0", ["alice"], "Notes."), "alice")
    app.delete_book("scratch", "alice")
    app.close()
    with TestClient(create_app(settings)) as client:
        for page in ("/books/scratch/feed.atom", "/books/scratch/community"):
            assert client.get(page).status_code == 410, page
        profile = BeautifulSoup(client.get("/people/alice").text, "lxml")
    assert [a.get_text() for a in profile.select("#books li a")] == ["A Tiny Book"]


def test_a_profile_pages_its_lists(
    site: tuple[TestClient, History], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, history = site
    monkeypatch.setattr(community_queries, "PROFILE_LIST", 3)
    first = BeautifulSoup(client.get("/people/bob").text, "lxml")
    assert len(first.select("#reviews-table tbody tr")) == 3
    pager = first.select_one("nav[aria-label='Pages of the reviews']")
    assert pager is not None and "Page 1 of 2 · 4 reviews" in pager.get_text()
    older = pager.find("a", rel="next")
    assert older is not None and older["href"] == "?reviews=2&contributions=1#reviews"
    second = BeautifulSoup(client.get("/people/bob?reviews=2&contributions=1").text, "lxml")
    (last,) = second.select("#reviews-table tbody tr")
    assert last.a is not None and last.a["href"] == f"/proposals/{history.proposals['old']}"
    for query in ("reviews=3", "reviews=0", "reviews=abc", "contributions=2", "reviews=9" * 30):
        response = client.get(f"/people/bob?{query}")
        assert response.status_code == 404, query
        assert "There is no page" in text_of(response.text)
