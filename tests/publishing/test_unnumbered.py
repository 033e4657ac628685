"""A chapter marked `{.unnumbered}` (as Quarto books mark a preface) is numbered as the contents
number it: its sections read 2.1, 2.2 in the text and in "In this chapter" alike, never the
number of the chapter before."""

from __future__ import annotations

import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.conftest import FIXTURES, import_folder
from textbook.config import Settings
from textbook.storage import open_textbook
from textbook.web.app import create_app


def test_an_unnumbered_chapter_is_numbered_as_the_contents_say(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", folder)
    second = folder / "second.md"
    second.write_text(
        second.read_text().replace(
            "# Second Thoughts {#second}", "# Second Thoughts {#second .unnumbered}"
        )
    )
    app = open_textbook(settings)
    import_folder(app, folder)
    app.close()
    with TestClient(create_app(settings)) as client:
        page = BeautifulSoup(client.get("/books/tiny/chapters/second").text, "html.parser")
    heading = page.select_one("section#summing h2 .header-section-number")
    assert heading is not None and heading.get_text() == "2.1"
    chapter = page.select_one("h1 .header-section-number")
    assert chapter is not None and chapter.get_text() == "2"
    contents = page.select_one("nav.chapter-contents")
    assert contents is not None and "2.1 Summing" in " ".join(contents.get_text().split())
