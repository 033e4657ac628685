"""Hostile SVG (and oversized images) are refused the same way whichever door they come in by:
an upload with a proposal (tests/gate/test_images.py), the import of a book's source folder, or
an image stored before today's checks, which no format publishes."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import httpx2 as httpx
import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES, QUICK_HASHING, SAMPLE
from tests.gate.test_images import IMAGES, REFUSED
from tests.live import LiveServer, textbook_command
from textbook.cli import cli
from textbook.config import Settings
from textbook.domain import ids
from textbook.domain.book import Book
from textbook.storage import blob_store, open_textbook


def textbook(database: Path, *args: str) -> tuple[int, str]:
    result = CliRunner(env=QUICK_HASHING).invoke(cli, ["--database", str(database), *args])
    return result.exit_code, result.output


def add_maintainer(database: Path) -> None:
    add = ["user", "add", "mia", "--email", "mia@example.org", "--password", "correct horse"]
    assert textbook(database, *add)[0] == 0


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_import_refuses_a_hostile_or_huge_image(tmp_path: Path, name: str) -> None:
    book = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", book)
    shutil.copy(IMAGES / name, book / "images" / name)
    database = tmp_path / "store.sqlite"
    status, output = textbook(database, "import", str(book), "--as", "mia")
    assert status == 2, output
    assert f"images/{name}" in output
    app = open_textbook(Settings(database=str(database), build_dir=tmp_path / "build"))
    try:
        assert not app.recorder.max_notification_id()  # it wrote nothing
    finally:
        app.close()


def test_the_sample_book_and_the_fixtures_still_import(tmp_path: Path) -> None:
    for folder in (SAMPLE, FIXTURES / "tiny"):
        database = tmp_path / f"{folder.name}.sqlite"
        add_maintainer(database)
        status, output = textbook(database, "import", str(folder), "--as", "mia")
        assert status == 0, output


def test_an_image_stored_before_the_checks_is_published_nowhere(
    live: LiveServer, tmp_path: Path
) -> None:
    """An SVG with <set> that an older version let in: not served, not in the web edition (whose
    folder the web zip is made of), not in the EPUB."""
    hostile = (IMAGES / "set-javascript.svg").read_bytes()
    app = open_textbook(live.settings)
    try:
        sha256 = hashlib.sha256(hostile).hexdigest()
        blob_store(app).put({sha256: hostile})
        book: Book = app.repository.get(ids.book_id("tiny"))
        book.put_image("legacy.svg", sha256, "image/svg+xml", len(hostile), by=ids.OPERATOR)
        app.save(book)
    finally:
        app.close()
    assert httpx.get(f"{live.url}/books/tiny/images/ruler.svg").status_code == 200
    assert httpx.get(f"{live.url}/books/tiny/images/legacy.svg").status_code == 404
    out = tmp_path / "out"
    subprocess.run(
        [*textbook_command(), "build", "tiny", "--format", "html,epub", "--out", str(out)],
        check=True,
        capture_output=True,
        env={**os.environ, "TEXTBOOK_DATABASE": live.settings.database},
    )
    assert (out / "tiny" / "images" / "ruler.svg").exists()
    assert not (out / "tiny" / "images" / "legacy.svg").exists()
    with zipfile.ZipFile(out / "tiny.epub") as epub:
        names = epub.namelist()
    assert "EPUB/images/ruler.svg" in names
    assert "EPUB/images/legacy.svg" not in names


def test_the_command_line_proposes_text_with_its_image(tmp_path: Path) -> None:
    database = tmp_path / "store.sqlite"
    add_maintainer(database)
    assert textbook(database, "import", str(FIXTURES / "tiny"), "--as", "mia")[0] == 0
    add = ["user", "add", "alice", "--email", "a@example.org", "--password", "correct horse"]
    assert textbook(database, *add)[0] == 0
    assert textbook(database, "member", "grant", "alice", "tiny", "author")[0] == 0
    text = tmp_path / "counting.md"
    text.write_text("## Counting {#counting}\n\n![A figure.](images/fig.png)\n")
    args = ["propose", "tiny", "counting", str(text), "-m", "Figure", "--as", "alice"]
    status, output = textbook(database, *args)
    assert status == 2
    assert "images/fig.png" in output  # shown, but neither in the book nor attached
    status, output = textbook(database, *args, "--image", str(IMAGES / "fig.png"))
    assert status == 0, output
    status, output = textbook(database, *args, "--image", str(IMAGES / "huge.svg"))
    assert status == 2
    assert "20,000 x 20,000" in output
