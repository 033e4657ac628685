"""Reviewing and contributing as people meet it: the queue, confirmations, edit links, sign-in."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import review, text_of

COUNTING = "## Counting {#counting}\n\nOne, two, three.\nFour, five, six.\n\n"
CODE = "```python\n# a comment, not a heading\nprint(1 + 1)\n```\n"
TALLYING = "## Tallying {#tallying}\n\nFive strokes make a gate.\n"


def counting(first: str = "One, two, three.", code: str = CODE) -> str:
    return COUNTING.replace("One, two, three.", first) + code


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def propose_edit(client: TestClient, section: str, text: str, message: str) -> str:
    page = client.get(f"/books/tiny/sections/{section}/edit")
    response = client.post(
        f"/books/tiny/sections/{section}/edit",
        data={"csrf": csrf_of(page.text), "text": text, "message": message, "base_revision": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def propose_new(client: TestClient, query: str, data: dict[str, str]) -> str:
    page = client.get(f"/books/tiny/new?{query}")
    assert page.status_code == 200
    response = client.post(
        "/books/tiny/new", data={"csrf": csrf_of(page.text), **data}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def attribute(html: str, selector: str, name: str) -> str:
    found = soup(html).select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return str(found[name])


def queue_rows(client: TestClient, show: str = "") -> dict[str, str]:
    """The queue's rows as their visible text, by the title of the proposal."""
    page = client.get("/books/tiny/queue" + (f"?show={show}" if show else ""))
    assert page.status_code == 200, page.text
    rows = soup(page.text).select("#queue tbody tr")
    found = {}
    for row in rows:
        link = row.select_one(".col-change a")
        if link is not None:
            found[link.get_text(strip=True)] = row.get_text(" ", strip=True)
    return found


def test_queue_shows_titles_author_wait_staleness_and_filters(client: TestClient) -> None:
    sign_in(client, "alice")
    approved = propose_edit(client, "counting", counting("One, two, three, go."), "Go")
    propose_edit(client, "counting", counting("Uno, dos, tres."), "In Spanish")
    propose_edit(client, "counting", counting(code=CODE.replace("1 + 1", "2 + 2")), "Twice")
    propose_new(
        client,
        "chapter=first&after=counting",
        {"kind": "section", "place": "first/counting", "text": TALLYING, "message": "Tally"},
    )
    sign_in(client, "bob")
    propose_edit(client, "measuring", "## Measuring {#measuring}\n\nMeasure twice.\n", "Twice?")
    sign_in(client, "carol")
    assert review(client, approved, "approve") == 303

    # Bob, an editor, sees every open proposal with its place, author, wait and state.
    sign_in(client, "bob")
    rows = queue_rows(client)
    assert sorted(rows) == ["In Spanish", "Tally", "Twice", "Twice?"]
    assert "1. First Steps Counting" in rows["In Spanish"]
    assert "alice" in rows["In Spanish"] and "under a minute" in rows["In Spanish"]
    assert "stale · clashes" in rows["In Spanish"]
    assert "stale · merges cleanly" in rows["Twice"]
    assert "stale" not in rows["Twice?"] and "1. First Steps Measuring bob" in rows["Twice?"]
    assert "New section" in rows["Tally"]
    assert "Tallying in chapter 1, “First Steps”, after “Counting”" in rows["Tally"]
    assert "stale" not in rows["Tally"]

    # The filters are plain links; each shows its count.
    page = client.get("/books/tiny/queue")
    filters = [a.get_text(" ", strip=True) for a in soup(page.text).select(".queue-filters a")]
    assert filters == ["All (4)", "Mine (1)", "Waiting for me (3)", "Asked of me (0)", "Stale (2)"]
    assert sorted(queue_rows(client, "mine")) == ["Twice?"]
    assert sorted(queue_rows(client, "waiting")) == ["In Spanish", "Tally", "Twice"]
    assert sorted(queue_rows(client, "stale")) == ["In Spanish", "Twice"]
    current = soup(client.get("/books/tiny/queue?show=stale").text).select_one("[aria-current]")
    assert current is not None and current.get_text(" ", strip=True) == "Stale (2)"

    # Alice is an author: nothing waits for her review; her own three are hers.
    sign_in(client, "alice")
    assert queue_rows(client, "waiting") == {}
    assert "Nothing waits for you" in client.get("/books/tiny/queue?show=waiting").text
    assert sorted(queue_rows(client, "mine")) == ["In Spanish", "Tally", "Twice"]


