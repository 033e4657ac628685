"""Forks through the web and the API, on real stores: a person forks a book and each book says
so; a book under a no-derivatives licence is refused with the reason and nothing changes; a change
upstream is taken into the fork merged with the fork's own; an overlap is a conflict shown side
by side and never proposed silently; a change made in the fork is offered upstream and approved
there by another person."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from tests.live import Fingerprint, fingerprint_of
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import review, text_of
from tests.web.test_review import soup
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.runner import open_views
from textbook.storage import open_textbook
from textbook.web.app import create_app


class Store:
    """The test's own handle on the store the app serves: to set a scene, and to fingerprint."""

    def __init__(self, settings: Settings) -> None:
        self.app: Textbook = open_textbook(settings)
        self.views = open_views(settings)

    def fingerprint(self) -> Fingerprint:
        return fingerprint_of(self.app, self.views)

    def edit(self, slug: str, old: str, new: str, by: str, approver: str) -> None:
        text = self.app._live_section(self.app.book(slug), "counting").text
        assert old in text
        proposal = self.app.propose_edit(slug, "counting", text.replace(old, new), "Edit", by)
        self.app.review(proposal, "approve", "", approver, version=1)

    def close(self) -> None:
        self.app.close()
        self.views.close()


@pytest.fixture
def store(web_settings: Settings) -> Iterator[Store]:
    opened = Store(web_settings)
    yield opened
    opened.close()


