"""Time travel in the reader: links that stay in the version read, dates, and the book's start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import propose, review


def hrefs(html: str, selector: str) -> list[str]:
    return [str(a["href"]) for a in BeautifulSoup(html, "html.parser").select(selector)]


def test_links_between_chapters_open_the_served_chapter(client: TestClient) -> None:
    page = client.get("/books/tiny/chapters/first")
    assert "second#summing" in hrefs(page.text, "article a")
    assert client.get("/books/tiny/chapters/second").status_code == 200


def test_links_in_an_old_version_stay_in_it(client: TestClient) -> None:
    moment = datetime.now(UTC).isoformat()
    page = client.get("/books/tiny/chapters/first", params={"as_of": moment})
    assert page.status_code == 200
    links = hrefs(page.text, "article a[href^=second]") + hrefs(page.text, "nav.chapter-nav a")
    assert links and all("as_of=" in link for link in links), links
    contents = client.get("/books/tiny", params={"as_of": moment})
    assert all("as_of=" in h for h in hrefs(contents.text, "nav.toc a"))


def test_a_plain_date_is_the_end_of_that_day(client: TestClient) -> None:
    today = datetime.now(UTC).date().isoformat()
    page = client.get("/books/tiny", params={"as_of": today})
    assert page.status_code == 200
    assert "23:59 UTC" in page.text


def test_a_moment_before_the_book_says_so_and_links_its_first_version(
    client: TestClient,
) -> None:
    page = client.get("/books/tiny", params={"as_of": "2000-01-01"})
    assert page.status_code == 404
    soup = BeautifulSoup(page.text, "html.parser")
    assert "did not exist yet" in soup.h1.get_text()  # type: ignore[union-attr]
    first = soup.find("a", string="Read the first version of the book")
    assert first is not None
    assert client.get(str(first["href"])).status_code == 200
    assert (
        client.get("/books/tiny/chapters/first", params={"as_of": "2000-01-01"}).status_code == 404
    )


def test_every_history_link_opens_the_book_showing_that_revision(client: TestClient) -> None:
    sign_in(client, "alice")
    proposal = propose(client)
    sign_in(client, "bob")
    review(client, proposal, "approve")
    history = client.get("/books/tiny/history")
    moments = hrefs(history.text, "a:-soup-contains('the book at this moment')")
    assert len(moments) >= 2
    for link in moments:
        assert client.get(link).status_code == 200, link
    permalinks = hrefs(history.text, ".revision h2 a")
    assert permalinks and all(client.get(link).status_code == 200 for link in permalinks)


def test_history_is_paginated(client: TestClient) -> None:
    first = client.get("/books/tiny/history", params={"page": "1"})
    assert first.status_code == 200
    assert client.get("/books/tiny/history", params={"page": "99"}).status_code == 404
    assert client.get("/books/tiny/history", params={"page": "x"}).status_code == 404


def test_future_dates_and_nonsense_are_clear(client: TestClient) -> None:
    later = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    assert client.get("/books/tiny", params={"as_of": later}).status_code == 200
    assert client.get("/books/tiny", params={"as_of": "9999-12-31"}).status_code == 200
    assert client.get("/books/tiny", params={"as_of": "yesterday"}).status_code == 400


def test_a_preview_links_to_ids_elsewhere_in_the_book_where_they_are(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get("/books/tiny/sections/counting/edit")
    text = "## Counting {#counting}\n\nAs [Summing](#summing) shows, and [here](#counting).\n"
    response = client.post(
        "/preview", data={"csrf": csrf_of(page.text), "book": "tiny", "text": text}
    )
    assert response.status_code == 200, response.text
    links = hrefs(response.json()["html"], "a")
    assert "/books/tiny/chapters/second#summing" in links
    assert "#counting" in links  # an id of the text itself stays in the preview
