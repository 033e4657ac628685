"""Named editions tried by someone who wants around the rules: marking one without being an
editor, without a form's token, for another book, under names that would show something else
than they say; reaching another book's editions, or files beside them, through the addresses of
downloads and comparisons. After every refusal the store, its read models and the build folder
are as they were."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from tests.live import Fingerprint, fingerprint_of
from tests.web.conftest import csrf_of, sign_in
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.runner import open_views
from textbook.projections.views import ReadModels
from textbook.storage import open_textbook


class Store:
    """The test's own handle on the store the web app serves."""

    def __init__(self, settings: Settings) -> None:
        self.app: Textbook = open_textbook(settings)
        self.views: ReadModels = open_views(settings)
        self.build_dir = settings.build_dir

    def fingerprint(self) -> tuple[Fingerprint, frozenset[Path]]:
        files = frozenset(self.build_dir.rglob("*")) if self.build_dir.exists() else frozenset()
        return fingerprint_of(self.app, self.views), files

    def close(self) -> None:
        self.app.close()
        self.views.close()


@pytest.fixture
def store(web_settings: Settings) -> Iterator[Store]:
    """The tiny book (alice authors, bob and carol edit) with its edition "First edition", and
    mia's book `searchable`, where nobody else has a role, with its edition "Secret draft"."""
    opened = Store(web_settings)
    import_folder(opened.app, FIXTURES / "searchable")
    opened.app.mark_edition("tiny", "First edition", "bob")
    opened.app.mark_edition("searchable", "Secret draft", "mia")
    yield opened
    opened.close()


def editions_form(client: TestClient, who: str | None) -> str:
    """The CSRF token of the editions page, as `who` (None: nobody signed in) sees it."""
    if who is None:
        return csrf_of(client.get("/signin").text)
    sign_in(client, who)
    return csrf_of(client.get("/books/tiny/editions").text)


def test_only_an_editor_with_the_page_s_token_marks_an_edition(
    client: TestClient, store: Store
) -> None:
    before = store.fingerprint()
    anonymous = client.post(
        "/books/tiny/editions",
        data={"csrf": editions_form(client, None), "name": "Anonymous"},
        follow_redirects=False,
    )
    assert anonymous.status_code in (303, 401, 403)
    assert "/signin" in anonymous.headers.get("location", "/signin")
    for who in ("alice", "mallory"):  # an author; a stranger to the book
        token = editions_form(client, who)
        refused = client.post("/books/tiny/editions", data={"csrf": token, "name": f"{who}'s"})
        assert refused.status_code == 403, who
        assert f"{who} is not an editor of the book" in refused.text
        client.post("/signout", data={"csrf": token})
    # bob edits tiny, not searchable: the form of one book does not mark the other
    token = editions_form(client, "bob")
    other = client.post("/books/searchable/editions", data={"csrf": token, "name": "Bob's"})
    assert other.status_code == 403 and "bob is not an editor of the book" in other.text
    smuggled = client.post(
        "/books/tiny/editions",
        data={"csrf": token, "name": "Smuggled", "slug": "searchable", "book": "searchable"},
        follow_redirects=False,
    )  # the book is the one of the address: a field the form does not have is not read
    assert smuggled.status_code == 303
    assert "smuggled" in store.app.book("tiny").editions
    assert "smuggled" not in store.app.book("searchable").editions
    before = store.fingerprint()
    for data in ({"name": "No token"}, {"csrf": "forged", "name": "Forged token"}):
        forged = client.post("/books/tiny/editions", data=data)
        assert forged.status_code == 403, data
    as_json = client.post("/books/tiny/editions", json={"csrf": token, "name": "As JSON"})
    assert as_json.status_code == 415
    client.post("/signout", data={"csrf": token})
    replayed = client.post(
        "/books/tiny/editions", data={"csrf": token, "name": "Replayed"}, follow_redirects=False
    )
    assert replayed.status_code in (303, 401, 403)
    api = client.post("/api/books/tiny/editions", json={"name": "Through the API"})
    assert api.status_code in (401, 403, 405)
    assert store.fingerprint() == before


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("\u202etide tsriF", "override the direction"),  # shows as "First edit"
        ("Second \u2066edition\u2069", "override the direction"),
        ("Second\u2028edition", "without control characters"),
        ("Second\x1b[31medition", "without control characters"),
        ("x" * 10_000, "at most 80 characters; this one has 10000"),
        ("first-edition!!", "already has an edition named"),
        ("FIRST \u00a0EDITION", "already has an edition named"),
        (" NOW! ", "the text as it is now"),  # ?to=now is the book now, never this edition
    ],
)
def test_names_that_would_show_otherwise_or_clash_are_refused(
    client: TestClient, store: Store, name: str, says: str
) -> None:
    token = editions_form(client, "bob")
    before = store.fingerprint()
    refused = client.post("/books/tiny/editions", data={"csrf": token, "name": name})
    assert refused.status_code in (409, 422)
    message = BeautifulSoup(refused.text, "html.parser").select_one(".form-error")
    assert message is not None and says in message.get_text()
    assert store.fingerprint() == before


