"""A dump restored into an empty store, of either kind, is the same book, history and editions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import POSTGRES, event_count
from tests.domain.test_stored_events import load_v1_events
from tests.publishing.conftest import Publisher
from textbook.backup import dump, restore
from textbook.config import Settings
from textbook.domain.errors import InvalidInput, TextbookError
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views
from textbook.storage import open_textbook


@pytest.fixture(params=["sqlite", "postgres"])
def other_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """An empty store to restore into: SQLite, or PostgreSQL (a new schema)."""
    if request.param == "sqlite":
        yield Settings(database=str(tmp_path / "restored" / "store.sqlite"))
        return
    schema = "restore_" + uuid.uuid4().hex[:12]
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield Settings(database=f"{POSTGRES}?schema={schema}")
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_restored_store_has_the_same_book_history_and_editions(
    publisher: Publisher, other_store: Settings, tmp_path: Path
) -> None:
    app = publisher.app
    proposal = app.propose_edit(
        "tiny", "summing", "## Summing {#summing}\n\nPair them up.\n", "Pairs", by="alice"
    )
    app.review(proposal, "approve", "", by="bob", version=1)
    original = publisher.build("tiny", "original", ("epub", "pdf"))
    report = dump(app, tmp_path / "backup.jsonl.gz")
    assert report.events == event_count(app) and report.images == 1
    # Only its owner may read it (it holds password hashes), and nothing is left beside it.
    assert (tmp_path / "backup.jsonl.gz").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if "backup" in p.name] == ["backup.jsonl.gz"]

    restored, views = open_textbook(other_store), open_views(other_store)
    try:
        assert restore(restored, tmp_path / "backup.jsonl.gz").events == report.events
        catch_up(restored, views)
        assert restored.book_state("tiny") == app.book_state("tiny")
        before, after = Queries(publisher.views), Queries(views)
        assert [
            (r.section_id, r.revision, r.author, r.approver, r.at) for r in after.history("tiny")
        ] == [
            (r.section_id, r.revision, r.author, r.approver, r.at) for r in before.history("tiny")
        ]
        assert restored.check_password("alice", "correct horse") is not None
        again = Publisher(restored, views, tmp_path / "second").build(
            "tiny", "out", ("epub", "pdf")
        )
        for name in ("epub", "pdf"):
            assert again.outputs[name].read_bytes() == original.outputs[name].read_bytes()
        # A store that holds events refuses a restore, and changes nothing.
        count = event_count(restored)
        with pytest.raises(TextbookError, match="not empty"):
            restore(restored, tmp_path / "backup.jsonl.gz")
        assert event_count(restored) == count
    finally:
        restored.close()
        views.close()


def test_a_file_that_is_not_a_dump_is_refused(tmp_path: Path) -> None:
    app = open_textbook(Settings(database=str(tmp_path / "store.sqlite")))
    try:
        (tmp_path / "notes.txt").write_text("hello")
        with pytest.raises(InvalidInput, match="cannot be read as a textbook dump"):
            restore(app, tmp_path / "notes.txt")
        assert event_count(app) == 0
        load_v1_events(app)  # events of an older version dump and restore like any others
        assert dump(app, tmp_path / "old.gz").events == 25
    finally:
        app.close()
