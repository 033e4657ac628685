"""The web asks the domain and never decides: four eyes refused alike by the API and the pages,
and a refused form comes back with its error and what the person typed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import event_count
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import text_of
from tests.web.test_review import counting, propose_edit
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.storage import open_textbook

SELF_REVIEW = "cannot request changes to or reject their own proposal"


@pytest.fixture
def store(web_settings: Settings) -> Iterator[Textbook]:
    app = open_textbook(web_settings)
    yield app
    app.close()


def test_an_editor_cannot_decide_on_their_own_proposal_through_the_api(
    client: TestClient, store: Textbook
) -> None:
    token = {"Authorization": f"Bearer {store.create_token('bob')}"}
    opened = client.post(
        "/api/books/tiny/sections/counting/proposals",
        json={"base_revision": 1, "text": counting("One, two, three, go.")},
        headers=token,
    )
    assert opened.status_code == 201, opened.text
    reviews = f"/api/proposals/{opened.json()['id']}/reviews"
    before = event_count(store), client.get("/api/books/tiny/proposals").json()
    for verdict in ("request_changes", "reject"):
        refused = client.post(reviews, json={"verdict": verdict, "comment": "Hm"}, headers=token)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["type"] == "SelfReviewRefused"
        assert SELF_REVIEW in refused.json()["error"]["message"]
    assert (event_count(store), client.get("/api/books/tiny/proposals").json()) == before
    commented = client.post(reviews, json={"verdict": "comment", "comment": "Hm"}, headers=token)
    assert commented.status_code == 201


def test_an_editor_cannot_decide_on_their_own_proposal_through_the_pages(
    client: TestClient, store: Textbook
) -> None:
    sign_in(client, "bob")
    proposal = propose_edit(client, "counting", counting("One, two, three, go."), "Go")
    page = client.get(proposal)
    assert "Reject…" not in page.text and "Request changes" not in page.text
    before = event_count(store), text_of(page.text, ".thread")
    for verdict in ("request_changes", "reject"):
        refused = client.post(
            f"{proposal}/review",
            data={"csrf": csrf_of(page.text), "verdict": verdict, "comment": "Hm",
                  "version": "1", "confirmed": "yes"},
        )  # fmt: skip
        assert refused.status_code == 403
        assert SELF_REVIEW in text_of(refused.text, "main")
    # Not even asked to confirm a rejection the domain refuses.
    asked = client.post(
        f"{proposal}/review",
        data={"csrf": csrf_of(page.text), "verdict": "reject", "comment": "Hm", "version": "1"},
    )
    assert asked.status_code == 403
    assert (event_count(store), text_of(client.get(proposal).text, ".thread")) == before


def test_a_refused_new_section_comes_back_with_its_text_and_the_domains_error(
    client: TestClient, store: Textbook
) -> None:
    sign_in(client, "alice")
    page = client.get("/books/tiny/new?chapter=first")
    text = "## Tallying {#Not An Id}\n\nFive strokes make a gate.\n"
    before = event_count(store)
    refused = client.post(
        "/books/tiny/new",
        data={"csrf": csrf_of(page.text), "kind": "section", "place": "first/counting",
              "text": text, "message": "Tally"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "is not a valid id" in text_of(refused.text, ".form-error")
    assert text_of(refused.text, "textarea#text") == text.strip()
    assert 'value="Tally"' in refused.text
    assert event_count(store) == before


def test_a_refused_image_comes_back_with_what_was_typed(
    client: TestClient, store: Textbook
) -> None:
    sign_in(client, "alice")
    page = client.get("/books/tiny/images")
    before = event_count(store)
    refused = client.post(
        "/books/tiny/images",
        data={"csrf": csrf_of(page.text), "name": "chart.svg", "section": "counting",
              "message": "A chart"},
        files={"image": ("chart.svg", b"not an image", "image/svg+xml")},
    )  # fmt: skip
    assert refused.status_code == 422
    assert text_of(refused.text, ".form-error").startswith("chart.svg: ")
    assert 'value="A chart"' in refused.text and 'value="chart.svg"' in refused.text
    assert event_count(store) == before


def test_a_refused_sign_up_keeps_the_name_and_email(client: TestClient) -> None:
    page = client.get("/signup")
    refused = client.post(
        "/signup",
        data={"csrf": csrf_of(page.text), "name": "newton", "email": "isaac@example.org",
              "password": "short"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert 'value="newton"' in refused.text and 'value="isaac@example.org"' in refused.text
