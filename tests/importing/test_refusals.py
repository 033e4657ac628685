"""What is refused when a book is brought: a hostile zip (a name leading out of its folder, a
zip bomb), a file that is not a book, a book with no licence, and another person's slug. Each
refusal says why, and nothing is recorded."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.cli.conftest import Run
from tests.importing import sources
from tests.importing.conftest import upload
from tests.live import fingerprint_of
from tests.web.conftest import sign_in
from textbook.domain.application import Textbook
from textbook.projections.views import ReadModels


def traversal(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("book/book.yaml", "title: x\n")
        archive.writestr("../../outside.md", "# Out\n")
    return path


def bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("book/_quarto.yml", "book:\n  chapters: [a.qmd]\n")
        archive.writestr("book/a.qmd", b"\0" * (40 * 1024 * 1024))
    return path


def not_a_zip(path: Path) -> Path:
    path.write_bytes(sources.DOT)
    return path


HOSTILE = [
    ("traversal.zip", traversal, "leads out of its folder"),
    ("bomb.zip", bomb, "compressed more than 200 times"),
    ("picture.docx", not_a_zip, "not a readable zip file"),
    ("picture.epub", not_a_zip, "not a readable zip file"),
]


@pytest.mark.parametrize(("name", "make", "said"), HOSTILE)
def test_a_hostile_or_wrong_file_is_refused_and_nothing_is_recorded(
    run: Run,
    app: Textbook,
    views: ReadModels,
    tmp_path: Path,
    name: str,
    make: object,
    said: str,
) -> None:
    run("user", "add", "mia", "--email", "mia@example.org", "--password", "correct horse")
    path = make(tmp_path / name)  # type: ignore[operator]
    before = fingerprint_of(app, views)
    result = run("import", str(path), "--as", "mia", "--license", "CC-BY-4.0")
    assert result.exit_code == 2
    assert said in result.stderr
    assert not (tmp_path.parent / "outside.md").exists()
    assert fingerprint_of(app, views) == before


def test_the_web_refuses_a_hostile_zip_and_a_file_of_another_kind(
    client: TestClient, app: Textbook, views: ReadModels, tmp_path: Path
) -> None:
    sign_in(client, "alice")
    before = fingerprint_of(app, views)
    status, html = upload(client, traversal(tmp_path / "book.zip"), license="CC-BY-4.0")
    assert status == 422
    error = BeautifulSoup(html, "html.parser").select_one(".form-error")
    assert error is not None and "leads out of its folder" in error.get_text()
    notes = tmp_path / "notes.txt"
    notes.write_text("Just some notes.")
    status, html = upload(client, notes)
    assert status == 422 and "choose a .docx, .epub, .tex or .zip file" in html
    assert fingerprint_of(app, views) == before


def test_a_book_without_a_licence_asks_for_one(
    run: Run, client: TestClient, app: Textbook, views: ReadModels, tmp_path: Path
) -> None:
    path = sources.docx(tmp_path)
    before = fingerprint_of(app, views)
    result = run("import", str(path), "--as", "mia")
    assert result.exit_code == 2
    assert "the source states no licence" in result.stderr and "--license" in result.stderr
    sign_in(client, "alice")
    status, html = upload(client, path)
    assert status == 422
    page = BeautifulSoup(html, "html.parser")
    assert "states no licence" in page.select_one(".form-error").get_text()  # type: ignore[union-attr]
    assert page.select_one("#license")["aria-invalid"] == "true"  # type: ignore[index]
    assert fingerprint_of(app, views) == before


def test_a_book_someone_else_maintains_is_not_replaced(
    run: Run, client: TestClient, app: Textbook, views: ReadModels, tmp_path: Path
) -> None:
    path = sources.epub(tmp_path)
    assert run("import", str(path), "--as", "mia", "--slug", "dials").exit_code == 0
    before = fingerprint_of(app, views)
    sign_in(client, "alice")
    status, html = upload(client, path, slug="dials")
    assert status == 403
    assert "choose another slug" in html
    assert fingerprint_of(app, views) == before
    assert client.get("/import").status_code == 200


def test_the_import_page_asks_a_visitor_to_sign_in(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/import").text, "html.parser")
    assert page.select_one('a[href="/signin?next=/import"]') is not None
    assert page.select_one('input[type="file"]') is None
    assert client.get("/").text.count('href="/import"') >= 1