def test_queue_filters_for_a_person_ask_to_sign_in_and_unknown_ones_are_refused(
    client: TestClient,
) -> None:
    mine = client.get("/books/tiny/queue?show=mine", follow_redirects=False)
    assert mine.status_code == 303
    assert parse_qs(urlsplit(mine.headers["location"]).query)["next"] == [
        "/books/tiny/queue?show=mine"
    ]
    assert client.get("/books/tiny/queue?show=stale").status_code == 200
    bogus = client.get("/books/tiny/queue?show=everything")
    assert bogus.status_code == 400
    assert "The queue has no filter “everything”." in bogus.text


def test_a_revision_keeps_the_proposals_title_and_its_note_goes_to_the_thread(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    proposal = propose_edit(client, "counting", counting("One, two, three, go."), "Go")
    form = client.get(f"{proposal}/revise")
    assert text_of(form.text, "h1") == "Revise “Go”"
    assert "The title stays." in form.text
    revised = client.post(
        f"{proposal}/revise",
        data={"csrf": csrf_of(form.text), "text": counting("One, two, go!"), "message": "Shorter"},
        follow_redirects=False,
    )
    assert revised.status_code == 303
    page = client.get(proposal)
    assert text_of(page.text, "h1") == "Go"
    assert "revised it" in text_of(page.text, ".thread") and "Shorter" in page.text
    assert list(queue_rows(client)) == ["Go"]
    sign_in(client, "bob")
    assert review(client, proposal, "approve") == 303
    history = client.get("/books/tiny/sections/counting/history")
    assert "Go" in text_of(history.text, ".revision") and "Shorter" not in history.text


def test_reject_asks_for_confirmation_before_anything_changes(client: TestClient) -> None:
    sign_in(client, "alice")
    proposal = propose_edit(client, "counting", counting("One, two, three, go."), "Go")
    sign_in(client, "bob")
    page = client.get(proposal)
    before = (text_of(page.text, ".status"), text_of(page.text, ".thread"))
    asked = client.post(
        f"{proposal}/review",
        data={
            "csrf": csrf_of(page.text),
            "verdict": "reject",
            "comment": "Not needed.",
            "version": "1",
        },
    )
    assert asked.status_code == 200
    assert text_of(asked.text, "h1") == "Reject this proposal?"
    assert "closes it for good" in text_of(asked.text, "#consequence")
    assert text_of(asked.text, "textarea#comment") == "Not needed."
    cancel = soup(asked.text).find("a", string=re.compile("Cancel"))
    assert cancel is not None and cancel["href"] == proposal
    page = client.get(proposal)
    assert (text_of(page.text, ".status"), text_of(page.text, ".thread")) == before

    # Confirmed, it is rejected, with the comment.
    confirmed = client.post(
        f"{proposal}/review",
        data={
            "csrf": csrf_of(asked.text),
            "verdict": "reject",
            "comment": "Not needed.",
            "version": "1",
            "confirmed": "yes",
        },
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    page = client.get(proposal)
    assert text_of(page.text, ".status") == "rejected"
    assert "Not needed." in text_of(page.text, ".thread")


def test_withdraw_asks_for_confirmation_before_anything_changes(client: TestClient) -> None:
    sign_in(client, "alice")
    proposal = propose_edit(client, "counting", counting("One, two, three, go."), "Go")
    page = client.get(proposal)
    link = soup(page.text).find("a", string=re.compile("Withdraw"))
    assert link is not None and link["href"] == f"{proposal}/withdraw"
    asked = client.get(f"{proposal}/withdraw")
    assert text_of(asked.text, "h1") == "Withdraw your proposal?"
    unconfirmed = client.post(f"{proposal}/withdraw", data={"csrf": csrf_of(asked.text)})
    assert text_of(unconfirmed.text, "h1") == "Withdraw your proposal?"
    assert text_of(client.get(proposal).text, ".status") == "open"
    assert "withdrew" not in text_of(client.get(proposal).text, ".thread")
    done = client.post(
        f"{proposal}/withdraw",
        data={"csrf": csrf_of(asked.text), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert text_of(client.get(proposal).text, ".status") == "withdrawn"
    # Withdrawn, there is nothing left to confirm: the page says what became of it.
    again = client.get(f"{proposal}/withdraw", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, proposal)


def test_an_approved_proposal_links_to_its_published_text(client: TestClient) -> None:
    sign_in(client, "alice")
    edit = propose_edit(client, "counting", counting("One, two, three, go."), "Go")
    new = propose_new(
        client,
        "chapter=first&after=counting",
        {"kind": "section", "place": "first/counting", "text": TALLYING, "message": "Tally"},
    )
    assert "#published" not in client.get(edit).text
    assert soup(client.get(edit).text).select_one("#published") is None
    sign_in(client, "bob")
    assert review(client, edit, "approve") == 303
    assert review(client, new, "approve") == 303
    for proposal, href, words in (
        (edit, "/books/tiny/chapters/first#counting", "One, two, three, go."),
        (new, "/books/tiny/chapters/first#tallying", "Five strokes make a gate."),
    ):
        published = soup(client.get(proposal).text).select_one("#published")
        assert published is not None
        link = published.find("a", string=re.compile("in the book"))
        assert link is not None and link["href"] == href
        assert words in text_of(client.get(href).text, "article")
    assert "It became revision 2 of the section." in text_of(client.get(edit).text, "#published")


def test_new_section_and_chapter_forms_say_where_the_text_goes(client: TestClient) -> None:
    sign_in(client, "alice")
    form = soup(client.get("/books/tiny/new?chapter=first&after=counting").text)
    chosen = form.select_one("select#place option[selected]")
    assert chosen is not None
    assert chosen.get_text() == "In chapter 1, after §1.1 “Counting”"
    groups = [g["label"] for g in form.select("select#place optgroup")]
    assert groups == ["Chapter 1, “First Steps”", "Chapter 2, “Second Thoughts”"]
    new = propose_new(
        client,
        "chapter=first",
        # As browsers send a textarea: CRLF line endings.
        {"kind": "section", "place": "second/", "text": crlf(TALLYING), "message": "Tally"},
    )
    assert "to go in chapter 2, “Second Thoughts”, after its introduction" in text_of(
        client.get(new).text, "main"
    )

    chapter_form = soup(client.get("/books/tiny/new?kind=chapter").text)
    chosen = chapter_form.select_one("select#place option[selected]")
    assert chosen is not None
    assert chosen.get_text() == "After chapter 2, “Second Thoughts” (at the end)"
    chapter = propose_new(
        client,
        "kind=chapter",
        {
            "kind": "chapter",
            "after": "first",
            "text": crlf("# Third Ways {#third}\n\nA new chapter.\n"),
            "message": "Third",
        },
    )
    assert "to go after chapter 1, “First Steps”" in text_of(client.get(chapter).text, "main")


def test_a_place_no_longer_in_the_book_keeps_the_text(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get("/books/tiny/new?chapter=first")
    refused = client.post(
        "/books/tiny/new",
        data={
            "csrf": csrf_of(page.text),
            "kind": "section",
            "place": "gone/",
            "text": TALLYING,
            "message": "Tally",
        },
    )
    assert refused.status_code == 404
    assert "Five strokes make a gate." in text_of(refused.text, "textarea#text")
    sign_in(client, "bob")
    assert queue_rows(client) == {}


def test_chapter_headings_link_to_their_editors_or_to_sign_in_first(client: TestClient) -> None:
    anonymous = soup(client.get("/books/tiny/chapters/first").text)
    links = [
        (str(a["href"]), str(a["aria-label"])) for a in anonymous.select("article a.edit-section")
    ]
    assert links == [
        ("/signin?next=/books/tiny/sections/first/edit", "Sign in to edit “First Steps”"),
        ("/signin?next=/books/tiny/sections/counting/edit", "Sign in to edit “Counting”"),
        ("/signin?next=/books/tiny/sections/measuring/edit", "Sign in to edit “Measuring”"),
    ]
    assert {a.get_text() for a in anonymous.select("a.edit-section")} == {"sign in to edit"}
    # The links sit beside the headings, which keep their own text.
    assert [h.get_text(" ", strip=True) for h in anonymous.select("article h2")][:2] == [
        "1.1 Counting",
        "1.2 Measuring",
    ]

    # "sign in to edit" leads through sign-in into that section's editor.
    signin = client.get(links[1][0])
    assert "Afterwards you go back to where you were going." in signin.text
    action = attribute(signin.text, "main form", "action")
    assert action == links[1][0]
    arrived = client.post(
        action,
        data={"csrf": csrf_of(signin.text), "name": "alice", "password": "correct horse"},
    )
    assert arrived.url.path == "/books/tiny/sections/counting/edit"
    assert text_of(arrived.text, "h1") == "Edit “Counting”"

    member = soup(client.get("/books/tiny/chapters/first").text)
    assert [a["href"] for a in member.select("article a.edit-section")] == [
        "/books/tiny/sections/first/edit",
        "/books/tiny/sections/counting/edit",
        "/books/tiny/sections/measuring/edit",
    ]
    # The book as it was is read, not edited.
    old = client.get("/books/tiny/chapters/first?as_of=2999-01-01")
    assert old.status_code == 200 and "edit-section" not in old.text


def test_pages_that_need_an_account_send_to_sign_in_and_back(client: TestClient) -> None:
    going = client.get("/books/tiny/new?chapter=first&after=counting", follow_redirects=False)
    assert going.status_code == 303
    target = parse_qs(urlsplit(going.headers["location"]).query)["next"][0]
    assert target == "/books/tiny/new?chapter=first&after=counting"
    signup = client.get(going.headers["location"].replace("/signin", "/signup"))
    created = client.post(
        attribute(signup.text, "main form", "action"),
        data={
            "csrf": csrf_of(signup.text),
            "name": "newton",
            "email": "isaac@example.org",
            "password": "long enough",
        },
        follow_redirects=False,
    )
    assert (created.status_code, created.headers["location"]) == (303, target)
    # The header's sign-in link, on any page, returns to that page.
    client.cookies.clear()
    chapter = soup(client.get("/books/tiny/chapters/second").text)
    header = chapter.select_one('nav[aria-label="Account"] a')
    assert header is not None and header["href"] == "/signin?next=/books/tiny/chapters/second"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " /evil",
        "javascript:alert(1)",
        "evil.example",
        "/%0a",
        "/" + "a" * 3000,
    ],
)
def test_sign_in_never_sends_to_another_site(client: TestClient, target: str) -> None:
    page = client.get("/signin", params={"next": target})
    assert page.status_code == 200
    response = client.post(
        "/signin",
        params={"next": target},
        data={"csrf": csrf_of(page.text), "name": "alice", "password": "correct horse"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == "/" or (target == "/%0a" and location == "/%0a")
    signup = client.get("/signup", params={"next": target})
    form = soup(signup.text).select_one("main form")
    assert form is not None and form["action"] in ("/signup", "/signup?next=/%250a")


def test_a_form_sent_after_the_session_ended_returns_to_its_page_after_sign_in(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    proposal = propose_edit(client, "counting", counting("One, two, three, go."), "Go")
    page = client.get(proposal)
    assert "A change to “Counting” counting by alice" in " ".join(
        text_of(page.text, "main").split()
    )
    client.cookies.clear()
    sent = client.post(
        f"{proposal}/withdraw",
        data={"csrf": csrf_of(page.text), "confirmed": "yes"},
        headers={"referer": f"http://testserver{proposal}"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert parse_qs(urlsplit(sent.headers["location"]).query)["next"] == [proposal]
    elsewhere = client.post(
        f"{proposal}/withdraw",
        data={"csrf": csrf_of(page.text)},
        headers={"referer": "https://evil.example/page"},
        follow_redirects=False,
    )
    assert (elsewhere.status_code, elsewhere.headers["location"]) == (303, "/signin")
    sign_in(client, "alice")
    assert text_of(client.get(proposal).text, ".status") == "open"  # nothing was withdrawn
