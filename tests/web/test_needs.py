"""Needs through the web: an editor marks one, someone takes it, a proposal answers it and its
approval closes it; a reader reports an error in a paragraph without an account, and the
report's form refuses what a script would send."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from textbook.web.reports import MIN_SECONDS, REPORT_LIMIT

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def clocked(client: TestClient) -> Clock:
    clock = Clock()
    client.app.state.site.app.clock = clock  # type: ignore[attr-defined]
    return clock


def sign_out(client: TestClient) -> None:
    client.cookies.clear()


def need_ids(html: str) -> list[str]:
    return re.findall(r'<article class="need" id="need-([0-9a-f-]+)"', html)


def test_a_need_opened_taken_answered_and_closed_by_the_approval(client: TestClient) -> None:
    clocked(client)
    # An editor marks what a section needs, from the chapter's "mark a need" link.
    sign_in(client, "bob")
    chapter = client.get("/books/tiny/chapters/first")
    assert 'href="/books/tiny/needs/new?chapter=first"' in chapter.text
    form = client.get("/books/tiny/needs/new?section=counting")
    assert form.status_code == 200
    assert '<option value="section:counting" selected>' in form.text
    marked = client.post(
        "/books/tiny/needs",
        data={
            "csrf": csrf_of(form.text),
            "place": "section:counting",
            "kind": "example",
            "reason": "Show counting with a worked example.",
        },
        follow_redirects=False,
    )
    assert marked.status_code == 303
    board = client.get("/books/tiny/needs")
    (need,) = need_ids(board.text)
    assert "Show counting with a worked example." in board.text
    assert "Marked by bob" in board.text and "<strong>Free</strong>" in board.text
    assert "1 open need." in board.text
    assert "Needs</a> (1 open)" in client.get("/books/tiny").text

    # alice takes it: "I'm on it".
    sign_out(client)
    sign_in(client, "alice")
    board = client.get("/books/tiny/needs")
    assert "Close…" not in board.text  # an author does not close needs
    taken = client.post(
        f"/books/tiny/needs/{need}/take",
        data={"csrf": csrf_of(board.text), "back": "/books/tiny/needs"},
        follow_redirects=False,
    )
    assert taken.status_code == 303
    board = client.get("/books/tiny/needs")
    assert "alice is on it</strong> until 16 Mar 2026" in board.text
    assert f'action="/books/tiny/needs/{need}/release"' in board.text
    assert client.get("/books/tiny/needs?state=free").text.count('class="need"') == 0

    # She proposes a change for it: the need is ticked on the editor page.
    edit = client.get(f"/books/tiny/sections/counting/edit?need={need}")
    assert f'name="need-{need}" checked' in edit.text
    proposed = client.post(
        "/books/tiny/sections/counting/edit",
        data={
            "csrf": csrf_of(edit.text),
            "text": "## Counting {#counting}\n\nOne, two, three: 1 + 1 + 1 = 3.\n",
            "message": "A worked example",
            f"need-{need}": "on",
        },
        follow_redirects=False,
    )
    assert proposed.status_code == 303, proposed.text
    proposal_url = proposed.headers["location"]
    page = client.get(proposal_url)
    assert "Needs it answers" in page.text and "Show counting with a worked example." in page.text

    # bob approves it: the need is closed by the approval, and leaves the board.
    sign_out(client)
    sign_in(client, "bob")
    page = client.get(proposal_url)
    approved = client.post(
        proposal_url + "/review",
        data={"csrf": csrf_of(page.text), "verdict": "approve", "comment": "", "version": "1"},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    assert need_ids(client.get("/books/tiny/needs").text) == []
    assert "(closed by this proposal)" in client.get(proposal_url).text


def test_an_editor_closes_a_need_with_a_reason(client: TestClient) -> None:
    sign_in(client, "bob")
    form = client.get("/books/tiny/needs/new?chapter=second")
    client.post(
        "/books/tiny/needs",
        data={
            "csrf": csrf_of(form.text),
            "place": "chapter:second",
            "kind": "exercises",
            "reason": "Exercises at the end.",
        },
    )
    board = client.get("/books/tiny/needs?chapter=second")
    (need,) = need_ids(board.text)
    assert "(the whole chapter)" in board.text
    refused = client.post(
        f"/books/tiny/needs/{need}/close", data={"csrf": csrf_of(board.text), "reason": " "}
    )
    assert refused.status_code == 422 and "the reason is empty" in refused.text
    closed = client.post(
        f"/books/tiny/needs/{need}/close",
        data={"csrf": csrf_of(board.text), "reason": "Moved to the appendix."},
        follow_redirects=False,
    )
    assert closed.status_code == 303
    assert need_ids(client.get("/books/tiny/needs").text) == []


def test_marking_is_for_members_and_taking_for_the_signed_in(client: TestClient) -> None:
    sign_in(client, "mallory")  # signed in, not a member
    assert client.get("/books/tiny/needs/new").status_code == 403
    page = client.get("/books/tiny/needs")
    refused = client.post(
        "/books/tiny/needs",
        data={"csrf": csrf_of(page.text), "place": "section:counting", "kind": "figure",
              "reason": "Mine."},
    )  # fmt: skip
    assert refused.status_code == 403
    assert need_ids(client.get("/books/tiny/needs").text) == []
    sign_out(client)
    assert client.get("/books/tiny/needs").status_code == 200  # the board is public
    assert client.get("/books/tiny/needs?kind=poetry").status_code == 400
    assert client.get("/books/tiny/needs?state=maybe").status_code == 400


def report_form(client: TestClient, section: str, number: int) -> tuple[str, dict[str, str]]:
    page = client.get(f"/books/tiny/sections/{section}/report?p={number}")
    assert page.status_code == 200, page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    return page.text, {"csrf": csrf_of(page.text), "token": token.group(1), "website": ""}


def test_a_reader_report_becomes_a_need_with_the_quoted_paragraph(client: TestClient) -> None:
    clock = clocked(client)
    chapter = client.get("/books/tiny/chapters/first")
    link = "/books/tiny/sections/counting/report?p=1"
    assert f'href="{link}"' in chapter.text  # a "report" link after each paragraph
    page, fields = report_form(client, "counting", 1)
    assert "One, two, three. Four, five, six." in page  # the paragraph, quoted
    clock.now += timedelta(seconds=20)
    sent = client.post(
        link,
        data=fields | {"reason": "Seven is missing.", "email": "reader@example.org"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert "Thank you" in client.get(sent.headers["location"]).text
    board = client.get("/books/tiny/needs?kind=error")
    assert "Reported by a reader" in board.text and "Seven is missing." in board.text
    assert "One, two, three. Four, five, six." in board.text
    assert "reader@example.org" not in board.text  # never shown
    # The same form again: a replay.
    again = client.post(link, data=fields | {"reason": "Seven is missing."})
    assert again.status_code == 409 and "sent already" in again.text
    assert len(need_ids(client.get("/books/tiny/needs").text)) == 1


def test_the_report_form_refuses_scripts(client: TestClient) -> None:
    clock = clocked(client)
    link = "/books/tiny/sections/counting/report?p=1"
    _, fields = report_form(client, "counting", 1)
    clock.now += timedelta(seconds=MIN_SECONDS - 1)
    fast = client.post(link, data=fields | {"reason": "Wrong."})
    assert fast.status_code == 400 and "faster than a person reads" in fast.text
    assert "Wrong." in fast.text  # what they typed is kept
    clock.now += timedelta(seconds=5)
    trap = client.post(link, data=fields | {"reason": "Buy now", "website": "http://spam"})
    assert trap.status_code == 400
    forged = client.post(link, data=fields | {"reason": "Wrong.", "token": "1.2.3"})
    assert forged.status_code == 400 and "not sent from the report page" in forged.text
    other = client.post(
        "/books/tiny/sections/counting/report?p=2", data=fields | {"reason": "Wrong."}
    )
    assert other.status_code in (400, 404)  # a token is for its own paragraph
    clock.now += timedelta(hours=3)
    old = client.post(link, data=fields | {"reason": "Wrong."})
    assert old.status_code == 400 and "too old" in old.text
    assert client.get("/books/tiny/sections/counting/report?p=99").status_code == 404
    assert client.get("/books/tiny/sections/nowhere/report?p=1").status_code == 404
    bad_email = report_form(client, "counting", 1)[1]
    clock.now += timedelta(seconds=10)
    refused = client.post(link, data=bad_email | {"reason": "Wrong.", "email": "nope"})
    assert refused.status_code == 422 and "not a valid email address" in refused.text
    assert need_ids(client.get("/books/tiny/needs").text) == []


def test_reports_are_limited_per_address(client: TestClient) -> None:
    clock = clocked(client)
    link = "/books/tiny/sections/counting/report?p=1"
    for _ in range(REPORT_LIMIT):
        _, fields = report_form(client, "counting", 1)
        clock.now += timedelta(seconds=10)
        assert (
            client.post(
                link, data=fields | {"reason": "Wrong."}, follow_redirects=False
            ).status_code
            == 303
        )
    _, fields = report_form(client, "counting", 1)
    clock.now += timedelta(seconds=10)
    limited = client.post(link, data=fields | {"reason": "Wrong."})
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert len(need_ids(client.get("/books/tiny/needs").text)) == REPORT_LIMIT


def tokens(client: TestClient, *names: str) -> dict[str, dict[str, str]]:
    store = client.app.state.site.app  # type: ignore[attr-defined]
    return {name: {"Authorization": f"Bearer {store.create_token(name)}"} for name in names}


def test_the_api_marks_lists_and_answers_needs(client: TestClient) -> None:
    headers = tokens(client, "alice", "bob", "mallory")
    marked = client.post(
        "/api/books/tiny/sections/counting/needs",
        json={"kind": "fact_check", "reason": "Is six right?"},
        headers=headers["alice"],
    )
    assert marked.status_code == 201, marked.text
    need = marked.json()
    assert need["kind"] == "fact_check" and need["section"] == "counting"
    assert need["chapter"] == "first" and need["opened_by"] == "alice"
    assert need["holder"] is None and need["is_open"] and need["answers"] == []
    listed = client.get("/api/books/tiny/needs?kind=fact_check&state=free").json()
    assert [n["id"] for n in listed] == [need["id"]]
    assert client.get("/api/books/tiny/needs?state=taken").json() == []
    assert client.get("/api/books/tiny/needs?older_than_days=1").json() == []
    assert client.get("/api/books/tiny/needs?kind=poetry").status_code == 422
    assert client.get("/api/books/nowhere/needs").status_code == 404

    refused = client.post(
        "/api/books/tiny/sections/counting/needs",
        json={"kind": "figure", "reason": "Mine."},
        headers=headers["mallory"],
    )
    assert refused.status_code == 403
    assert (
        client.post(
            "/api/books/tiny/sections/counting/needs", json={"kind": "figure", "reason": "No."}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/api/books/tiny/sections/counting/needs",
            json={"kind": "error", "reason": "Readers report errors on the web."},
            headers=headers["alice"],
        ).status_code
        == 422
    )

    # A proposal through the API says it answers the need; its approval closes it.
    section = client.get("/api/books/tiny/sections/counting").json()
    proposed = client.post(
        "/api/books/tiny/sections/counting/proposals",
        json={
            "base_revision": section["revision"],
            "text": "## Counting {#counting}\n\nOne, two, three. Four, five, six (checked).\n",
            "message": "Checked",
            "needs": [need["id"]],
        },
        headers=headers["alice"],
    )
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["id"]
    (answered,) = client.get("/api/books/tiny/needs").json()
    assert answered["answers"] == [proposal]
    approved = client.post(
        f"/api/proposals/{proposal}/reviews",
        json={"verdict": "approve", "version": 1},
        headers=headers["bob"],
    )
    assert approved.status_code == 201, approved.text
    assert client.get("/api/books/tiny/needs").json() == []


def test_the_api_refuses_needs_of_another_kind_of_answer(client: TestClient) -> None:
    headers = tokens(client, "alice")
    section = client.get("/api/books/tiny/sections/counting").json()
    body = {
        "base_revision": section["revision"],
        "text": "## Counting {#counting}\n\nOne, two.\n",
        "needs": ["00000000-0000-4000-8000-000000000000"],
    }
    missing = client.post(
        "/api/books/tiny/sections/counting/proposals", json=body, headers=headers["alice"]
    )
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "NeedNotFound"
    bad = client.post(
        "/api/books/tiny/sections/counting/proposals",
        json=body | {"needs": ["not-a-uuid"]},
        headers=headers["alice"],
    )
    assert bad.status_code == 422
    assert client.get("/api/books/tiny/proposals").json() == []


def test_a_chapter_need_answered_by_a_new_section(client: TestClient) -> None:
    # bob marks that the chapter "second" needs a stub written.
    sign_in(client, "bob")
    form = client.get("/books/tiny/needs/new?chapter=second")
    client.post(
        "/books/tiny/needs",
        data={
            "csrf": csrf_of(form.text),
            "place": "chapter:second",
            "kind": "stub",
            "reason": "A section on counting backwards.",
        },
    )
    sign_out(client)

    # alice follows the board's link to the new-section form: the need is ticked there.
    sign_in(client, "alice")
    board = client.get("/books/tiny/needs")
    (need,) = need_ids(board.text)
    link = f"/books/tiny/new?chapter=second&amp;need={need}"
    assert f'href="{link}">Propose a new section for this</a>' in board.text
    page = client.get(link.replace("&amp;", "&"))
    assert f'name="need-{need}" checked' in page.text
    assert "A section on counting backwards." in page.text
    data = {
        "csrf": csrf_of(page.text),
        "kind": "section",
        "place": "second/",
        "text": "## Backwards {#backwards}\n\nThree, two, one.\n",
        "message": "The stub",
        f"need-{need}": "on",
    }
    # A refused proposal keeps the need ticked, and nothing is opened.
    refused = client.post("/books/tiny/new", data=data | {"text": "## No id\n\nText.\n"})
    assert refused.status_code == 422
    assert f'name="need-{need}" checked' in refused.text
    assert client.get("/api/books/tiny/needs").json()[0]["answers"] == []
    proposed = client.post("/books/tiny/new", data=data, follow_redirects=False)
    assert proposed.status_code == 303, proposed.text
    proposal_url = proposed.headers["location"]
    page = client.get(proposal_url)
    assert "Needs it answers" in page.text and "A section on counting backwards." in page.text

    # bob approves it: the chapter's need is closed by the approval.
    sign_out(client)
    sign_in(client, "bob")
    page = client.get(proposal_url)
    approved = client.post(
        proposal_url + "/review",
        data={"csrf": csrf_of(page.text), "verdict": "approve", "comment": "", "version": "1"},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    assert need_ids(client.get("/books/tiny/needs").text) == []
    assert "(closed by this proposal)" in client.get(proposal_url).text


def test_a_new_chapter_answers_a_need_and_a_bad_need_is_refused(client: TestClient) -> None:
    sign_in(client, "bob")
    form = client.get("/books/tiny/needs/new?chapter=second")
    client.post(
        "/books/tiny/needs",
        data={"csrf": csrf_of(form.text), "place": "chapter:second", "kind": "stub",
              "reason": "A chapter after this one."},
    )  # fmt: skip
    (need,) = need_ids(client.get("/books/tiny/needs").text)
    page = client.get(f"/books/tiny/new?kind=chapter&need={need}")
    assert f'name="need-{need}" checked' in page.text
    data = {
        "csrf": csrf_of(page.text),
        "kind": "chapter",
        "after": "second",
        "text": "# Third {#third}\n\nMore.\n",
        "message": "A third chapter",
    }
    unknown = client.post(
        "/books/tiny/new", data=data | {"need-00000000-0000-4000-8000-000000000000": "on"}
    )
    assert unknown.status_code == 404 and "need" in unknown.text.lower()
    assert client.post("/books/tiny/new", data=data | {"need-nope": "on"}).status_code == 422
    assert client.get("/api/books/tiny/proposals").json() == []
    proposed = client.post(
        "/books/tiny/new", data=data | {f"need-{need}": "on"}, follow_redirects=False
    )
    assert proposed.status_code == 303, proposed.text
    (answered,) = client.get("/api/books/tiny/needs").json()
    assert answered["answers"] == [proposed.headers["location"].rsplit("/", 1)[1]]


def test_a_revision_adds_the_needs_it_answers(client: TestClient) -> None:
    store = client.app.state.site.app  # type: ignore[attr-defined]
    stub = store.mark_need("tiny", None, "stub", "Counting backwards.", "bob", chapter_id="second")
    closed = store.mark_need("tiny", None, "exercises", "Old.", "bob", chapter_id="second")
    store.close_need(closed, "Not needed.", "bob")
    proposal = store.propose_section(
        "tiny", "second", "", "## Backwards {#backwards}\n\nThree.\n", "Backwards", "alice"
    )
    sign_in(client, "alice")
    form = client.get(f"/proposals/{proposal}/revise")
    assert f'name="need-{stub}"' in form.text and "Counting backwards." in form.text
    data = {
        "csrf": csrf_of(form.text),
        "text": "## Backwards {#backwards}\n\nThree, two, one.\n",
        "message": "Down to one",
    }
    # A closed need is refused, the form comes back ticked, and the proposal is unchanged.
    refused = client.post(f"/proposals/{proposal}/revise", data=data | {f"need-{closed}": "on"})
    assert refused.status_code == 409 and "closed already" in refused.text
    assert f'name="need-{closed}"' not in refused.text  # it is not offered: it is closed
    assert client.get(f"/api/proposals/{proposal}").json()["version"] == 1
    revised = client.post(
        f"/proposals/{proposal}/revise",
        data=data | {f"need-{stub}": "on"},
        follow_redirects=False,
    )
    assert revised.status_code == 303, revised.text
    (answered,) = client.get("/api/books/tiny/needs").json()
    assert answered["answers"] == [str(proposal)]
    assert f'name="need-{stub}"' not in client.get(f"/proposals/{proposal}/revise").text


def test_the_api_revision_adds_needs(client: TestClient) -> None:
    headers = tokens(client, "alice")
    store = client.app.state.site.app  # type: ignore[attr-defined]
    need = store.mark_need("tiny", "counting", "figure", "A plot.", "bob")
    proposed = client.post(
        "/api/books/tiny/sections/counting/proposals",
        json={"base_revision": 1, "text": "## Counting {#counting}\n\nOne, two.\n"},
        headers=headers["alice"],
    )
    proposal = proposed.json()["id"]
    missing = client.post(
        f"/api/proposals/{proposal}/revisions",
        json={"text": "## Counting {#counting}\n\nOne.\n",
              "needs": ["00000000-0000-4000-8000-000000000000"]},
        headers=headers["alice"],
    )  # fmt: skip
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "NeedNotFound"
    assert client.get(f"/api/proposals/{proposal}").json()["version"] == 1
    revised = client.post(
        f"/api/proposals/{proposal}/revisions",
        json={"text": "## Counting {#counting}\n\nOne.\n", "needs": [str(need)]},
        headers=headers["alice"],
    )
    assert revised.status_code == 201, revised.text
    (answered,) = client.get("/api/books/tiny/needs").json()
    assert answered["answers"] == [proposal]


def test_the_api_proposes_a_new_section_that_answers_a_chapter_need(client: TestClient) -> None:
    headers = tokens(client, "alice", "bob")
    store = client.app.state.site.app  # type: ignore[attr-defined]
    need = store.mark_need("tiny", None, "stub", "Counting backwards.", "bob", chapter_id="second")
    body = {"text": "## Backwards {#backwards}\n\nThree, two, one.\n", "needs": [str(need)]}
    missing = client.post("/api/books/tiny/chapters/nowhere/sections", json=body,
                          headers=headers["alice"])  # fmt: skip
    assert missing.status_code == 404
    unknown = client.post(
        "/api/books/tiny/chapters/second/sections",
        json=body | {"needs": ["00000000-0000-4000-8000-000000000000"]},
        headers=headers["alice"],
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "NeedNotFound"
    assert client.get("/api/books/tiny/proposals").json() == []
    proposed = client.post(
        "/api/books/tiny/chapters/second/sections", json=body, headers=headers["alice"]
    )
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()
    assert proposal["kind"] == "add_section" and proposal["section"] == "backwards"
    (answered,) = client.get("/api/books/tiny/needs").json()
    assert answered["answers"] == [proposal["id"]]
    approved = client.post(
        f"/api/proposals/{proposal['id']}/reviews",
        json={"verdict": "approve", "version": 1},
        headers=headers["bob"],
    )
    assert approved.status_code == 201, approved.text
    assert client.get("/api/books/tiny/needs").json() == []
    assert client.get("/api/books/tiny/sections/backwards").status_code == 200

    # A new chapter, after the last one.
    chapter = client.post(
        "/api/books/tiny/chapters",
        json={"text": "# Third {#third}\n\nMore.\n", "after": "second", "message": "More"},
        headers=headers["alice"],
    )
    assert chapter.status_code == 201, chapter.text
    assert chapter.json()["kind"] == "add_chapter"
