"""An author who gives a text an id that the published book makes itself (the anchor where a
printed page begins, an EPUB page-break marker, the anchor of an unlabelled figure or table) is
refused when proposing it, with the line, and nothing is recorded; ids that only look alike are
the author's to use."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, event_count
from textbook.book_folder import read_book
from textbook.domain.application import Textbook
from textbook.domain.errors import InvalidBook, InvalidInput, TextProblems

HEAD = "## Counting {#counting}\n\nOne, two, three.\n"


def counting(app: Textbook, tiny: str) -> str:
    return next(
        s.text for c in app.book_state(tiny).chapters for s in c.sections if s.id == "counting"
    )


@pytest.mark.parametrize(
    "body",
    [
        "\n[]{#tbp-1}\n",
        "\n[a page]{#page-41}\n",
        "\n![A ruler.](images/ruler.svg){#figure-1.1}\n",
        "\n### Sums {#table-2.3}\n",
    ],
)
def test_an_id_the_book_makes_itself_is_refused(app: Textbook, tiny: str, body: str) -> None:
    before, text = event_count(app), counting(app, tiny)
    with pytest.raises(TextProblems, match=r"Line 5: the id '[^']+' is one the published book"):
        app.propose_edit(tiny, "counting", HEAD + body, "Forge an anchor", by="alice")
    assert event_count(app) == before
    assert counting(app, tiny) == text


def test_ids_that_only_look_alike_are_the_author_s(app: Textbook, tiny: str) -> None:
    body = "\n[a]{#page-ranks} [b]{#figure-of-merit} [c]{#tbp} [d]{#Page-3} [e]{#page-iv}\n"
    proposal = app.propose_edit(tiny, "counting", HEAD + body, "Ids of my own", by="alice")
    assert app.proposal_info(proposal).version == 1


@pytest.mark.parametrize("chapter_id", ["index", "search", "book-index", "title", "nav"])
def test_a_chapter_cannot_be_named_as_a_page_every_edition_has(
    app: Textbook, tiny: str, chapter_id: str
) -> None:
    before = event_count(app)
    with pytest.raises(InvalidInput, match=f"'{chapter_id}' names a page every edition has"):
        app.propose_chapter(tiny, "", f"# A chapter {{#{chapter_id}}}\n\nText.\n", "", by="alice")
    assert event_count(app) == before


def test_an_imported_chapter_named_as_a_page_is_refused_or_takes_another_id(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", folder)
    second = folder / "second.md"
    second.write_text("# Search {#search}\n\nText.\n", encoding="utf-8")
    with pytest.raises(InvalidBook, match="'search' names a page every edition has"):
        read_book(folder)
    second.write_text("# Index\n\nText.\n\n## Index\n\nMore.\n", encoding="utf-8")
    chapters = read_book(folder).state.chapters
    assert [s.id for s in chapters[1].sections] == ["index-1", "index-2"]


def test_a_chapter_from_elsewhere_titled_as_a_page_takes_another_id() -> None:
    from textbook.importing.ids import Ids

    def chapter(title: str) -> list[dict[str, Any]]:
        return [{"t": "Header", "c": [1, ["", [], []], [{"t": "Str", "c": title}]]}]

    chapters = Ids().assign([chapter("Search"), chapter("Index"), chapter("Gardens")])
    assert [c[0]["c"][1][0] for c in chapters] == ["search-1", "index-1", "gardens"]
