"""axe-core on every kind of page, at a desktop's width and a phone's, in Chromium.

The server is the browser tests' `textbook serve` on the sample book. The module seeds what the
pages need through the forms, as a person would: proposals that are open, sent back for changes,
approved, rejected and withdrawn. axe-core (installed by `.ci/axe`) is injected into each page; the
site's Content-Security-Policy forbids inline scripts, so the test's browser contexts bypass it (the
server still sends it). A serious or critical violation fails the test, listed with its elements.
"""

from __future__ import annotations

import contextlib
import html
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import TIMEOUT_MS, Server
from tests.live import csrf_of
from textbook.web.reports import MIN_SECONDS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots" / "accessibility"
BOOK = "/books/numerical-methods"
CHAPTERS = [
    "floating-point",
    "root-finding",
    "linear-systems",
    "interpolation",
    "least-squares",
    "integration",
    "odes",
    "eigenvalues",
    "glossary",  # back matter: no chapter number
]
WIDTHS = (1280, 390)
DEMO_PASSWORD = "textbook-demo"
AUTHOR, EDITOR = "ada", "emmy"  # the demo accounts `textbook serve` adds to an empty store
EPUB_SECONDS = 300  # the publisher builds the EPUB after the server starts, on a busy machine
LOAD_SECONDS = 120  # the first chapter page renders the book, while the publisher builds it
STATES = ("open", "changes requested", "approved", "rejected", "withdrawn")
SHOT_HEIGHT = 3000  # the top of each page, for a person to look at
SERIOUS = {"serious", "critical"}
EDIT_LINK = re.compile(r'href="/books/numerical-methods/sections/([\w-]+)/edit"')
PROPOSAL = re.compile(r"/proposals/([0-9a-f-]{36})$")
TEXTAREA = re.compile(r'<textarea id="text"[^>]*>(.*?)</textarea>', re.S)


@dataclass(frozen=True)
class Seed:
    proposals: dict[str, str]  # state → proposal id
    section: str  # a section with an open proposal
    moment: str  # the query string of a past moment, as_of=...


@contextlib.contextmanager
def signed_in_client(server: Server, name: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=LOAD_SECONDS) as client:
        page = client.get("/signin")
        response = client.post(
            "/signin",
            data={"csrf": csrf_of(page.text), "name": name, "password": DEMO_PASSWORD},
        )
        assert response.status_code == 303, response.text
        yield client