def test_a_name_that_looks_like_markup_is_shown_and_printed_as_the_text_it_is(
    client: TestClient, store: Store
) -> None:
    name = '<script>alert(1)</script><img src="http://127.0.0.1:9/x.png">'
    token = editions_form(client, "bob")
    marked = client.post(
        "/books/tiny/editions", data={"csrf": token, "name": name}, follow_redirects=False
    )
    assert marked.status_code == 303
    slug = marked.headers["location"].rpartition("#edition-")[2]
    assert slug == "script-alert-1-script-img-src-http-127-0-0-1-9-x-png"
    page = client.get("/books/tiny/editions")
    assert "<script>alert(1)" not in page.text and "<img src=" not in page.text
    shown = BeautifulSoup(page.text, "html.parser").select_one(f"#edition-{slug} h2")
    assert shown is not None and name in shown.get_text()
    between = {"from": "first-edition", "to": slug}
    compare = client.get("/books/tiny/editions/compare", params=between)
    assert compare.status_code == 200 and "<script>alert(1)" not in compare.text
    assert name in BeautifulSoup(compare.text, "html.parser").get_text()
    api = client.get("/api/books/tiny/editions").json()
    assert name in str(api)
    pdf = client.get("/books/tiny/editions/compare.pdf", params=between)
    assert pdf.status_code == 200
    text = " ".join(
        " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "<script>alert(1)</script>" in text


def test_addresses_reach_no_other_book_s_edition_and_no_file(
    client: TestClient, store: Store
) -> None:
    before = store.fingerprint()
    bad = {
        # another book's edition, by its slug and by its name
        "/books/tiny/editions/secret-draft/download/epub": 404,
        "/books/tiny/editions/Secret%20draft/download/pdf": 404,
        "/books/tiny/editions/compare?from=secret-draft": 404,
        "/books/tiny/editions/compare?from=first-edition&to=secret-draft": 404,
        "/books/tiny/editions/compare.pdf?from=secret-draft&to=now": 404,
        # files beside the editions' folders
        "/books/tiny/editions/..%2f..%2f..%2fetc%2fpasswd/download/epub": 404,
        "/books/tiny/editions/..%2fsearchable%2fsecret-draft/download/epub": 404,
        "/books/tiny/editions/first-edition/download/..%2f..%2fstore.sqlite": 404,
        "/books/tiny/editions/first-edition/download/%2e%2e": 404,
        "/books/tiny/editions/%00/download/epub": 400,
        "/books/tiny/editions/compare?from=first-edition%00": 400,
        "/books/tiny/editions/compare?from=" + "a" * 10_000: 400,
        "/books/tiny/editions/compare?from=first-edition&to=" + "b" * 10_000: 400,
    }
    for url, status in bad.items():
        answer = client.get(url)
        assert answer.status_code == status, (url[:120], answer.status_code)
        assert answer.headers["content-type"].startswith("text/html"), url[:120]  # no download
        assert "root:" not in answer.text
    # repeated, equal or missing ends: an answer about tiny's edition, or a refusal
    repeated = client.get(
        "/books/tiny/editions/compare?from=secret-draft&from=first-edition&to=now&to=now"
    )
    assert repeated.status_code in (200, 404) and "Secret draft" not in repeated.text
    same = client.get("/books/tiny/editions/compare?from=first-edition&to=first-edition")
    assert same.status_code == 200 and "Secret draft" not in same.text
    assert store.fingerprint() == before
