"""Read models are projections of the events: they resume, and a rebuild gives the same rows."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import event_count
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.queries import Queries
from textbook.projections.runner import ReadModelsAhead, catch_up, open_views, rebuild
from textbook.projections.views import ReadModels
from textbook.storage import open_textbook

FOUR = "## Counting {#counting}\n\nOne, two, three, four.\n"


def busy_history(app: Textbook, slug: str) -> None:
    """Approvals, a rejection, a withdrawal, new and moved sections: every kind of event."""
    first = app.propose_edit(slug, "counting", FOUR, "Count to four", by="alice")
    app.review(first, "request_changes", "Five, please.", by="bob")
    app.revise_proposal(first, FOUR.replace("four", "four, five"), "Five", by="alice")
    app.review(first, "approve", "", by="carol", version=2)
    app.review(
        app.propose_edit(slug, "summing", "## Summing {#summing}\n\nGone.\n", "", "alice"),
        "reject",
        "No.",
        by="bob",
    )
    app.withdraw(app.propose_removal(slug, "measuring", "Drop it", by="alice"), by="alice")
    added = app.propose_section(
        slug, "second", "", "## Products {#products}\n\n$n!$\n", "", "alice"
    )
    app.review(added, "approve", "", by="bob", version=1)
    moved = app.propose_move(slug, "products", "first", "counting", "Earlier", by="alice")
    app.review(moved, "approve", "", by="carol", version=1)
    app.set_open_to_all(slug, True)
    app.create_token("alice")


def test_projection_does_the_work_and_resumes_where_it_stopped(
    app: Textbook, views: ReadModels, tiny: str
) -> None:
    # Nothing is projected until the projection runs.
    assert views.max_tracking_id(app.name) is None
    processed = catch_up(app, views)
    assert processed == event_count(app)
    assert Queries(views).outline(tiny).title == "A Tiny Book"
    busy_history(app, tiny)
    # It resumes after the last event it tracked, and processes only the new ones.
    before = views.max_tracking_id(app.name)
    assert catch_up(app, views) == event_count(app) - (before or 0)
    assert catch_up(app, views) == 0


def test_rebuilding_gives_the_same_read_models_as_incremental_processing(
    app: Textbook, views: ReadModels, tiny: str, queries: Callable[[], Queries]
) -> None:
    catch_up(app, views)
    busy_history(app, tiny)
    incremental = queries().dump()
    assert incremental["tb_revisions"], "the history has rows"
    assert rebuild(app, views) == event_count(app)
    assert Queries(views).dump() == incremental


def test_contributors_are_the_authors_and_editors_of_the_text_in_the_book(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    busy_history(app, tiny)
    people = {
        c.name: (c.lines_written > 0, c.lines_approved > 0) for c in queries().contributors(tiny)
    }
    assert people == {
        "mia": (True, True),
        "alice": (True, False),
        "bob": (False, True),
        "carol": (False, True),
    }
    assert queries().members(tiny) == [
        ("alice", "author"),
        ("bob", "editor"),
        ("carol", "editor"),
        ("mia", "maintainer"),
    ]
    queue = queries().proposals(tiny, "open")
    assert queue == []
    statuses = sorted(p.status for p in queries().proposals(tiny))
    assert statuses == ["approved", "approved", "approved", "rejected", "withdrawn"]


def test_two_processes_catching_up_at_once_apply_each_event_once(
    app: Textbook, settings: Settings, tiny: str
) -> None:
    busy_history(app, tiny)
    first, second = open_views(settings), open_views(settings)
    try:
        with ThreadPoolExecutor(2) as pool:
            done = list(pool.map(lambda views: catch_up(app, views), [first, second]))
        assert sum(done) == event_count(app)
        incremental = Queries(first).dump()
        rebuild(app, first)
        assert Queries(second).dump() == incremental
    finally:
        first.close()
        second.close()


def test_read_models_of_another_store_are_refused(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    app.register_user("alice", "alice@example.org", "correct horse")
    catch_up(app, views)
    app.close()
    for path in tmp_path.glob("store.sqlite*"):
        path.unlink()  # the events are gone, the read models are left
    app = open_textbook(settings)
    try:
        with pytest.raises(ReadModelsAhead, match="Run 'textbook projections rebuild'"):
            catch_up(app, views)
        rebuild(app, views)
        assert Queries(views).dump()["tb_users"] == []
    finally:
        app.close()
        views.close()
