"""Starting a book, its first chapter, its details and its archive, as people meet them on the
web and through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import httpx2
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import review, text_of
from textbook.config import Settings
from textbook.storage import open_textbook
from textbook.web.starting import START_LIMIT

FIRST = "# Why Count {#why-count}\n\nBecause sheep wander off.\n"
ALGEBRA = {
    "slug": "algebra",
    "title": "Algebra for Everyone",
    "subtitle": "",
    "language": "en",
    "license": "CC-BY-SA-4.0",
    "authors": "Alice Author\nBob Builder",
    "description": "Letters that stand for numbers.",
}


def start(client: TestClient, **fields: str) -> httpx2.Response:
    page = client.get("/start")
    assert page.status_code == 200
    return client.post(
        "/start", data={"csrf": csrf_of(page.text), **ALGEBRA, **fields}, follow_redirects=False
    )


def post_form(client: TestClient, page_url: str, action: str, data: dict[str, str]) -> str:
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    response = client.post(
        action, data={"csrf": csrf_of(page.text), **data}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_a_person_starts_a_book_and_another_approves_its_first_chapter(
    client: TestClient,
) -> None:
    # Signed out, the books list offers no "Start a book"; /start asks to sign in.
    assert client.get("/").text.count('href="/start"') == 0
    assert client.get("/start", follow_redirects=False).status_code == 303

    sign_in(client, "alice")
    assert text_of(client.get("/").text, "#start-a-book") == "Start a book"

    # A slug that names a page is refused, the form keeping what was typed.
    refused = start(client, slug="new")
    assert refused.status_code == 422
    assert "names a page of the site" in text_of(refused.text, ".form-error")
    assert 'value="Algebra for Everyone"' in refused.text
    assert "Alice Author\nBob Builder" in refused.text
    assert 'id="slug" name="slug"' in refused.text and 'aria-invalid="true"' in refused.text

    started = start(client)
    assert started.status_code == 303
    page = client.get(started.headers["location"])
    assert text_of(page.text, "h1") == "Algebra for Everyone"
    assert text_of(page.text, ".book-authors") == "Alice Author and Bob Builder"
    assert "you are its maintainer" in text_of(page.text, "#started")
    assert text_of(page.text, "#first-step h2") == "This book has no chapter yet"
    contribute = text_of(page.text, "#contribute")
    assert "Its members propose changes" in contribute
    assert "Propose the first chapter" in contribute
    assert "the proposals waiting" in contribute and "CC-BY-SA-4.0" in contribute
    assert "Algebra for Everyone" in text_of(client.get("/").text, ".book-list")

    # Taken now, for everyone.
    assert start(client, title="Another").status_code == 409

    # Alice makes bob an editor, and proposes the first chapter.
    post_form(
        client,
        "/books/algebra/settings",
        "/books/algebra/settings",
        {"action": "grant", "name": "bob", "role": "editor"},
    )
    proposal = post_form(
        client,
        "/books/algebra/new?kind=chapter",
        "/books/algebra/new",
        {"kind": "chapter", "after": "", "text": FIRST, "message": "The first chapter"},
    )
    assert "as the first chapter" in client.get(proposal).text
    assert review(client, proposal, "approve") == 403  # four eyes
    sign_in(client, "bob")
    assert review(client, proposal, "approve") == 303

    page = client.get("/books/algebra")
    assert text_of(page.text, ".toc ol") == "Why Count"
    chapter = client.get("/books/algebra/chapters/why-count")
    assert "Because sheep wander off." in text_of(chapter.text, "main")


def test_details_change_through_a_reviewed_proposal_shown_in_history_and_blame(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    # A licence not on the SPDX list: refused, with what was typed kept.
    page = client.get("/books/tiny/details/propose")
    assert page.status_code == 200
    assert 'id="title" name="title" type="text" required maxlength="200" value="A Tiny Book"' in (
        page.text
    )
    data = {
        "csrf": csrf_of(page.text),
        "title": "Tiny, Counted",
        "subtitle": "A first book",
        "authors": "Mia\nAlice",
        "description": "Counting and summing.",
        "license": "CC-BY-9.9",
        "cover": "",
        "message": "A truer title",
    }
    refused = client.post("/books/tiny/details/propose", data=data, follow_redirects=False)
    assert refused.status_code == 422
    assert "'CC-BY-9.9' is not a licence id" in text_of(refused.text, ".form-error")
    assert 'value="Tiny, Counted"' in refused.text

    response = client.post(
        "/books/tiny/details/propose",
        data=data | {"csrf": csrf_of(refused.text), "license": "CC-BY-SA-4.0"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    proposal = response.headers["location"]
    page = client.get(proposal)
    assert "A change to the book's details" in text_of(page.text, "main")
    rows = text_of(page.text, "#details-changes")
    assert "Title A Tiny Book Tiny, Counted" in rows
    assert "Licence CC-BY-4.0 CC-BY-SA-4.0" in rows
    assert review(client, proposal, "approve") == 403  # alice wrote it
    assert text_of(client.get("/books/tiny").text, "h1") == "A Tiny Book"

    sign_in(client, "carol")
    assert review(client, proposal, "approve", "Better.") == 303
    book = client.get("/books/tiny")
    assert text_of(book.text, "h1") == "Tiny, Counted"
    assert text_of(book.text, ".subtitle") == "A first book"
    assert "CC BY-SA 4.0" in text_of(book.text, "#licence-heading + p")

    history = client.get("/books/tiny/history")
    assert "alice changed title, subtitle, authors, description, licence, approved by carol" in (
        text_of(history.text, "#details-changes")
    )
    blame = text_of(client.get("/books/tiny/details").text, "#blame")
    assert "Title Tiny, Counted alice, approved by carol" in blame
    api = client.get("/api/books/tiny").json()
    assert (api["title"], api["license"]) == ("Tiny, Counted", "CC-BY-SA-4.0")


def test_the_api_starts_a_book_and_proposes_its_details(
    client: TestClient, web_settings: Settings
) -> None:
    store = open_textbook(web_settings)
    alice, bob = store.create_token("alice"), store.create_token("bob")
    store.close()
    as_alice = {"Authorization": f"Bearer {alice}"}
    body = {
        "slug": "geometry",
        "title": "Geometry",
        "language": "fr",
        "license": "CC0-1.0",
        "authors": ["Alice"],
        "description": "Points et droites.",
    }
    assert client.post("/api/books", json=body).status_code == 401
    created = client.post("/api/books", json=body, headers=as_alice)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/books/geometry"
    assert created.json()["title"] == "Geometry" and created.json()["language"] == "fr"
    taken = client.post("/api/books", json=body, headers=as_alice)
    assert (taken.status_code, taken.json()["error"]["type"]) == (409, "SlugTaken")
    wrong = client.post("/api/books", json=body | {"slug": "api"}, headers=as_alice)
    assert (wrong.status_code, wrong.json()["error"]["type"]) == (422, "InvalidDetails")

    sign_in(client, "alice")
    post_form(
        client,
        "/books/geometry/settings",
        "/books/geometry/settings",
        {"action": "grant", "name": "bob", "role": "editor"},
    )
    proposed = client.post(
        "/api/books/geometry/details/proposals",
        json={"title": "Géométrie", "license": "CC0-1.0", "message": "En français"},
        headers=as_alice,
    )
    assert proposed.status_code == 201, proposed.text
    found = proposed.json()
    assert found["kind"] == "details" and "title: Géométrie" in found["text"]
    mine = client.post(
        f"/api/proposals/{found['id']}/reviews",
        json={"verdict": "approve", "version": 1},
        headers=as_alice,
    )
    assert (mine.status_code, mine.json()["error"]["type"]) == (403, "SelfApprovalRefused")
    approved = client.post(
        f"/api/proposals/{found['id']}/reviews",
        json={"verdict": "approve", "version": 1},
        headers={"Authorization": f"Bearer {bob}"},
    )
    assert approved.status_code == 201, approved.text
    book = client.get("/api/books/geometry").json()
    assert (book["title"], book["authors"], book["description"]) == ("Géométrie", [], "")


def test_one_person_starts_a_bounded_number_of_books_a_day(
    client: TestClient, web_settings: Settings
) -> None:
    store = open_textbook(web_settings)
    token = store.create_token("mallory")
    store.close()
    headers = {"Authorization": f"Bearer {token}"}
    for number in range(START_LIMIT):
        body = {"slug": f"spam-{number}", "title": "Spam", "language": "en", "license": "MIT"}
        assert client.post("/api/books", json=body, headers=headers).status_code == 201
    body = {"slug": "spam-more", "title": "Spam", "language": "en", "license": "MIT"}
    refused = client.post("/api/books", json=body, headers=headers)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 3600
    assert "in the last day" in refused.json()["error"]["message"]
    assert client.get("/api/books/spam-more").status_code == 404
    # A refused request (a taken slug) costs nothing, and others may still start books.
    sign_in(client, "alice")
    assert start(client, slug="spam-more").status_code == 303


def test_archive_closes_a_book_and_deleting_hides_one_only_its_starter_worked_on(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    assert start(client).status_code == 303
    settings = client.get("/books/algebra/settings")
    assert "Delete…" in text_of(settings.text, "main")
    sign_in(client, "mia")  # mia maintains tiny, which others work on: archive only
    settings = client.get("/books/tiny/settings")
    assert "Archive…" in text_of(settings.text, "main")
    assert "Delete…" not in text_of(settings.text, "main")
    confirm = client.get("/books/tiny/archive")
    assert text_of(confirm.text, "h1") == "Archive this book?"
    assert (
        client.post("/books/tiny/archive", data={"csrf": csrf_of(confirm.text)}).status_code == 200
    )
    assert "Archived" not in text_of(client.get("/books/tiny").text, "h1 ~ *, .notice, main")
    post_form(client, "/books/tiny/archive", "/books/tiny/archive", {"confirmed": "yes"})
    book = client.get("/books/tiny")
    assert "This book is archived" in text_of(book.text, "#archived")
    home = client.get("/")
    assert "Tiny" in text_of(home.text, ".book-list.archived")
    assert "Tiny" not in text_of(home.text, ".book-list:not(.archived)")
    # Proposals are refused, with the reason.
    sign_in(client, "alice")
    page = client.get("/books/tiny/sections/counting/edit")
    refused = client.post(
        "/books/tiny/sections/counting/edit",
        data={"csrf": csrf_of(page.text), "text": "## Counting {#counting}\n\nNo.\n",
              "message": "x", "base_revision": "1"},
    )  # fmt: skip
    assert refused.status_code == 403
    assert "is archived" in text_of(refused.text, "main")
    delete = client.get("/books/tiny/delete")
    answer = client.post(
        "/books/tiny/delete", data={"csrf": csrf_of(delete.text), "confirmed": "yes"}
    )
    assert answer.status_code == 403
    assert "alice is not a maintainer of the book 'tiny'" in text_of(answer.text, "main")
    sign_in(client, "mia")  # mia imported tiny, which others took part in
    delete = client.get("/books/tiny/delete")
    answer = client.post(
        "/books/tiny/delete", data={"csrf": csrf_of(delete.text), "confirmed": "yes"}
    )
    assert answer.status_code == 403
    assert "other people have taken part in it" in text_of(answer.text, "main")
    assert client.get("/books/tiny").status_code == 200
    sign_in(client, "alice")

    # Alice deletes the book she started and nobody else touched: gone, its record kept.
    post_form(client, "/books/algebra/delete", "/books/algebra/delete", {"confirmed": "yes"})
    gone = client.get("/books/algebra")
    assert gone.status_code == 410
    assert "was deleted by the person who started it" in text_of(gone.text, "main")
    assert client.get("/api/books/algebra").status_code == 410
    assert "Algebra" not in text_of(client.get("/").text, "main")
    assert re.search("already taken", start(client).text)


def test_the_author_revises_a_details_proposal_on_the_details_form(client: TestClient) -> None:
    sign_in(client, "alice")
    fields = {"title": "Tiny", "subtitle": "", "authors": "Mia", "description": "",
              "license": "CC-BY-4.0", "cover": "", "message": "Shorter"}  # fmt: skip
    proposal = post_form(
        client, "/books/tiny/details/propose", "/books/tiny/details/propose", fields
    )
    form = client.get(f"{proposal}/revise")
    assert form.url.path == "/books/tiny/details/propose"
    assert 'value="Tiny"' in form.text and f'name="revise" value="{proposal[11:]}"' in form.text
    revised = client.post(
        "/books/tiny/details/propose",
        data={
            "csrf": csrf_of(form.text),
            **fields,
            "title": "Tiny Tales",
            "revise": proposal[11:],
            "message": "Tales",
        },
        follow_redirects=False,
    )
    assert revised.headers["location"] == proposal
    page = client.get(proposal)
    assert text_of(page.text, "#version") == "2"
    assert "Title A Tiny Book Tiny Tales" in text_of(page.text, "#details-changes")
    assert "Details" in text_of(client.get("/books/tiny/queue").text, "#queue")


def test_an_archived_books_chapters_say_so_and_offer_no_edit(client: TestClient) -> None:
    sign_in(client, "mia")
    chapter = client.get("/books/tiny/chapters/first")
    assert "/sections/counting/edit" in chapter.text
    post_form(client, "/books/tiny/archive", "/books/tiny/archive", {"confirmed": "yes"})
    chapter = client.get("/books/tiny/chapters/first")
    assert "This book is archived" in text_of(chapter.text, "#archived")
    assert "/sections/counting/edit" not in chapter.text
    post_form(client, "/books/tiny/unarchive", "/books/tiny/unarchive", {"confirmed": "yes"})
    assert "/sections/counting/edit" in client.get("/books/tiny/chapters/first").text