def fork_through_the_web(client: TestClient, title: str = "A Tiny Course") -> str:
    page = client.get("/books/tiny/fork")
    assert page.status_code == 200
    response = client.post(
        "/books/tiny/fork",
        data={"csrf": csrf_of(page.text), "slug": "tiny-course", "title": title},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/books/tiny-course"
    return "tiny-course"


@pytest.fixture
def forked(client: TestClient, store: Store) -> str:
    """mallory forks tiny through the web, and makes carol an editor of the fork."""
    sign_in(client, "mallory")
    fork = fork_through_the_web(client)
    store.app.grant(fork, "carol", "editor", by="mallory")
    return fork


def test_a_signed_in_person_forks_a_book_and_each_book_says_so(
    client: TestClient, store: Store
) -> None:
    page = client.get("/books/tiny")
    assert text_of(page.text, "#forks") == "Forks No forks yet. Sign in to fork this book"
    sign_in(client, "mallory")
    button = soup(client.get("/books/tiny").text).select_one("#forks a.button")
    assert button is not None and button["href"] == "/books/tiny/fork"
    fork_through_the_web(client)

    page = client.get("/books/tiny-course")
    assert text_of(page.text, "h1") == "A Tiny Course"
    said = text_of(page.text, "main .forked-from")
    assert re.fullmatch(
        r"Forked from A Tiny Book on \d+ \w+ \d{4}, \d\d:\d\d UTC by mallory\.", said
    )
    link = soup(page.text).select_one("main .forked-from a")
    assert link is not None and str(link["href"]).startswith("/books/tiny?as_of=2")
    then = client.get(str(link["href"]))  # the upstream as it was at that moment
    assert then.status_code == 200 and text_of(then.text, "h1") == "A Tiny Book"
    history = client.get("/books/tiny-course/history")
    assert text_of(history.text, ".forked-from").startswith("Forked from A Tiny Book on ")
    # The copy was recorded in one go: each revision opens the fork once it was whole.
    moments = set(re.findall(r'href="/books/tiny-course\?as_of=([^"]+)"', history.text))
    assert len(moments) == 1
    whole = client.get(f"/books/tiny-course/chapters/second?as_of={moments.pop()}")
    assert text_of(whole.text, "h1") == "2 Second Thoughts"
    assert "A Tiny Course by mallory" in text_of(client.get("/books/tiny").text, "#forks")
    assert "Counting" in text_of(page.text, ".toc")

    # The same address again, and one that is none: the form again, with what was typed.
    before = store.fingerprint()
    form = client.get("/books/tiny/fork")
    for slug, status, said in (
        ("tiny-course", 409, "already"),
        ("Not A Slug", 422, "cannot be a book's address"),
    ):
        again = client.post(
            "/books/tiny/fork", data={"csrf": csrf_of(form.text), "slug": slug, "title": "Mine"}
        )
        assert again.status_code == status
        assert said in text_of(again.text, "#error")
        assert soup(again.text).select_one("#fork-slug")["value"] == slug  # type: ignore[index]
        assert soup(again.text).select_one("#fork-title")["value"] == "Mine"  # type: ignore[index]
    assert store.fingerprint() == before


def test_a_book_that_allows_no_derivatives_is_refused_with_the_reason(
    client: TestClient, store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "tiny-nd"
    shutil.copytree(FIXTURES / "tiny", folder)
    text = (folder / "book.yaml").read_text().replace("CC-BY-4.0", "CC-BY-ND-4.0")
    (folder / "book.yaml").write_text(text.replace("0b5a4c4e", "1c6b5d5f"))
    import_folder(store.app, folder)
    sign_in(client, "mallory")

    page = client.get("/books/tiny-nd")
    reason = text_of(page.text, "#fork-refusal")
    assert "allows no derivatives: it may be shared only as it is" in reason
    assert soup(page.text).select_one("#forks a.button") is None
    form = client.get("/books/tiny-nd/fork")
    assert "allows no derivatives" in text_of(form.text, "#refusal")
    assert soup(form.text).select_one("#fork-slug") is None

    before = store.fingerprint()
    refused = client.post(
        "/books/tiny-nd/fork", data={"csrf": csrf_of(form.text), "slug": "nd-copy", "title": ""}
    )
    assert refused.status_code == 403
    assert "allows no derivatives" in refused.text
    assert store.fingerprint() == before
    assert client.get("/books/nd-copy").status_code == 404


def test_forks_are_limited_per_person(web_settings: Settings) -> None:
    with TestClient(create_app(dataclasses.replace(web_settings, fork_rate=1))) as client:
        sign_in(client, "mallory")
        fork_through_the_web(client)
        form = client.get("/books/tiny/fork")
        again = client.post(
            "/books/tiny/fork",
            data={"csrf": csrf_of(form.text), "slug": "tiny-again", "title": "Again"},
        )
        assert again.status_code == 429
        assert "1 forks in the last hour" in text_of(again.text, "#error")
        assert int(again.headers["Retry-After"]) > 0
        assert soup(again.text).select_one("#fork-slug")["value"] == "tiny-again"  # type: ignore[index]


def test_an_upstream_change_is_taken_merged_with_the_forks_own(
    client: TestClient, store: Store, forked: str
) -> None:
    store.edit(forked, "One, two, three.", "Un, deux, trois.", "mallory", "carol")
    store.edit("tiny", "print(1 + 1)", "print(2 + 2)", "alice", "bob")

    page = client.get(f"/books/{forked}/upstream")
    assert page.status_code == 200
    change = text_of(page.text, "#change-counting")
    assert "Merges with this book\u2019s changes" in change
    assert "upstream revision 1 → 2; this book changed it too" in change
    assert text_of(page.text, "#change-counting pre.diff ins") == "print(2"  # word by word
    proposed = client.post(
        f"/books/{forked}/upstream/take",
        data={"csrf": csrf_of(page.text), "section": "counting"},
        follow_redirects=False,
    )
    assert proposed.status_code == 303
    proposal = proposed.headers["location"]
    assert proposal.startswith("/proposals/")
    assert review(client, proposal, "approve") == 403  # four eyes in the fork
    sign_in(client, "carol")
    assert review(client, proposal, "approve") == 303

    page = client.get(f"/books/{forked}/chapters/first")
    chapter, code = text_of(page.text, "main"), soup(page.text).select_one("main pre")
    assert "Un, deux, trois." in chapter and "One, two, three." not in chapter
    assert code is not None and "print(2 + 2)" in code.get_text()  # highlighted, word by word
    assert "up to date" in text_of(client.get(f"/books/{forked}/upstream").text, "#up-to-date")


def test_overlapping_edits_are_a_conflict_shown_side_by_side_and_never_proposed_silently(
    client: TestClient, store: Store, forked: str
) -> None:
    store.edit(forked, "Four, five, six.", "Four, five, six, seven.", "mallory", "carol")
    store.edit("tiny", "Four, five, six.", "Four, five and six.", "alice", "bob")

    page = client.get(f"/books/{forked}/upstream")
    assert text_of(page.text, "#change-counting .status") == "Conflict"
    sides = soup(page.text).select("#change-counting .sides pre.diff")
    assert "seven" in sides[0].get_text() and "and six" in sides[1].get_text()
    assert soup(page.text).select_one("#change-counting form") is None  # no "Take" button

    before = store.fingerprint()
    taken = client.post(
        f"/books/{forked}/upstream/take", data={"csrf": csrf_of(page.text), "section": "counting"}
    )
    assert taken.status_code == 409
    assert "both changed the same lines of 'counting'" in text_of(taken.text, "main")
    synced = client.post(
        f"/books/{forked}/upstream/take-all",
        data={"csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert synced.headers["location"].endswith("proposed=0&recorded=0&conflicts=1&refused=0")
    assert "1 conflict to resolve" in text_of(client.get(synced.headers["location"]).text, "#taken")
    assert store.fingerprint() == before

    # The editor resolves it; the domain refuses the text until every marker is gone.
    resolve = client.get(f"/books/{forked}/upstream/counting/resolve")
    marked = text_of(resolve.text, "textarea#resolution")
    assert "<<<<<<< this book" in marked and ">>>>>>> upstream" in marked
    assert text_of(resolve.text, "#first-clash") == "The first clash starts at line 4."
    still = client.post(
        f"/books/{forked}/upstream/take",
        data={"csrf": csrf_of(resolve.text), "section": "counting", "resolution": marked},
    )
    assert still.status_code == 422
    assert "is still a conflict marker" in text_of(still.text, "#error")
    assert "<<<<<<< this book" in text_of(still.text, "textarea#resolution")
    assert store.fingerprint() == before
    resolution = re.sub(
        r"<<<<<<< this book\n.*?>>>>>>> upstream\n",
        "Four, five, six and seven.\n",
        soup(resolve.text).select_one("textarea#resolution").get_text(),  # type: ignore[union-attr]
        flags=re.DOTALL,
    )
    proposed = client.post(
        f"/books/{forked}/upstream/take",
        data={"csrf": csrf_of(resolve.text), "section": "counting", "resolution": resolution},
        follow_redirects=False,
    )
    assert proposed.status_code == 303
    sign_in(client, "carol")
    assert review(client, proposed.headers["location"], "approve") == 303
    chapter = text_of(client.get(f"/books/{forked}/chapters/first").text, "main")
    assert "Four, five, six and seven." in chapter


def test_a_fork_change_is_offered_upstream_and_approved_there_by_another(
    client: TestClient, store: Store, forked: str
) -> None:
    store.edit(forked, "One, two, three.", "One, two, three!", "mallory", "carol")
    page = client.get(f"/books/{forked}/offers")
    assert "Only people who may propose changes to A Tiny Book" in page.text
    assert soup(page.text).select_one("#offer-counting form") is None
    before = store.fingerprint()
    refused = client.post(
        f"/books/{forked}/offers", data={"csrf": csrf_of(page.text), "section": "counting"}
    )
    assert refused.status_code == 403
    assert "mallory is not a member of the book 'tiny'" in text_of(refused.text, "main")
    assert store.fingerprint() == before

    sign_in(client, "carol")  # an editor of both books
    page = client.get(f"/books/{forked}/offers")
    assert "three!" in text_of(page.text, "#offer-counting pre.diff ins")
    offered = client.post(
        f"/books/{forked}/offers",
        data={"csrf": csrf_of(page.text), "section": "counting"},
        follow_redirects=False,
    )
    assert offered.status_code == 303
    proposal = offered.headers["location"]
    assert "A Tiny Book" in text_of(client.get(proposal).text, "header")
    assert review(client, proposal, "approve") == 403  # who offers it does not approve it
    sign_in(client, "bob")
    assert review(client, proposal, "approve") == 303
    assert "One, two, three!" in text_of(client.get("/books/tiny/chapters/first").text, "main")


def test_the_api_forks_and_lists_the_changes_upstream(
    client: TestClient, store: Store, tmp_path: Path
) -> None:
    token = store.app.create_token("mallory")
    auth = {"Authorization": f"Bearer {token}"}
    made = client.post("/api/books/tiny/forks", json={"slug": "tiny-api"}, headers=auth)
    assert made.status_code == 201
    assert made.headers["location"] == "/api/books/tiny-api"
    assert made.json() == {
        "slug": "tiny-api",
        "title": "A Tiny Book",
        "upstream": "tiny",
        "sections": 5,
        "images": 1,
    }
    assert client.get("/api/books/tiny-api").status_code == 200

    before = store.fingerprint()
    for body, status, kind in (
        ({"slug": "tiny-api"}, 409, "SlugTaken"),
        ({"slug": "Not A Slug"}, 422, "InvalidInput"),
        ({"slug": "ok-slug", "colour": "red"}, 422, "InvalidInput"),
    ):
        refused = client.post("/api/books/tiny/forks", json=body, headers=auth)
        assert (refused.status_code, refused.json()["error"]["type"]) == (status, kind)
    assert client.post("/api/books/tiny/forks", json={"slug": "x-y"}).status_code == 401
    folder = tmp_path / "tiny-nd"
    shutil.copytree(FIXTURES / "tiny", folder)
    text = (folder / "book.yaml").read_text().replace("CC-BY-4.0", "CC-BY-NC-ND-4.0")
    (folder / "book.yaml").write_text(text.replace("0b5a4c4e", "1c6b5d5f"))
    import_folder(store.app, folder)
    before = store.fingerprint()
    refused = client.post("/api/books/tiny-nd/forks", json={"slug": "nd-copy"}, headers=auth)
    assert refused.status_code == 403
    assert refused.json()["error"]["type"] == "LicenceRefused"
    assert "allows no derivatives" in refused.json()["error"]["message"]
    assert store.fingerprint() == before

    assert client.get("/api/books/tiny/upstream").json() == {"upstream": None, "changes": []}
    store.edit("tiny", "print(1 + 1)", "print(2 + 2)", "alice", "bob")
    listed = client.get("/api/books/tiny-api/upstream").json()
    assert listed["upstream"]["slug"] == "tiny"
    (change,) = listed["changes"]
    assert change["section"] == "counting" and change["kind"] == "changed"
    assert (change["taken_revision"], change["upstream_revision"]) == (1, 2)
    assert (change["fork_changed"], change["conflict"]) == (False, False)
    assert "-print(1 + 1)\n+print(2 + 2)\n" in change["diff"]