def propose(client: httpx.Client, section: str, message: str) -> str:
    """Proposes a small change to the section through its edit form; returns the proposal's id."""
    form = client.get(f"{BOOK}/sections/{section}/edit")
    assert form.status_code == 200, form.text
    base = re.search(r'name="base_revision" value="(\d+)"', form.text)
    text = TEXTAREA.search(form.text)
    assert base and text
    response = client.post(
        f"{BOOK}/sections/{section}/edit",
        data={
            "csrf": csrf_of(form.text),
            "base_revision": base.group(1),
            "text": html.unescape(text.group(1)) + f"\n\n{message}.\n",
            "message": message,
        },
    )
    assert response.status_code == 303, response.text
    found = PROPOSAL.search(response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def review(client: httpx.Client, proposal: str, verdict: str) -> None:
    page = client.get(f"/proposals/{proposal}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version, page.text
    response = client.post(
        f"/proposals/{proposal}/review",
        data={
            "csrf": csrf_of(page.text),
            "version": version.group(1),
            "verdict": verdict,
            "comment": "Please say more about this.",
            "confirmed": "yes",  # a rejection is confirmed on its own page
        },
    )
    assert response.status_code == 303, response.text


@pytest.fixture(scope="module")
def seed(server: Server) -> Seed:
    with signed_in_client(server, AUTHOR) as author, signed_in_client(server, EDITOR) as editor:
        # Each section once: its heading and the side panel both link to its editor.
        chapter = author.get(f"{BOOK}/chapters/root-finding").text
        sections = list(dict.fromkeys(EDIT_LINK.findall(chapter)))
        assert len(sections) >= 5, sections
        proposals = {
            state: propose(author, section, f"A sentence for the {state} proposal")
            for state, section in zip(
                STATES,
                sections[1:],
                strict=False,
            )
        }
        review(editor, proposals["changes requested"], "request_changes")
        review(editor, proposals["approved"], "approve")
        review(editor, proposals["rejected"], "reject")
        page = author.get(f"/proposals/{proposals['withdrawn']}")
        response = author.post(
            f"/proposals/{proposals['withdrawn']}/withdraw",
            data={"csrf": csrf_of(page.text), "confirmed": "yes"},
        )
        assert response.status_code == 303, response.text
        # A moment after everything above: the book as it was then, seen as an old version.
        moment = urlencode({"as_of": datetime.now(UTC).isoformat()})
        return Seed(proposals, sections[1], moment)


@pytest.fixture(scope="module")
def contexts(browser: Browser, server: Server) -> Iterator[dict[str | None, BrowserContext]]:
    """A browser for a reader without an account, one for the author and one for the editor."""
    made: dict[str | None, BrowserContext] = {}
    for name in (None, AUTHOR, EDITOR):
        # The site's CSP allows no inline script; axe is injected by the test only.
        context = browser.new_context(base_url=server.url, bypass_csp=True)
        context.set_default_timeout(TIMEOUT_MS)
        if name:
            page = context.new_page()
            page.goto("/signin")
            page.get_by_label("User name").fill(name)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("navigation", name="Account")).to_contain_text(name)
            page.close()
        made[name] = context
    yield made
    for context in made.values():
        context.close()


def violations(page: Page) -> list[dict[str, Any]]:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed in {AXE.parents[2]}: run `bash .ci/axe`")
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


def described(found: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']} ({len(v['nodes'])}): {v['help']}\n"
        + "\n".join(f"    {node['target']} {node['html'][:120]}" for node in v["nodes"][:5])
        for v in found
    )


def check(
    contexts: dict[str | None, BrowserContext],
    name: str,
    url: str,
    as_user: str | None = None,
    ready: Callable[[Page], None] | None = None,
) -> None:
    """Opens the page at each width and runs axe on it; saves a screenshot of each."""
    page = contexts[as_user].new_page()
    try:
        failures = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(url, timeout=LOAD_SECONDS * 1000)
            if ready:
                ready(page)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            tall = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_HEIGHT)
            page.screenshot(
                path=SCREENSHOTS / f"{name}-{width}.png",
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": tall},
                timeout=LOAD_SECONDS * 1000,
            )
            found = violations(page)
            if found:
                failures.append(f"at {width} px:\n{described(found)}")
            # Wide math, tables and code scroll in their own box: the page never scrolls sideways.
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                failures.append(f"at {width} px: the page is {wide} px wide")
        assert not failures, f"{url}\n" + "\n".join(failures)
    finally:
        page.close()


def preview_shown(page: Page) -> None:
    expect(page.locator("#preview h2, #preview h1").first).to_be_visible()


READER_PAGES = {
    "home": "/",
    "book": BOOK,
    "search": f"{BOOK}/search?q=newton",
    "search-nothing": f"{BOOK}/search?q=zzzzqqq",
    "changes": f"{BOOK}/changes",
    "history": f"{BOOK}/history",
    "editions": f"{BOOK}/editions",  # the demo's "First edition", and what changed since
    "editions-compare": f"{BOOK}/editions/compare?from=first-edition&to=now",
    "edition-not-found": f"{BOOK}/editions/compare?from=no-such-edition",
    "section-history": f"{BOOK}/sections/bisection/history",
    "blame": f"{BOOK}/sections/bisection/blame",
    "images": f"{BOOK}/images",
    "community": f"{BOOK}/community",
    "person": f"/people/{EDITOR}",
    "person-unknown": "/people/nobody-by-this-name",
    "signin": "/signin",
    "signup": "/signup",
    "forgot": "/password/forgot",
    "not-found": "/books/no-such-book",
    "bad-request": f"{BOOK}?as_of=not-a-moment",
}


@pytest.mark.parametrize("name", READER_PAGES)
def test_reader_page_has_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed, name: str
) -> None:
    check(contexts, name, READER_PAGES[name])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_no_serious_violation(
    contexts: dict[str | None, BrowserContext], chapter: str
) -> None:
    check(contexts, f"chapter-{chapter}", f"{BOOK}/chapters/{chapter}")


