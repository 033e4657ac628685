"""A remix takes chapters and sections of several books into a new one: each taken section
records its source, the remix its books, and its licence is one every source admits; sources
that cannot be combined are refused with the reason, and nothing is recorded."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, event_count, import_folder
from textbook.domain.application import Textbook
from textbook.domain.errors import InvalidInput, LicenceRefused, SectionNotFound, SlugTaken
from textbook.domain.section import Source
from textbook.projections.queries import Queries


def other_book(app: Textbook, tmp_path: Path, slug: str, licence: str) -> str:
    """A second book, under `licence`, whose ids differ from the tiny book's."""
    folder = tmp_path / slug
    folder.mkdir()
    (folder / "book.yaml").write_text(
        f"title: Another Book\nlanguage: en\nlicense: {licence}\n"
        "identifier: urn:uuid:5d1e8a3c-0b7f-4c2e-9a6d-2f4b8c1e7a90\n"
        "authors: [Rosalind Franklin]\nchapters:\n  - roots.md\n  - series.md\n"
    )
    (folder / "roots.md").write_text(
        "# Roots {#roots}\n\nFinding where a function is zero.\n\n"
        "## Halving {#halving}\n\nHalve the interval until it is small enough.\n"
    )
    (folder / "series.md").write_text(
        "# Series {#series}\n\nSums without end.\n\n## Geometric {#geometric}\n\nRatios.\n"
    )
    import_folder(app, folder, by="rosa")
    return slug


@pytest.fixture
def rosa(app: Textbook) -> str:
    app.register_user("rosa", "rosa@example.org", "correct horse")
    return "rosa"


def test_a_remix_takes_chapters_and_sections_and_records_their_sources(
    app: Textbook, tiny: str, rosa: str, tmp_path: Path, queries: Callable[[], Queries]
) -> None:
    sa = other_book(app, tmp_path, "another", "CC-BY-SA-4.0")
    report = app.remix(
        "mixed", "A Mixed Book", [(tiny, "first"), (sa, "halving"), (sa, "series")], by="alice"
    )
    assert report.licence == "CC-BY-SA-4.0"  # a ShareAlike source makes the remix ShareAlike
    assert report.sources == (tiny, sa)
    book = app.book("mixed")
    assert book.title == "A Mixed Book"
    assert book.licence == "CC-BY-SA-4.0"
    assert [(c.id, c.sections) for c in book.outline] == [
        ("first", ("first", "counting", "measuring", "halving")),
        ("series", ("series", "geometric")),
    ]
    assert book.role_of(app.user("alice").id) == "maintainer"
    assert set(book.images) == {"ruler.svg"}  # what the taken text shows
    assert "knuth1997" in book.bibliography
    assert [s["slug"] for s in book.remixed_from] == [tiny, sa]
    assert book.remixed_from[1]["pieces"] == ["halving", "series"]
    assert app.section_source("mixed", "halving") == (Source(sa, "halving", 1, "CC-BY-SA-4.0"), 1)
    assert app.section_source("mixed", "counting") == (Source(tiny, "counting", 1, "CC-BY-4.0"), 1)
    # "Measuring" links to "Summing", which was not taken: a problem shown, not a refusal.
    assert any("summing" in p["problem"] for p in book.import_problems)
    taken = queries().taken("mixed")
    assert {(t.section_id, t.source_book) for t in taken} == {
        ("first", tiny), ("counting", tiny), ("measuring", tiny),
        ("halving", sa), ("series", sa), ("geometric", sa),
    }  # fmt: skip
    remixed = queries().remixed_from("mixed")
    assert [(r.slug, r.title, r.licence) for r in remixed] == [
        (tiny, "A Tiny Book", "CC-BY-4.0"),
        (sa, "Another Book", "CC-BY-SA-4.0"),
    ]


def test_a_section_taken_first_brings_its_chapter_intro(
    app: Textbook, tiny: str, rosa: str, tmp_path: Path
) -> None:
    other = other_book(app, tmp_path, "another", "CC0-1.0")
    report = app.remix("bits", "Bits", [(other, "geometric"), (tiny, "counting")], by="alice")
    assert report.licence == "CC-BY-4.0"
    assert [(c.id, c.sections) for c in app.book("bits").outline] == [
        ("series", ("series", "geometric", "counting"))
    ]


@pytest.mark.parametrize(
    ("licence", "reason"),
    [
        ("CC-BY-NC-SA-4.0", "ShareAlike"),
        ("CC-BY-ND-4.0", "allows no derivatives"),
    ],
)
def test_a_remix_of_sources_that_cannot_be_combined_is_refused_and_changes_nothing(
    app: Textbook, tiny: str, rosa: str, tmp_path: Path, licence: str, reason: str
) -> None:
    sa = other_book(app, tmp_path, "another", "CC-BY-SA-4.0")
    folder = tmp_path / "third"
    shutil.copytree(FIXTURES / "tiny", folder)
    text = (folder / "book.yaml").read_text().replace("CC-BY-4.0", licence)
    (folder / "book.yaml").write_text(text.replace("tiny", "third"))
    import_folder(app, folder)
    before = event_count(app)
    with pytest.raises(LicenceRefused) as refused:
        app.remix("mixed", "Mixed", [(sa, "roots"), ("tiny", "second")], by="alice", licence="MIT")
    assert "ShareAlike" in str(refused.value)
    with pytest.raises(LicenceRefused) as refused:
        app.remix("mixed", "Mixed", [(sa, "roots"), ("third", "second")], by="alice")
    assert reason in str(refused.value)
    assert event_count(app) == before


def test_a_remix_is_refused_for_what_it_cannot_hold(
    app: Textbook, tiny: str, rosa: str, tmp_path: Path
) -> None:
    folder = tmp_path / "twin"
    shutil.copytree(FIXTURES / "tiny", folder)
    (folder / "book.yaml").write_text((folder / "book.yaml").read_text() + "")
    import_folder(app, folder)  # the same ids as the tiny book
    before = event_count(app)
    with pytest.raises(InvalidInput, match="'first' is in both"):
        app.remix("mixed", "Mixed", [(tiny, "first"), ("twin", "first")], by="alice")
    with pytest.raises(InvalidInput, match="taken twice"):
        app.remix("mixed", "Mixed", [(tiny, "first"), (tiny, "counting")], by="alice")
    with pytest.raises(SectionNotFound):
        app.remix("mixed", "Mixed", [(tiny, "nowhere")], by="alice")
    with pytest.raises(SlugTaken):
        app.remix(tiny, "Mixed", [(tiny, "first")], by="alice")
    with pytest.raises(InvalidInput, match="title"):
        app.remix("mixed", " ", [(tiny, "first")], by="alice")
    with pytest.raises(InvalidInput, match="not known"):
        app.remix("mixed", "Mixed", [(tiny, "first")], by="alice", licence="Nonsense-1.0")
    assert event_count(app) == before
