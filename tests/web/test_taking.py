"""Through the web: a section of another book taken into this one as a proposal, refused with
the reason when the licences do not fit; a hand copy flagged on the proposal's page, its
approval refused until its author marks the source, then approved and credited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.conftest import import_folder
from tests.domain.test_copies import NEAR_COPY, ORIGINAL
from tests.live import fingerprint_of
from tests.web.conftest import csrf_of, sign_in
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.publishing.editions import book_to_build
from textbook.projections.publishing.pipeline import build
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views
from textbook.projections.views import ReadModels
from textbook.storage import open_textbook


def write_book(folder: Path, slug: str, title: str, licence: str) -> Path:
    folder = folder / slug
    folder.mkdir()
    (folder / "book.yaml").write_text(
        f"title: {title}\nlanguage: en\nlicense: {licence}\n"
        f"identifier: urn:uuid:7b3e2d4f-9a1c-4d5e-8f6a-{abs(hash(slug)) % 10**12:012d}\n"
        "authors: [Rosalind Franklin]\nchapters:\n  - roots.md\n"
    )
    (folder / "roots.md").write_text(
        f"# Roots {{#roots-{slug}}}\n\nZeros.\n\n## Halving {{#halving-{slug}}}\n\n{ORIGINAL}\n"
    )
    return folder


@pytest.fixture
def store(web_settings: Settings, tmp_path: Path) -> Iterator[tuple[Textbook, ReadModels]]:
    """Two more books by rosa: one CC BY-SA, one CC0."""
    app, views = open_textbook(web_settings), open_views(web_settings)
    app.register_user("rosa", "rosa@example.org", "correct horse")
    import_folder(app, write_book(tmp_path, "shared", "Shared Roots", "CC-BY-SA-4.0"), by="rosa")
    import_folder(app, write_book(tmp_path, "free", "Free Roots", "CC0-1.0"), by="rosa")
    yield app, views
    app.close()
    views.close()


def text_of(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text().split())


def test_a_section_taken_from_another_book_is_proposed_reviewed_and_credited(
    client: TestClient, store: tuple[Textbook, ReadModels]
) -> None:
    app, views = store
    sign_in(client, "alice")
    page = client.get("/books/tiny")
    assert "/books/tiny/take" in page.text
    form = client.get("/books/tiny/take?from=shared")
    assert form.status_code == 200
    assert "Shared Roots" in form.text and "§1.1 “Halving”" in form.text

    before = fingerprint_of(app, views)
    fields = {"csrf": csrf_of(form.text), "from": "shared", "piece": "halving-shared",
              "place": "first/"}  # fmt: skip
    refused = client.post("/books/tiny/take", data=fields)
    assert refused.status_code == 403
    said = text_of(refused.text)
    assert "ShareAlike" in said and "not under Creative Commons Attribution 4.0" in said
    assert fingerprint_of(app, views) == before

    taken = client.post(
        "/books/tiny/take", data=fields | {"from": "free", "piece": "halving-free"},
        follow_redirects=False,
    )  # fmt: skip
    assert taken.status_code == 303
    proposal = taken.headers["location"]
    shown = text_of(client.get(proposal).text)
    assert "Marked as taken from: the section halving-free of free" in shown
    assert "version 2 of the proposal" in shown
    assert "without saying so" not in shown  # found in the book it is taken from: marked
    assert "Marked as taken." in shown

    sign_in(client, "bob")
    review = client.get(proposal)
    answer = client.post(
        f"{proposal}/review",
        data={"csrf": csrf_of(review.text), "verdict": "approve", "comment": "", "version": "2"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    book = text_of(client.get("/books/tiny").text)
    assert "Based on Free Roots by Rosalind Franklin, licensed under" in book
    assert "Taken: section 1.1 “Halving”. Not changed." in book


def test_a_hand_copy_is_flagged_refused_until_marked_then_approved_and_credited(
    client: TestClient, store: tuple[Textbook, ReadModels], web_settings: Settings
) -> None:
    app, views = store
    sign_in(client, "alice")
    new = client.get("/books/tiny/new?kind=section")
    text = f"## Brackets {{#brackets}}\n\n{NEAR_COPY}\n"
    opened = client.post(
        "/books/tiny/new",
        data={
            "csrf": csrf_of(new.text),
            "kind": "section",
            "place": "first/",
            "text": text,
            "message": "Brackets",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    proposal = opened.headers["location"]
    page = client.get(proposal)
    flagged = text_of(page.text)
    assert "Text found in other books" in flagged
    assert "copies text from another book on this platform without saying so" in flagged
    assert "of the section halving-" in flagged
    soup = BeautifulSoup(page.text, "html.parser")
    buttons = soup.select("form.mark-source button")
    assert buttons, "the author is asked to mark the source"

    sign_in(client, "bob")
    review = client.get(proposal)
    assert not BeautifulSoup(review.text, "html.parser").select("form.mark-source")  # not his
    before = fingerprint_of(app, views)
    answer = client.post(
        f"{proposal}/review",
        data={"csrf": csrf_of(review.text), "verdict": "approve", "comment": "", "version": "1"},
    )
    assert answer.status_code == 409
    assert "must mark that section as its source" in text_of(answer.text)
    assert fingerprint_of(app, views) == before

    sign_in(client, "alice")
    page = client.get(proposal)
    marks = BeautifulSoup(page.text, "html.parser").select("form.mark-source")
    offered = [{str(i["name"]): str(i["value"]) for i in m.select("input")} for m in marks]
    assert {fields["book"] for fields in offered} == {"shared", "free"}  # found in both
    (shared,) = [fields for fields in offered if fields["book"] == "shared"]
    refused = client.post(f"{proposal}/sources", data=shared)
    assert refused.status_code == 403  # CC BY-SA text cannot go into this CC BY book
    assert "ShareAlike" in text_of(refused.text)
    (fields,) = [fields for fields in offered if fields["book"] == "free"]
    marked = client.post(f"{proposal}/sources", data=fields, follow_redirects=False)
    assert marked.status_code == 303
    assert "Marked as taken." in text_of(client.get(proposal).text)

    sign_in(client, "bob")
    review = client.get(proposal)
    answer = client.post(
        f"{proposal}/review",
        data={"csrf": csrf_of(review.text), "verdict": "approve", "comment": "", "version": "2"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    source = fields["book"]
    catch_up(app, views)
    built = build(book_to_build(app, Queries(views), "tiny"), ("html",),
                  web_settings.build_dir / "out", web_settings.build_dir / "cache")  # fmt: skip
    index = text_of((built.outputs["html"] / "index.html").read_text())
    assert f"/books/{source}, licensed under" in index
    assert "Taken: section 1.1 “Halving”." in index
    assert "Adapted: section 1.1 rewritten." in index  # a few words changed as copied