def test_old_version_has_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed
) -> None:
    check(contexts, "old-book", f"{BOOK}?{seed.moment}")
    check(contexts, "old-chapter", f"{BOOK}/chapters/root-finding?{seed.moment}")


@pytest.mark.parametrize("state", STATES)
def test_proposal_page_has_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed, state: str
) -> None:
    url = f"/proposals/{seed.proposals[state]}"
    slug = state.replace(" ", "-")
    check(contexts, f"proposal-{slug}-editor", url, EDITOR)
    check(contexts, f"proposal-{slug}-author", url, AUTHOR)


def test_member_pages_have_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed
) -> None:
    check(contexts, "queue", f"{BOOK}/queue", EDITOR)
    check(contexts, "mine", "/me/proposals", AUTHOR)
    check(contexts, "profile", "/profile", AUTHOR)
    check(contexts, "settings", f"{BOOK}/settings", EDITOR)
    check(contexts, "editions-editor", f"{BOOK}/editions", EDITOR)  # the form to mark one
    check(contexts, "forbidden", "/me/proposals")


def test_pages_mail_links_to_have_no_serious_violation(
    contexts: dict[str | None, BrowserContext], server: Server, seed: Seed
) -> None:
    """A password reset, an address to verify, mail to stop and a reader's report to confirm,
    as their links open them."""
    from textbook.config import Settings
    from textbook.domain import ids
    from textbook.mail.links import Links
    from textbook.storage import open_textbook

    folder = server.log.parent  # `textbook serve` runs there: its store, and var/ with its key
    settings = Settings(database=str(folder / "textbook.sqlite"), var=folder / "var")
    with httpx.Client(base_url=server.url, timeout=LOAD_SECONDS) as client:
        form = client.get("/password/forgot")
        asked = client.post(
            "/password/forgot", data={"csrf": csrf_of(form.text), "email": "ada@example.org"}
        )
        assert asked.status_code == 200, asked.text
    app = open_textbook(settings)
    try:
        reset = list(app.user(AUTHOR).resets)[-1]
        verify = app.change_email(AUTHOR, "ada@example.net", DEMO_PASSWORD)
        reported = app.report_error(
            "numerical-methods", seed.section, "A paragraph.", "The sign is wrong.",
            "reader@example.org",
        )  # fmt: skip
    finally:
        app.close()
    links, user_id = Links.from_settings(settings, ""), ids.user_id(AUTHOR)
    check(contexts, "reset", links.reset_url(user_id, reset))
    check(contexts, "verify", links.verify_url(user_id, verify))
    check(contexts, "unsubscribe", links.unsubscribe_url(AUTHOR))
    check(contexts, "report-confirm", links.confirm_report_url(reported))
    check(contexts, "reset-refused", "/password/reset/not-a-link")
    check(contexts, "profile-pending", "/profile", AUTHOR)


def test_inbox_and_watching_pages_have_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed, server: Server
) -> None:
    with signed_in_client(server, AUTHOR) as author:
        page = author.get("/watching")
        for target, place in (("book", ""), ("section", seed.section)):
            response = author.post(
                "/watch",
                data={"csrf": csrf_of(page.text), "target": target, "book": "numerical-methods",
                      "place": place, "action": "watch"},
            )  # fmt: skip
            assert response.status_code in (200, 303), response.text
    check(contexts, "inbox-author", "/inbox", AUTHOR)
    check(contexts, "inbox-editor", "/inbox", EDITOR)
    check(contexts, "watching", "/watching", AUTHOR)
    check(contexts, "queue-asked", f"{BOOK}/queue?show=asked", EDITOR)


def test_starting_and_details_pages_have_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed
) -> None:
    check(contexts, "start", "/start", AUTHOR)
    check(contexts, "details", f"{BOOK}/details")
    check(contexts, "details-propose", f"{BOOK}/details/propose", AUTHOR)
    check(contexts, "archive", f"{BOOK}/archive", EDITOR)


