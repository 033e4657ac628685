"""Read models can change shape: a read model whose version in the store is older than its code's
is rebuilt when a process opens the read models, and ends up as a rebuild from zero would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import event_count
from tests.projections.test_rebuild import busy_history
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.domain.user import User
from textbook.projections import people, projection, runner
from textbook.projections import views as views_module
from textbook.projections.queries import Queries
from textbook.projections.readmodel import ReadModel
from textbook.projections.runner import catch_up, open_views, rebuild
from textbook.projections.views import MODELS, ReadModels
from textbook.storage import Sql, transaction


def longer_history(app: Textbook, slug: str) -> None:
    """Every kind of event, and a section revised twice, then removed."""
    busy_history(app, slug)
    need = app.mark_need(slug, "counting", "example", "An example.", "alice")  # and needs
    app.take_need(need, "alice")
    app.report_error(slug, "measuring", "See the figure.", "Which figure?")
    edit = app.propose_edit(
        slug, "counting", "## Counting {#counting}\n\nSix.\n", "Six", "alice", needs=[need]
    )
    app.review(edit, "approve", "", by="bob", version=1)
    app.mark_edition(slug, "First edition", "bob")  # and a named edition
    app.review(
        app.propose_removal(slug, "counting", "Drop it", by="alice"),
        "approve",
        "",
        by="carol",
        version=1,
    )
    app.fork_book(slug, f"{slug}-fork", by="alice")  # a fork, and text taken from another book
    app.remix(f"{slug}-remix", "Remix", [(slug, "second")], by="alice")  # and a remix


def named(name: str) -> ReadModel:
    (model,) = [model for model in MODELS if model.name == name]
    return model


def record_version(views: ReadModels, name: str, version: int | None) -> None:
    """Make the store say that read model `name` was built with `version` (None: not at all)."""
    with transaction(views.datastore, commit=True) as sql:
        sql.execute("DELETE FROM {s}.textbook_read_models WHERE name = ?", (name,))
        if version is not None:
            sql.execute("INSERT INTO {s}.textbook_read_models VALUES (?, ?)", (name, version))


def spoil(views: ReadModels, model: ReadModel) -> None:
    """Rows a rebuild must not keep: the read model's tables emptied."""
    with transaction(views.datastore, commit=True) as sql:
        for table in model.tables:
            sql.execute(f"DELETE FROM {{s}}.{table}")


def from_zero(app: Textbook, settings: Settings) -> dict[str, list[dict[str, Any]]]:
    views = open_views(settings)
    try:
        rebuild(app, views)
        return Queries(views).dump()
    finally:
        views.close()


@pytest.mark.parametrize("name", [model.name for model in MODELS])
def test_a_read_model_with_an_older_version_is_rebuilt_alone_on_start(
    app: Textbook, views: ReadModels, settings: Settings, tiny: str, name: str
) -> None:
    catch_up(app, views)
    longer_history(app, tiny)
    catch_up(app, views)
    model = named(name)
    record_version(views, name, model.version - 1)
    spoil(views, model)
    others = {
        table: rows for table, rows in Queries(views).dump().items() if table not in model.tables
    }
    replayed: list[list[str]] = []
    replay_into = runner.replay_into

    def counted(app: Textbook | None, views: ReadModels, models: list[ReadModel]) -> None:
        replay_into(app, views, models)
        replayed.append([m.name for m in models])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "replay_into", counted)
        restarted = open_views(settings)
    try:
        assert replayed[-1] == [name]  # only the read model whose version changed
        dump = Queries(restarted).dump()
        assert {t: rows for t, rows in dump.items() if t not in model.tables} == others
        assert any(dump[table] for table in model.tables), "the rebuilt tables have rows"
        assert restarted.stale() == []
        assert catch_up(app, restarted) == 0  # it stands where the others stand
        assert dump == from_zero(app, settings)
    finally:
        restarted.close()


