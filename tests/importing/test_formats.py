"""A book brought from Word, EPUB, mdBook, Quarto or LaTeX reads as the source did: its chapters
and sections in order, its image served, its footnote, math, table and citations on the page,
its original authors and source on the book's page, its first revisions credited to whoever
brought it, through the command line and through the web upload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient

from tests.cli.conftest import Run
from tests.importing import sources
from tests.importing.conftest import upload
from tests.importing.sources import AUTHORS, DOT, TITLE
from tests.web.conftest import sign_in

CHAPTERS = [("shadows", "Shadows"), ("setting-up", "Setting Up")]
SECTIONS = ["Shadows", "Angles", "Setting Up", "True North", "Checking"]


def reads_as_written(client: TestClient, slug: str, source: str, citations: bool) -> None:
    """What a reader sees of the book, whichever way it came."""
    book = BeautifulSoup(client.get(f"/books/{slug}").text, "html.parser")
    assert book.select_one("h1.title").get_text() == TITLE  # type: ignore[union-attr]
    authors = book.select_one(".book-authors").get_text()  # type: ignore[union-attr]
    assert all(author in authors for author in AUTHORS)
    assert source in book.select_one(".book-source").get_text()  # type: ignore[union-attr]
    toc = [a.get_text(strip=True) for a in book.select("nav.toc a")]
    assert toc == SECTIONS
    chapter = client.get(f"/books/{slug}/chapters/shadows")
    assert chapter.status_code == 200
    page = BeautifulSoup(chapter.text, "html.parser")
    assert "the edge that casts the shadow" in page.get_text()  # the footnote
    assert page.select("math") and "tan" in page.get_text()  # inline and display math
    assert [td.get_text() for td in page.select("table td")][-2:] == ["2", "25.9"]
    image = page.select_one("figure img, img")
    assert image is not None and image["alt"]
    served = client.get(f"/books/{slug}/chapters/{image['src']}")
    assert served.status_code == 200 and served.content == DOT
    if citations:
        assert "Ashdown" in page.get_text() and "1990" in page.get_text()
    history = client.get(f"/books/{slug}/history").text
    assert "mia" in history or "alice" in history


# A Word document carries its citations as text already formatted (no keys to count); an EPUB
# marks them; Quarto and LaTeX keep their keys and bibliography; mdBook has no citations.
FORMATS: list[tuple[str, Callable[[Path], Path], int, list[str]]] = [
    ("docx", sources.docx, 0, ["--license", "CC-BY-4.0"]),
    ("epub", sources.epub, 2, []),
    ("mdbook", sources.mdbook, 0, ["--license", "CC-BY-4.0"]),
    ("quarto", sources.quarto, 2, []),
    ("latex", sources.latex, 2, ["--license", "CC-BY-4.0"]),
]


@pytest.mark.parametrize(("form", "make", "citations", "options"), FORMATS)
def test_a_book_from_elsewhere_imports_through_the_command_line(
    run: Run,
    client: TestClient,
    tmp_path: Path,
    form: str,
    make: Callable[[Path], Path],
    citations: int,
    options: list[str],
) -> None:
    path = make(tmp_path)
    source = f"https://example.org/{form}"
    result = run(
        "import", str(path), "--as", "mia", "--slug", "dials", "--source", source, *options
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"dials: imported from {path.name} ({form})"
    assert lines[1:6] == [
        "  chapters:  2",
        "  sections:  5",
        "  images:    1",
        f"  citations: {citations}",
        "  footnotes: 1",
    ]
    reads_as_written(client, "dials", source, form != "mdbook")
    history = run("history", "dials")
    assert history.stdout.count("by mia, approved by mia (import)") == 5


@pytest.mark.parametrize(("form", "make", "citations", "options"), FORMATS)
def test_a_book_from_elsewhere_uploads_on_the_web(
    client: TestClient,
    tmp_path: Path,
    form: str,
    make: Callable[[Path], Path],
    citations: int,
    options: list[str],
) -> None:
    path = make(tmp_path)
    if path.is_dir():
        path = sources.zipped(path, tmp_path / f"{form}.zip")
    sign_in(client, "alice")
    licence = {"license": "CC-BY-4.0"} if options else {}
    status, html = upload(client, path, slug="web-dials", **licence)
    assert status == 200, html
    page = BeautifulSoup(html, "html.parser")
    rows = {
        row.th.get_text(): row.td.get_text()  # type: ignore[union-attr]
        for row in page.select("table.import-summary tr")
    }
    assert rows["Chapters"] == "2" and rows["Sections"] == "5" and rows["Images"] == "1"
    assert rows["Footnotes"] == "1"
    assert rows["Warnings"] == str(len(page.select(".import-warnings li")))
    assert page.select_one('a[href="/books/web-dials"]') is not None
    assert rows["Citations"] == str(citations)
    reads_as_written(client, "web-dials", path.name, form != "mdbook")
    assert "alice" in client.get("/books/web-dials/history").text