def test_bringing_and_taking_pages_have_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed
) -> None:
    check(contexts, "import", "/import", AUTHOR)
    check(contexts, "import-signed-out", "/import")
    check(contexts, "take", f"{BOOK}/take", AUTHOR)


def test_editors_with_preview_have_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed
) -> None:
    check(contexts, "edit", f"{BOOK}/sections/newton-method/edit", AUTHOR, preview_shown)
    check(contexts, "edit-chapter", f"{BOOK}/sections/linear-systems/edit", AUTHOR, preview_shown)
    check(contexts, "new", f"{BOOK}/new?chapter=root-finding", AUTHOR)
    revise = f"/proposals/{seed.proposals['changes requested']}/revise"
    check(contexts, "revise", revise, AUTHOR, preview_shown)


def test_phone_reader_finds_downloads_and_the_chapters_contents_at_the_top(
    contexts: dict[str | None, BrowserContext],
) -> None:
    page = contexts[None].new_page()
    page.set_viewport_size({"width": 390, "height": 800})
    try:
        # On the book's page, the downloads come before its contents (once the EPUB is built).
        deadline = time.monotonic() + EPUB_SECONDS
        epub = page.get_by_role("link", name="EPUB", exact=True)
        while True:
            page.goto(BOOK, timeout=LOAD_SECONDS * 1000)
            if epub.count() or time.monotonic() > deadline:
                break
            time.sleep(2)
        expect(epub).to_be_visible()
        assert top(epub) < min(top(page.get_by_role("navigation", name="Contents")), 800)

        # A chapter opens with its own contents, each section a link to its heading, and the
        # book's downloads.
        page.goto(f"{BOOK}/chapters/root-finding", timeout=LOAD_SECONDS * 1000)
        own = page.get_by_role("navigation", name="In this chapter")
        expect(own.get_by_role("listitem")).to_have_text(
            [
                "2.1 Bisection",
                "2.2 Newton\u2019s Method",
                "2.3 The Secant Method",
                "2.4 Order of Convergence",
                "2.5 Exercises",
            ]
        )
        expect(own.get_by_role("link", name="EPUB", exact=True)).to_be_visible()
        assert top(own) < 800
        own.get_by_role("link", name="2.3 The Secant Method").click()
        expect(page).to_have_url(re.compile(r"#secant-method$"))
        expect(page.get_by_role("heading", name="The Secant Method")).to_be_in_viewport()
    finally:
        page.close()


def test_keyboard_reaches_and_scrolls_wide_math_on_a_phone(
    contexts: dict[str | None, BrowserContext],
) -> None:
    page = contexts[None].new_page()
    page.set_viewport_size({"width": 390, "height": 800})
    try:
        page.goto(f"{BOOK}/chapters/eigenvalues", timeout=LOAD_SECONDS * 1000)
        boxes = page.get_by_role("region", name="Equation")
        wide = [
            box
            for box in boxes.all()
            if box.evaluate("box => box.scrollWidth > box.clientWidth + 1")
        ]
        assert wide, "some equation is wider than a phone"
        box = wide[0]
        # Tab moves through the page until the equation's box has the focus.
        page.locator("body").focus()
        for _ in range(200):
            page.keyboard.press("Tab")
            if box.evaluate("box => box === document.activeElement"):
                break
        else:
            pytest.fail("Tab never reaches the wide equation")
        assert box.evaluate("box => box.scrollLeft") == 0
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "box => box.scrollLeft > 0", arg=box.element_handle(), timeout=TIMEOUT_MS
        )
    finally:
        page.close()


def top(locator: Any) -> float:
    box = locator.first.bounding_box()
    assert box is not None
    return float(box["y"])


FORK = "/books/a11y-course"


