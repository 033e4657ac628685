"""A real store, a real import, real builds: publishing is tested on what readers download."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SAMPLE, import_folder
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.publishing.pipeline import BuildReport, build
from textbook.projections.publishing.sources import BookToBuild
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views
from textbook.projections.views import ReadModels
from textbook.storage import blob_store, open_textbook


@dataclass
class Publisher:
    """A store with books in it, and a way to build them as `textbook build` does."""

    app: Textbook
    views: ReadModels
    root: Path

    def book(self, slug: str) -> BookToBuild:
        catch_up(self.app, self.views)
        queries = Queries(self.views)
        state = queries.book_state(slug)
        blobs = blob_store(self.app).get_many([image.sha256 for image in state.images])
        images = {image.name: blobs[image.sha256] for image in state.images}
        return BookToBuild(state, queries.contributors(slug), queries.edition(slug), images)

    def build(
        self,
        slug: str,
        out: str,
        formats: tuple[str, ...] = ("html", "epub", "pdf"),
        cache: str = "cache",
    ) -> BuildReport:
        return build(self.book(slug), formats, self.root / out, self.root / cache)


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[Publisher]:
    settings = Settings(database=str(tmp_path / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, FIXTURES / "tiny")
    for name in ("alice", "bob"):
        app.register_user(name, f"{name}@example.org", "correct horse")
    app.grant("tiny", "alice", "author")
    app.grant("tiny", "bob", "editor")
    yield Publisher(app, views, tmp_path)
    app.close()
    views.close()


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildReport]:
    """The sample book, built once in all three formats for the whole session."""
    root = tmp_path_factory.mktemp("sample")
    settings = Settings(database=str(root / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, SAMPLE)
    yield Publisher(app, views, root).build("numerical-methods", "out")
    app.close()
    views.close()
