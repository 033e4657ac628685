"""The pages people use, through the real app and store: what they see and what is refused."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from textbook.web.diffs import word_diff

COUNTING = "## Counting {#counting}\n\nOne, two, three, and more.\n"


def text_of(html: str, selector: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(selector)
    assert found is not None, f"nothing matches {selector}"
    return found.get_text(" ", strip=True)


def propose(client: TestClient, text: str = COUNTING, message: str = "Count on") -> str:
    page = client.get("/books/tiny/sections/counting/edit")
    assert page.status_code == 200
    response = client.post(
        "/books/tiny/sections/counting/edit",
        data={"csrf": csrf_of(page.text), "text": text, "message": message, "base_revision": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/proposals/")
    return location


def review(client: TestClient, proposal: str, verdict: str, comment: str = "") -> int:
    page = client.get(proposal)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    response = client.post(
        f"{proposal}/review",
        data={
            "csrf": csrf_of(page.text),
            "verdict": verdict,
            "comment": comment,
            "version": version.group(1) if version else "",
            "confirmed": "yes",  # a rejection is confirmed (tests/web/test_review.py asks)
        },
        follow_redirects=False,
    )
    return response.status_code


def test_reader_sees_books_contents_chapters_and_search(client: TestClient) -> None:
    home = client.get("/")
    assert "A Tiny Book" in text_of(home.text, ".book-list")
    book = client.get("/books/tiny")
    assert text_of(book.text, "h1") == "A Tiny Book"
    assert "Counting" in text_of(book.text, "nav.toc")
    chapter = client.get("/books/tiny/chapters/first")
    assert text_of(chapter.text, "article h1") == "1 First Steps"
    assert text_of(chapter.text, "a[rel=next]").startswith("2. Second Thoughts")
    found = client.get("/books/tiny/search", params={"q": "gauss"})
    assert "1 section of A Tiny Book match" in text_of(found.text, "main")
    image = client.get("/books/tiny/chapters/images/ruler.svg")
    assert image.headers["content-type"] == "image/svg+xml"
    assert "sandbox" in image.headers["content-security-policy"]


def test_contents_are_worked_out_once_per_edition_and_given_as_copies(client: TestClient) -> None:
    site = client.app.state.site  # type: ignore[attr-defined]
    readable = site.readable("tiny")
    contents = readable.toc()
    assert contents == site.library.render(readable.book).toc()  # as if worked out again
    contents[0]["title"] = "Changed"
    contents[0]["sections"][0]["title"] = "Changed"
    contents[0]["sections"].clear()
    assert readable.toc() == site.library.render(readable.book).toc()  # the edition's own


def test_every_response_has_security_headers(client: TestClient) -> None:
    for url in ("/", "/books/tiny", "/books/nope", "/signin", "/static/site.css"):
        headers = client.get(url).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert (
            "unsafe-inline"
            not in headers["content-security-policy"].split("script-src")[1].split(";")[0]
        )
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_unknown_pages_and_bad_input_get_clear_errors(client: TestClient) -> None:
    missing = client.get("/books/nope")
    assert missing.status_code == 404
    assert "There is no book 'nope'." in text_of(missing.text, "main")
    assert client.get("/books/tiny/chapters/nope").status_code == 404
    assert client.get("/proposals/not-a-proposal").status_code == 404
    old = client.get("/books/tiny", params={"as_of": "yesterday"})
    assert old.status_code == 400
    assert "is not a time like" in old.text
    assert client.get("/books/tiny", params={"as_of": "2001-01-01T00:00:00Z"}).status_code == 404


def test_forms_refuse_missing_csrf_wrong_type_and_huge_bodies(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get("/books/tiny/sections/counting/edit")
    no_token = client.post(
        "/books/tiny/sections/counting/edit", data={"text": COUNTING, "message": "x"}
    )
    assert no_token.status_code == 403
    assert "This form has expired or came from elsewhere" in no_token.text
    as_json = client.post("/books/tiny/sections/counting/edit", json={"text": COUNTING})
    assert as_json.status_code == 415
    huge = client.post(
        "/books/tiny/sections/counting/edit",
        data={"csrf": csrf_of(page.text), "text": "x" * (5 * 1024 * 1024), "message": "big"},
    )
    assert huge.status_code == 413
    assert client.get("/me/proposals").text.count("/proposals/") == 0  # nothing was proposed


def test_author_proposes_editor_reviews_and_the_page_shows_the_approved_text(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    proposal = propose(client)
    page = client.get(proposal)
    assert text_of(page.text, ".status") == "open"
    assert "and more." in text_of(page.text, "#diff ins")
    assert "One, two, three, and more." in text_of(page.text, ".rendered")
    assert text_of(page.text, ".rendered h2") == "1.1 Counting"  # rendered, numbered as the book
    # Not published before an editor approves.
    assert "and more" not in client.get("/books/tiny/chapters/first").text
    # The author is no editor: no approve button, and a forged approval is refused.
    assert "Approve and publish" not in page.text
    assert review(client, proposal, "approve") == 403
    sign_in(client, "bob")
    assert review(client, proposal, "request_changes", "Say how far.") == 303
    assert text_of(client.get(proposal).text, ".status") == "changes requested"
    sign_in(client, "alice")
    revised = client.get(f"{proposal}/revise")
    response = client.post(
        f"{proposal}/revise",
        data={
            "csrf": csrf_of(revised.text),
            "text": "## Counting {#counting}\n\nOne, two, three, up to ten.\n",
            "message": "Up to ten",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    sign_in(client, "carol")
    assert review(client, proposal, "approve", "Good.") == 303
    chapter = client.get("/books/tiny/chapters/first")
    assert "One, two, three, up to ten." in text_of(chapter.text, "article")
    history = client.get("/books/tiny/sections/counting/history")
    assert "written by alice , approved by carol" in text_of(history.text, ".revision")
    first = text_of(history.text, ".revision:last-of-type .meta")  # revision 1, from the import
    assert "imported from the book's source files by mia" in first
    blame = client.get("/books/tiny/sections/counting/blame")
    assert "alice carol" in text_of(blame.text, "table.blame")
    assert "imported by mia" in text_of(blame.text, "table.blame")  # the heading line
    changes = client.get("/books/tiny/changes")
    assert "Count on" in text_of(changes.text, "table")  # a revision keeps the title


def test_editor_cannot_approve_her_own_proposal(client: TestClient) -> None:
    sign_in(client, "bob")
    proposal = propose(client, message="Mine")
    page = client.get(proposal)
    assert "Approve and publish" not in page.text
    assert "another editor approves it" in page.text
    assert review(client, proposal, "approve") == 403
    assert "and more" not in client.get("/books/tiny/chapters/first").text


def test_stale_proposal_says_so_and_shows_what_changed(client: TestClient) -> None:
    sign_in(client, "alice")
    first = propose(client, message="First")
    second = propose(client, "## Counting {#counting}\n\nUno, dos, tres.\n", "Spanish")
    sign_in(client, "bob")
    review(client, first, "approve")
    page = client.get(second)
    assert "The section has changed since this proposal was written" in page.text
    assert "now at revision 2" in page.text
    assert "Approve and publish" not in page.text
    assert review(client, second, "approve") == 409


def test_approving_a_version_read_before_a_revision_keeps_the_reviewers_comment(
    client: TestClient,
) -> None:
    sign_in(client, "alice")
    proposal = propose(client, message="First")
    form = client.get(f"{proposal}/revise")
    revised = client.post(
        f"{proposal}/revise",
        data={
            "csrf": csrf_of(form.text),
            "text": "## Counting {#counting}\n\nOne, two, three, four.\n",
            "message": "Four",
        },
        follow_redirects=False,
    )
    assert revised.status_code == 303
    sign_in(client, "bob")
    page = client.get(proposal)
    assert "You are reviewing version 2 of the proposal." in text_of(page.text, ".review-form")
    refused = client.post(
        f"{proposal}/review",
        data={"csrf": csrf_of(page.text), "verdict": "approve", "comment": "Fine.", "version": "1"},
    )
    assert refused.status_code == 409
    assert "The proposal changed since you read it." in text_of(refused.text, "#changed")
    assert text_of(refused.text, "#comment") == "Fine."  # typed, and not lost
    # There is no version 0: asking what changed since it shows nothing rather than a guess.
    since_none = client.get(proposal, params={"since": "0"})
    assert since_none.status_code == 200
    assert 'id="changed"' not in since_none.text


def test_revoking_a_token_on_the_profile_says_so(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get("/profile")
    created = client.post(
        "/profile", data={"csrf": csrf_of(page.text), "label": "laptop", "expires": "2w"}
    )
    token_id = text_of(created.text, "table.tokens td code")
    revoked = client.post(
        f"/profile/tokens/{token_id}/revoke", data={"csrf": csrf_of(created.text)}
    )
    assert revoked.status_code == 200 and revoked.url.query == f"revoked={token_id}".encode()
    assert f"Token {token_id} is revoked" in text_of(revoked.text, ".notice")
    assert "table" not in revoked.text.split("<main", 1)[1].split("A new token")[0]
    made_up = client.get("/profile", params={"revoked": "<b>all</b>"})
    assert "is revoked" not in made_up.text


def test_queue_shows_waiting_time_and_median_delay(client: TestClient) -> None:
    sign_in(client, "alice")
    waiting = propose(client, message="Waiting")
    reviewed = propose(client, "## Counting {#counting}\n\nOne to five.\n", "Reviewed")
    sign_in(client, "bob")
    review(client, reviewed, "reject", "No.")
    queue = client.get("/books/tiny/queue")
    assert "1 proposal waiting for an editor." in text_of(queue.text, "main")
    assert "Median time to a first review" in queue.text
    assert waiting.split("/")[-1] in queue.text


def test_old_versions_are_clearly_marked(client: TestClient) -> None:
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    sign_in(client, "alice")
    proposal = propose(client)
    sign_in(client, "bob")
    review(client, proposal, "approve")
    old = client.get("/books/tiny/chapters/first", params={"as_of": moment})
    assert "An old version." in text_of(old.text, ".old-version")
    assert "and more" not in old.text
    assert "and more" in client.get("/books/tiny/chapters/first").text


def test_signup_signin_and_tokens(client: TestClient) -> None:
    page = client.get("/signup")
    taken = client.post(
        "/signup",
        data={
            "csrf": csrf_of(page.text),
            "name": "alice",
            "email": "a2@example.org",
            "password": "long enough",
        },
    )
    assert taken.status_code == 422
    assert "The user name 'alice' is already taken." in text_of(taken.text, "main")
    created = client.post(
        "/signup",
        data={
            "csrf": csrf_of(page.text),
            "name": "newton",
            "email": "isaac@example.org",
            "password": "long enough",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    profile = client.get("/profile")
    assert text_of(profile.text, "h1") == "newton"
    made = client.post("/profile", data={"csrf": csrf_of(profile.text), "label": "laptop"})
    assert text_of(made.text, "#new-token").startswith("tb_")
    signin = client.get("/signin")
    wrong = client.post(
        "/signin", data={"csrf": csrf_of(signin.text), "name": "newton", "password": "wrong"}
    )
    assert wrong.status_code == 401
    assert "do not match" in wrong.text


def test_word_diff_marks_only_the_changed_words() -> None:
    diff = word_diff("One paragraph.\n\nEach word counts.", "One paragraph.\n\nEvery word counts.")
    assert str(diff) == "One paragraph.\n\n<del>Each </del><ins>Every </ins>word counts."


def test_word_diff_folds_unchanged_lines_far_from_a_change() -> None:
    old = "\n".join(f"Line {n} <of> twenty." for n in range(1, 21))
    new = old.replace("Line 10 <of>", "Line ten <of>")
    diff = word_diff(old, new)
    assert str(diff) == (
        '<span class="fold">\u22ef 7 unchanged lines</span>'
        "Line 8 &lt;of&gt; twenty.\nLine 9 &lt;of&gt; twenty.\n"
        "Line <del>10 </del><ins>ten </ins>&lt;of&gt; twenty.\n"
        "Line 11 &lt;of&gt; twenty.\nLine 12 &lt;of&gt; twenty."
        '<span class="fold">\u22ef 8 unchanged lines</span>'
    )
    assert word_diff(old, new, context=None).count("\n") == 19  # every line, when asked
    # Two unchanged lines between changes stay: a note in their place would save nothing.
    close = new.replace("Line 4 <of>", "Line four <of>")
    diff = word_diff(old, close)
    assert diff.startswith("Line 1 ") and "Line 7 " in diff and diff.count('class="fold"') == 1
    assert word_diff("", "New.\nText.") == "<ins>New.</ins>\n<ins>Text.</ins>"  # all new: all shown


def test_my_proposals_lists_the_authors_own_newest_first(client: TestClient) -> None:
    sign_in(client, "alice")
    first = propose(client, message="Count on")
    second = propose(client, COUNTING.replace("more", "more still"), message="Count further")
    sign_in(client, "bob")
    assert review(client, first, "approve") == 303  # first is now the most recently changed
    assert client.get("/me/proposals").text.count("/proposals/") == 0  # bob proposed nothing
    sign_in(client, "alice")
    page = client.get("/me/proposals").text
    assert page.index(first) < page.index(second)
    assert "Count on" in page and "Count further" in page


def test_preview_and_proposal_page_resolve_citations_as_the_book_does(client: TestClient) -> None:
    sign_in(client, "alice")
    cited = "## Counting {#counting}\n\nCounting is older than writing [@knuth1997].\n"
    page = client.get("/books/tiny/sections/counting/edit")
    response = client.post(
        "/preview", data={"csrf": csrf_of(page.text), "book": "tiny", "text": cited}
    )
    assert response.status_code == 200, response.text
    html = response.json()["html"]
    assert "Counting is older than writing (Knuth 1997) ." in text_of(html, "p")
    assert "The Art of Computer Programming" in text_of(html, "#refs")
    assert text_of(html, "h2.unnumbered") == "References"
    proposal = client.get(propose(client, cited, "Cite Knuth"))
    assert "(Knuth 1997)" in text_of(proposal.text, ".rendered")
    assert "The Art of Computer Programming" in text_of(proposal.text, ".rendered #refs")
