"""Fixtures on real stores: every store-backed test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher

from textbook.book_folder import read_book
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views
from textbook.projections.views import ReadModels
from textbook.storage import BlobStore, blob_store, open_textbook

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
FIXTURES = Path(__file__).parent / "fixtures" / "books"
SAMPLE = Path(__file__).parent.parent / "books" / "numerical-methods"


# Argon2 still, with the cheapest parameters: the default spends 0.5 s a password here. Tests
# pass them in the settings, or to the command line in its environment.
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
QUICK_HASHING = {
    "TEXTBOOK_ARGON2_TIME_COST": "1",
    "TEXTBOOK_ARGON2_MEMORY_COST": "1024",
    "TEXTBOOK_ARGON2_PARALLELISM": "1",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """A fresh, empty store: an SQLite file, or a new PostgreSQL schema dropped afterwards."""
    build, var = tmp_path / "build", tmp_path / "var"
    if request.param == "sqlite":
        yield Settings(
            database=str(tmp_path / "textbook.sqlite"),
            build_dir=build,
            var=var,
            password_hasher=QUICK_HASHER,
        )
        return
    with postgres_schema() as database:
        yield Settings(database=database, build_dir=build, var=var, password_hasher=QUICK_HASHER)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL schema, dropped with everything in it afterwards."""
    schema = "test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def app(settings: Settings) -> Iterator[Textbook]:
    app = open_textbook(settings)
    yield app
    app.close()


@pytest.fixture
def views(settings: Settings) -> Iterator[ReadModels]:
    views = open_views(settings)
    yield views
    views.close()


@pytest.fixture
def blobs(app: Textbook) -> BlobStore:
    return blob_store(app)


@pytest.fixture
def queries(app: Textbook, views: ReadModels) -> Callable[[], Queries]:
    """Queries on read models that have first projected every event so far, as the CLI does."""

    def caught_up() -> Queries:
        catch_up(app, views)
        return Queries(views)

    return caught_up


MAINTAINER = "mia"


def import_folder(app: Textbook, folder: Path, by: str = MAINTAINER) -> None:
    """Import a folder as `by`; mia, the fixture books' maintainer, is registered when needed."""
    if by == MAINTAINER and not app.user_exists(MAINTAINER):
        app.register_user(MAINTAINER, f"{MAINTAINER}@example.org", "correct horse")
    source = read_book(folder)
    app.import_book(source.state, by=by, problems=source.problems, blobs=source.blobs)


@pytest.fixture
def tiny(app: Textbook) -> str:
    """The tiny fixture book, imported by mia, its maintainer; alice is its author, bob and carol
    its editors."""
    import_folder(app, FIXTURES / "tiny")
    for name in ("alice", "bob", "carol", "mallory"):
        app.register_user(name, f"{name}@example.org", "correct horse")
    app.grant("tiny", "alice", "author")
    app.grant("tiny", "bob", "editor")
    app.grant("tiny", "carol", "editor")
    return "tiny"


def event_count(app: Textbook) -> int:
    return app.recorder.max_notification_id() or 0
