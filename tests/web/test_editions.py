"""Named editions on the web: an editor marks one, everyone downloads it for good, and the
change list between two editions lists exactly the changes approved between them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from uuid import UUID

import pypdf
import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.publishing.editions import EditionPublisher
from textbook.projections.publishing.handout import fetch_nothing
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views
from textbook.storage import open_textbook

EDITS = [  # (section, sentence, message): 3 before A, 2 between A and B, 1 after B
    ("counting", "Seven, eight.", "Count to eight"),
    ("measuring", "A ruler has marks.", "Say what a ruler has"),
    ("summing", "Pairs help.", "Pair the terms"),
    ("counting", "Nine, ten.", "Count to ten"),
    ("summing", "Gauss was young.", "Say how old Gauss was"),
    ("measuring", "Inches or centimetres.", "Name the units"),
]


@pytest.fixture
def app(web_settings: Settings) -> Iterator[Textbook]:
    opened = open_textbook(web_settings)
    yield opened
    opened.close()


def approve(app: Textbook, section: str, sentence: str, message: str) -> None:
    text = next(
        s.text for c in app.book_state("tiny").chapters for s in c.sections if s.id == section
    )
    proposal = app.propose_edit(
        "tiny", section, text.rstrip("\n") + f"\n\n{sentence}\n", message, "alice"
    )
    app.review(proposal, "approve", "", "bob", app.proposal_info(proposal).version)


def three_editions_apart(app: Textbook) -> None:
    for edit in EDITS[:3]:
        approve(app, *edit)
    app.mark_edition("tiny", "First edition", "bob")
    for edit in EDITS[3:5]:
        approve(app, *edit)
    app.mark_edition("tiny", "2027 revision", "carol")
    approve(app, *EDITS[5])


def listed(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [li.a.get_text() for li in soup.select("ul.approved-changes li")]  # type: ignore[union-attr]


def test_the_change_list_lists_exactly_the_approvals_between_two_editions(
    client: TestClient, app: Textbook, web_settings: Settings
) -> None:
    three_editions_apart(app)
    between = [message for _, _, message in EDITS[3:5]]
    page = client.get(
        "/books/tiny/editions/compare", params={"from": "First edition", "to": "2027-revision"}
    )
    assert page.status_code == 200, page.text
    assert sorted(listed(page.text)) == sorted(between)
    soup = BeautifulSoup(page.text, "html.parser")
    assert "2 approved changes in 2 chapters" in soup.select_one("p.lede").get_text()  # type: ignore[union-attr]
    diffs = [pre.get_text() for pre in soup.select("pre.diff")]
    assert any("Nine, ten." in d for d in diffs) and any("Gauss was young." in d for d in diffs)
    inserted = " ".join(ins.get_text() for ins in soup.select("pre.diff ins"))
    assert "Nine, ten." in inserted and "Seven, eight." not in inserted  # approved before
    assert "Inches or centimetres." not in page.text  # approved after the second edition

    to_now = client.get(
        "/books/tiny/editions/compare", params={"from": "2027 revision", "to": "now"}
    )
    assert listed(to_now.text) == ["Name the units"]
    whole = client.get("/books/tiny/editions/compare", params={"from": "first-edition"})
    assert sorted(listed(whole.text)) == sorted(m for _, _, m in EDITS[3:])

    views = open_views(web_settings)
    catch_up(app, views)
    queries = Queries(views)
    start, end = (
        queries.named_edition("tiny", "first-edition"),
        queries.named_edition("tiny", "2027-revision"),
    )
    changes = queries.approved_changes("tiny", start.moment, end.moment)
    assert [(c.title, c.author, c.approver) for c in changes] == [
        (m, "alice", "bob") for m in between
    ]
    views.close()

    pdf = client.get(
        "/books/tiny/editions/compare.pdf", params={"from": "first-edition", "to": "2027-revision"}
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    assert "What changed in A Tiny Book" in text
    assert "First edition (" in text and "2027 revision (" in text
    for message in between:
        assert message in text
    for _, _, message in EDITS[:3] + EDITS[5:]:
        assert message not in text


def test_an_editor_marks_an_edition_and_others_cannot(client: TestClient, app: Textbook) -> None:
    anonymous = client.get("/books/tiny/editions")
    assert anonymous.status_code == 200
    assert "Mark an edition" not in anonymous.text and "no named edition yet" in anonymous.text
    sign_in(client, "alice")  # an author, not an editor
    page = client.get("/books/tiny/editions")
    assert "Mark an edition" not in page.text
    refused = client.post("/books/tiny/editions", data={"csrf": csrf_of(page.text), "name": "Mine"})
    assert refused.status_code == 403
    assert "alice is not an editor of the book &#39;tiny&#39;" in refused.text
    assert app.book("tiny").editions == {}
    client.post("/signout", data={"csrf": csrf_of(page.text)})

    sign_in(client, "bob")
    page = client.get("/books/tiny/editions")
    assert "Mark an edition" in page.text
    marked = client.post(
        "/books/tiny/editions", data={"csrf": csrf_of(page.text), "name": " First edition "},
        follow_redirects=False,
    )  # fmt: skip
    assert marked.status_code == 303
    assert marked.headers["location"] == "/books/tiny/editions#edition-first-edition"
    again = client.post(
        "/books/tiny/editions", data={"csrf": csrf_of(page.text), "name": "first EDITION"}
    )
    assert again.status_code == 409
    soup = BeautifulSoup(again.text, "html.parser")
    assert "already has an edition named" in soup.select_one(".form-error").get_text()  # type: ignore[union-attr]
    assert soup.select_one("#edition-name")["value"] == "first EDITION"  # type: ignore[index]
    empty = client.post("/books/tiny/editions", data={"csrf": csrf_of(page.text), "name": "  "})
    assert empty.status_code == 422 and "Give the edition a name" in empty.text
    assert app.book("tiny").editions == {"first-edition": "First edition"}
    shown = BeautifulSoup(client.get("/books/tiny/editions").text, "html.parser")
    assert "First edition" in shown.select_one("#edition-first-edition h2").get_text()  # type: ignore[union-attr]


def test_downloads_of_an_edition_stay_and_every_bad_address_says_why(
    client: TestClient, app: Textbook, web_settings: Settings
) -> None:
    app.mark_edition("tiny", "First edition", "bob")
    waiting = client.get("/books/tiny/editions/first-edition/download/epub")
    assert waiting.status_code == 503 and "being built" in waiting.text
    views = open_views(web_settings)
    worker = EditionPublisher(app, views, web_settings.build_dir, formats=("html", "epub"))
    worker.publish_changed()
    worker.close()
    views.close()
    folder = web_settings.build_dir / "editions" / "named" / "tiny" / "first-edition"
    epub = client.get("/books/tiny/editions/First%20edition/download/epub")
    assert epub.status_code == 200 and epub.content == (folder / "tiny.epub").read_bytes()
    assert "tiny-first-edition.epub" in epub.headers["content-disposition"]
    html = client.get("/books/tiny/editions/first-edition/download/html")
    assert html.status_code == 200 and html.content[:2] == b"PK"
    page = client.get("/books/tiny/editions")
    hrefs = [
        a["href"]
        for a in BeautifulSoup(page.text, "html.parser").select("#edition-first-edition a")
    ]
    assert "/books/tiny/editions/first-edition/download/epub" in hrefs
    assert "/books/tiny/editions/first-edition/download/html" in hrefs
    assert "/books/tiny/editions/first-edition/download/pdf" not in hrefs  # not built here

    bad = {
        "/books/tiny/editions/compare": (400, "Say which edition to compare from"),
        "/books/tiny/editions/compare?from=Third": (404, "has no edition &#39;Third&#39;"),
        "/books/tiny/editions/compare?from=first-edition&to=nope": (404, "has no edition"),
        "/books/tiny/editions/compare.pdf?from=nope": (404, "has no edition"),
        "/books/tiny/editions/compare?from=" + "x" * 300: (400, "too long"),
        "/books/nowhere/editions": (404, "There is no book"),
        "/books/nowhere/editions/compare?from=a": (404, "There is no book"),
        "/books/tiny/editions/first-edition/download/docx": (
            404,
            "There is no &#39;docx&#39; edition",
        ),
        "/books/tiny/editions/second/download/epub": (404, "has no edition &#39;second&#39;"),
    }
    for url, (status, says) in bad.items():
        answer = client.get(url)
        assert answer.status_code == status, (url, answer.status_code)
        assert says in answer.text, (url, answer.text[:300])


def test_comparing_backwards_is_refused(client: TestClient, app: Textbook) -> None:
    app.mark_edition("tiny", "First edition", "bob")
    approve(app, *EDITS[0])
    app.mark_edition("tiny", "Second edition", "bob")
    backwards = client.get(
        "/books/tiny/editions/compare", params={"from": "second-edition", "to": "first-edition"}
    )
    assert backwards.status_code == 400
    assert "came after" in backwards.text


def test_moves_and_sections_come_and_gone_are_in_the_change_list(
    client: TestClient, app: Textbook
) -> None:
    app.mark_edition("tiny", "First edition", "bob")

    def accept(proposal: UUID) -> None:
        app.review(proposal, "approve", "", "bob", app.proposal_info(proposal).version)

    accept(app.propose_move("tiny", "measuring", "second", "summing", "Measure last", "alice"))
    added = "## Weighing {#weighing}\n\nA scale.\n"
    accept(app.propose_section("tiny", "second", "summing", added, "Add weighing", "alice"))
    accept(app.propose_removal("tiny", "weighing", "Drop weighing", "alice"))
    approve(app, "counting", "Eleven.", "Count on")
    app.mark_edition("tiny", "Second edition", "bob")
    page = client.get("/books/tiny/editions/compare?from=first-edition&to=second-edition")
    assert page.status_code == 200
    assert listed(page.text) == ["Count on", "Measure last", "Add weighing", "Drop weighing"]
    soup = BeautifulSoup(page.text, "html.parser")
    second = soup.select_one("#ch-second").parent  # type: ignore[union-attr]
    assert "1 section moved" in second.get_text()  # type: ignore[union-attr]
    elsewhere = soup.select_one("#elsewhere-heading").parent  # type: ignore[union-attr]
    assert [li.a.get_text() for li in elsewhere.select("li")] == ["Add weighing", "Drop weighing"]  # type: ignore[union-attr]


def test_the_change_list_prints_what_people_wrote_as_text_and_fetches_nothing(
    client: TestClient, app: Textbook
) -> None:
    app.mark_edition("tiny", "First edition", "bob")
    message = '<img src="http://127.0.0.1:9/x.png"> <b>bold</b>'
    approve(app, "counting", "More.", message)
    page = client.get("/books/tiny/editions/compare?from=first-edition")
    assert listed(page.text) == [message]  # shown as the text it is, never as markup
    pdf = client.get("/books/tiny/editions/compare.pdf?from=first-edition&to=now")
    assert pdf.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert '<img src="http://127.0.0.1:9/x.png"> <b>bold</b>' in text
    fetcher = fetch_nothing()  # and were markup to reach WeasyPrint, nothing would be fetched
    for url in ("http://127.0.0.1:9/x.png", "file:///etc/hostname", "data:image/png;base64,AA=="):
        with pytest.raises(ValueError, match="fetches nothing"):
            fetcher.fetch(url)
