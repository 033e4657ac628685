"""The book page shows the book as the world knows it: authors, editors, publisher, ISBN, the
licence in words with a link to its text, and what the import found to fix."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from PIL import Image
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from textbook.config import Settings
from textbook.storage import open_textbook
from textbook.web.app import create_app

METADATA = """\
authors: [Ada Lovelace, Emmy Noether]
editors: [Grace Hopper]
publisher: Open Books Collective
isbn: "0306406152"
cover: images/cover.png
"""


def one(page: Any, selector: str) -> Tag:
    found = page.select_one(selector)
    assert isinstance(found, Tag), f"nothing matches {selector}"
    return found


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    book = tmp_path / "world"
    shutil.copytree(FIXTURES / "tiny", book)
    yaml = book / "book.yaml"
    yaml.write_text(
        yaml.read_text().replace("license: CC-BY-4.0", "license: MIT OR Apache-2.0") + METADATA
    )
    first = book / "first.md"
    first.write_text(first.read_text().replace("[@knuth1997]", "[@knuth2097]"))
    cover = io.BytesIO()
    Image.new("RGB", (60, 90), (32, 74, 135)).save(cover, "PNG")
    (book / "images" / "cover.png").write_bytes(cover.getvalue())
    app = open_textbook(settings)
    import_folder(app, book)
    app.close()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_the_book_page_names_its_people_publisher_isbn_and_licence(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/books/world").text, "html.parser")
    assert one(page, ".book-authors").get_text() == "Ada Lovelace and Emmy Noether"
    assert one(page, ".book-editors").get_text() == "Edited by Grace Hopper"
    licence = one(page, "#licence-heading").find_parent("section")
    assert isinstance(licence, Tag)
    assert " ".join(licence.get_text(" ", strip=True).split()) == (
        "Licence MIT License (MIT) or Apache License 2.0 (Apache-2.0)"
        " Published by Open Books Collective. ISBN 0-306-40615-2"
    )
    links = [(a.get_text(), a["href"]) for a in licence.select("a[rel=license]")]
    assert links == [
        ("MIT License (MIT)", "https://spdx.org/licenses/MIT.html"),
        ("Apache License 2.0 (Apache-2.0)", "https://spdx.org/licenses/Apache-2.0.html"),
    ]
    assert "mia" in one(page, "#contributors").get_text()  # the record stays beside
    cover = one(page, "img.book-cover")
    assert cover["alt"] == "The cover of A Tiny Book"
    image = client.get(str(cover["src"]))
    assert (image.status_code, image.headers["content-type"]) == (200, "image/png")


def test_the_book_page_lists_what_the_import_found_to_fix(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/books/world").text, "html.parser")
    problems = page.select("#import-problems li")
    assert [" ".join(p.get_text(" ", strip=True).split()) for p in problems] == [
        "first.md:17 the citation '@knuth2097' is not in references.bib"
    ]
    chapter = client.get("/books/world/chapters/first")
    assert chapter.status_code == 200  # the text with the unknown citation is there to read