def test_a_read_model_the_store_has_no_version_of_is_rebuilt(
    app: Textbook, views: ReadModels, settings: Settings, tiny: str
) -> None:
    longer_history(app, tiny)
    catch_up(app, views)
    before = Queries(views).dump()
    record_version(views, "blame", None)
    spoil(views, named("blame"))
    restarted = open_views(settings)
    try:
        assert Queries(restarted).dump() == before
    finally:
        restarted.close()


EMAIL_DOMAIN = (
    "CREATE TABLE {s}.tb_users (user_id TEXT PRIMARY KEY, name TEXT UNIQUE,"
    " email TEXT, registered_at TEXT, email_domain TEXT)"
)


def registered_with_domain(sql: Sql, e: User.Registered) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_users VALUES (?, ?, ?, ?, ?)",
        (str(e.originator_id), e.name, e.email, e.timestamp.isoformat(), e.email.split("@")[1]),
    )


def test_a_new_column_with_a_version_bump_is_filled_from_the_events(
    app: Textbook, views: ReadModels, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.register_user("alice", "alice@example.org", "correct horse")
    app.register_user("bob", "bob@example.net", "correct horse")
    catch_up(app, views)
    # The change a developer makes: one more column, its value, and the version + 1.
    bumped = ReadModel("people", people.VERSION + 1, (EMAIL_DOMAIN,))
    monkeypatch.setattr(people, "MODEL", bumped)
    monkeypatch.setattr(people, "registered", registered_with_domain)
    monkeypatch.setattr(
        views_module, "MODELS", tuple(bumped if m.name == "people" else m for m in MODELS)
    )
    restarted = open_views(settings)
    try:
        seen = event_count(app)
        app.register_user("carol", "carol@example.com", "correct horse")
        assert catch_up(app, restarted) == event_count(app) - seen
        with restarted.read() as sql:
            rows = sql.all("SELECT name, email_domain FROM {s}.tb_users ORDER BY name")
        assert rows == [
            {"name": "alice", "email_domain": "example.org"},
            {"name": "bob", "email_domain": "example.net"},
            {"name": "carol", "email_domain": "example.com"},
        ]
        assert Queries(restarted).dump()["tb_users"] == from_zero(app, settings)["tb_users"]
    finally:
        restarted.close()


def test_the_read_models_do_not_depend_on_the_order_they_are_written_in(
    app: Textbook,
    views: ReadModels,
    tiny: str,
    queries: Callable[[], Queries],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    longer_history(app, tiny)
    in_order = queries().dump()
    all_of = projection.all_of
    monkeypatch.setattr(projection, "all_of", lambda updates: all_of(updates[::-1]))
    assert rebuild(app, views) == event_count(app)
    assert Queries(views).dump() == in_order


START = """
import sys
from textbook.config import Settings
from textbook.projections import runner
from textbook.projections.queries import Queries
from textbook.storage import open_textbook

replay_into = runner.replay_into
def counted(app, views, models):
    replay_into(app, views, models)
    print("rebuilt", *[m.name for m in models], flush=True)
runner.replay_into = counted

settings = Settings(database=sys.argv[1])
app, views = open_textbook(settings), runner.open_views(settings)
runner.catch_up(app, views)
print("serving", len(Queries(views).history(sys.argv[2])), flush=True)
app.close()
views.close()
"""


@pytest.mark.slow
def test_two_processes_starting_at_once_rebuild_once_and_both_serve(
    app: Textbook, views: ReadModels, settings: Settings, tiny: str
) -> None:
    longer_history(app, tiny)
    catch_up(app, views)
    before = Queries(views).dump()
    record_version(views, "history", 0)
    spoil(views, named("history"))
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", START, settings.database, tiny],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    lines = [line for out, _ in outputs for line in out.splitlines()]
    assert [line for line in lines if line.startswith("rebuilt")] == ["rebuilt history"]
    served = len(Queries(views).history(tiny))
    assert served > 0
    assert sorted(line for line in lines if line.startswith("serving")) == [
        f"serving {served}",
        f"serving {served}",
    ]
    assert Queries(views).dump() == before