def propose_in(client: httpx.Client, book: str, section: str, sentence: str) -> str:
    """Proposes the section of `book` with a sentence at its end; returns the proposal's id."""
    form = client.get(f"{book}/sections/{section}/edit")
    base = re.search(r'name="base_revision" value="(\d+)"', form.text)
    text = TEXTAREA.search(form.text)
    assert base and text, form.text
    response = client.post(
        f"{book}/sections/{section}/edit",
        data={
            "csrf": csrf_of(form.text),
            "base_revision": base.group(1),
            "text": html.unescape(text.group(1)) + f"\n\n{sentence}\n",
            "message": sentence,
        },
    )
    assert response.status_code == 303, response.text
    found = PROPOSAL.search(response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


@pytest.fixture(scope="module")
def fork_seed(server: Server) -> str:
    """The author forks the book (the editor edits the fork too); both books then add to one
    section (a conflict) and the upstream to another (it merges)."""
    with signed_in_client(server, AUTHOR) as author, signed_in_client(server, EDITOR) as editor:
        form = author.get(f"{BOOK}/fork")
        made = author.post(
            f"{BOOK}/fork",
            data={"csrf": csrf_of(form.text), "slug": FORK.rsplit("/", 1)[1], "title": ""},
        )
        assert made.status_code == 303, made.text
        settings = author.get(f"{FORK}/settings")
        granted = author.post(
            f"{FORK}/settings",
            data={"csrf": csrf_of(settings.text), "action": "grant", "name": EDITOR,
                  "role": "editor"},
        )  # fmt: skip
        assert granted.status_code == 303, granted.text
        review(editor, propose_in(author, FORK, "gaussian-quadrature", "Nodes matter."), "approve")
        review(editor, propose_in(author, BOOK, "gaussian-quadrature", "Weights too."), "approve")
        review(editor, propose_in(author, BOOK, "trapezoidal-rule", "Lines are exact."), "approve")
    return FORK


def test_fork_pages_have_no_serious_violation(
    contexts: dict[str | None, BrowserContext], fork_seed: str
) -> None:
    check(contexts, "fork-form", f"{BOOK}/fork", AUTHOR)
    check(contexts, "fork-book", fork_seed)
    check(contexts, "fork-upstream", f"{fork_seed}/upstream", EDITOR)
    check(contexts, "fork-upstream-reader", f"{fork_seed}/upstream")
    check(contexts, "fork-resolve", f"{fork_seed}/upstream/gaussian-quadrature/resolve", EDITOR)
    check(contexts, "fork-offers", f"{fork_seed}/offers", AUTHOR)


def seed_needs(server: Server) -> None:
    """Needs through the forms: two marked by an editor, one taken by an author, one report."""
    with signed_in_client(server, EDITOR) as editor, signed_in_client(server, AUTHOR) as author:
        for place, kind in (("section:bisection", "figure"), ("chapter:root-finding", "exercises")):
            form = editor.get(f"{BOOK}/needs/new")
            marked = editor.post(
                f"{BOOK}/needs",
                data={"csrf": csrf_of(form.text), "place": place, "kind": kind,
                      "reason": f"The chapter needs {kind} (a check of the page's look)."},
            )  # fmt: skip
            assert marked.status_code == 303, marked.text
        board = author.get(f"{BOOK}/needs?kind=figure")
        need = re.search(r'action="(/books/[^"]+/take)"', board.text)
        assert need, board.text
        taken = author.post(need.group(1), data={"csrf": csrf_of(board.text)})
        assert taken.status_code == 303, taken.text
    with httpx.Client(base_url=server.url, timeout=LOAD_SECONDS) as reader:
        page = reader.get(f"{BOOK}/sections/bisection/report?p=1")
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert token, page.text
        time.sleep(MIN_SECONDS + 1)  # the form refuses what is sent faster than a person reads
        sent = reader.post(
            f"{BOOK}/sections/bisection/report?p=1",
            data={"csrf": csrf_of(page.text), "token": token.group(1), "website": "",
                  "reason": "The bracket should be closed."},
        )  # fmt: skip
        assert sent.status_code == 303, sent.text


def test_needs_pages_have_no_serious_violation(
    contexts: dict[str | None, BrowserContext], seed: Seed, server: Server
) -> None:
    seed_needs(server)
    check(contexts, "needs", f"{BOOK}/needs")
    check(contexts, "needs-editor", f"{BOOK}/needs", EDITOR)
    check(contexts, "needs-author", f"{BOOK}/needs?kind=citations", AUTHOR)
    check(contexts, "need-form", f"{BOOK}/needs/new?section=bisection", EDITOR)
    check(contexts, "report", f"{BOOK}/sections/bisection/report?p=1")
