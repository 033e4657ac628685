"""Text copied by hand from another book on the platform is found when it is proposed: the
proposal names the source, and an editor cannot approve it until its author marks the source
(which credits it); short paragraphs, the section's own text and text written anew pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import event_count, import_folder
from textbook.domain.application import Textbook
from textbook.domain.errors import CopyNotMarked
from textbook.domain.section import Source
from textbook.projections.queries import Queries
from textbook.projections.queries.copies import CopyIndex
from textbook.projections.runner import catch_up
from textbook.projections.views import ReadModels

ORIGINAL = (
    "Bisection keeps an interval whose ends give the function opposite signs, and halves it at "
    "every step: the half whose ends still differ in sign holds a root, so after twenty steps "
    "the interval is a millionth of its first width, whatever the function looks like inside."
)
# The same paragraph, a few words changed: still a copy.
NEAR_COPY = ORIGINAL.replace("twenty steps", "20 steps").replace("looks like", "does")
OWN_WORDS = (
    "To find a zero, we squeeze it between two points where the curve lies on opposite sides "
    "of the axis, then look at the midpoint and keep whichever half still brackets the crossing."
)


@pytest.fixture
def finder(app: Textbook, views: ReadModels) -> CopyIndex:
    index = CopyIndex(lambda: views, lambda: catch_up(app, views))
    app.copy_finder = index
    return index


@pytest.fixture
def roots(app: Textbook, tmp_path: Path) -> str:
    """A book by rosa, CC BY, whose section 'halving' holds ORIGINAL."""
    app.register_user("rosa", "rosa@example.org", "correct horse")
    folder = tmp_path / "roots"
    folder.mkdir()
    (folder / "book.yaml").write_text(
        "title: Roots\nlanguage: en\nlicense: CC-BY-4.0\n"
        "identifier: urn:uuid:6a2f1c3e-8d4b-4e7a-9c1f-0b3d5e7f9a21\nchapters:\n  - roots.md\n"
    )
    (folder / "roots.md").write_text(
        f"# Roots {{#roots}}\n\nZeros.\n\n## Halving {{#halving}}\n\n{ORIGINAL}\n"
    )
    import_folder(app, folder, by="rosa")
    return "roots"


def section(text: str) -> str:
    return f"## Brackets {{#brackets}}\n\nA short start.\n\n{text}\n"


def test_a_hand_copy_is_found_and_blocks_approval_until_its_source_is_marked(
    app: Textbook, tiny: str, roots: str, finder: CopyIndex, queries: Callable[[], Queries]
) -> None:
    proposal = app.propose_section(tiny, "first", "", section(NEAR_COPY), "Brackets", "alice")
    found = app.copies_found(proposal)
    (copy,) = found.unmarked
    assert (copy.book, copy.section, copy.revision, copy.paragraph) == (roots, "halving", 1, 2)
    assert copy.source_paragraph.startswith("Bisection keeps an interval")
    assert copy.excerpt.startswith("Bisection keeps an interval")
    assert 50 <= copy.score < 100

    before = event_count(app)
    with pytest.raises(CopyNotMarked) as refused:
        app.review(proposal, "approve", "", "bob", version=1)
    assert "the section 'halving' of 'roots'" in str(refused.value)
    assert "mark that section as its source" in str(refused.value)
    assert event_count(app) == before
    assert not app.book(tiny).has_section("brackets")

    source = app.mark_source(proposal, roots, "halving", by="alice")
    assert app.copies_found(proposal).unmarked == ()
    app.review(proposal, "approve", "", "bob", version=2)
    assert app.section_source(tiny, "brackets") == (Source(roots, "halving", 1, "CC-BY-4.0"), 1)
    assert source.licence == "CC-BY-4.0"


def test_a_revision_that_drops_the_copy_clears_it_and_one_that_adds_it_is_flagged(
    app: Textbook, tiny: str, roots: str, finder: CopyIndex
) -> None:
    proposal = app.propose_section(tiny, "first", "", section(OWN_WORDS), "Brackets", "alice")
    assert app.copies_found(proposal).copies == ()
    app.revise_proposal(proposal, section(ORIGINAL), "", "alice")
    assert [c.score for c in app.copies_found(proposal).unmarked] == [100]
    app.revise_proposal(proposal, section(OWN_WORDS), "", "alice")
    assert app.copies_found(proposal).copies == ()
    app.review(proposal, "approve", "", "bob", version=3)


def test_short_paragraphs_the_sections_own_text_and_its_own_book_are_not_copies(
    app: Textbook, tiny: str, roots: str, finder: CopyIndex
) -> None:
    short = " ".join(ORIGINAL.split()[:15])
    assert finder.copies_in(section(short), tiny, "") == []
    assert finder.copies_in(section(ORIGINAL), roots, "") == []  # the book's own text
    # An edit keeps the section's paragraphs: only what it adds is compared.
    assert finder.copies_in(section(ORIGINAL), tiny, section(ORIGINAL)) == []
    assert finder.copies_in("```\n" + ORIGINAL + "\n```\n", tiny, "") == []  # code is not prose


def test_an_edit_in_a_fork_of_its_upstream_text_is_no_copy(
    app: Textbook, tiny: str, roots: str, finder: CopyIndex
) -> None:
    app.fork_book(roots, "roots-course", by="alice")
    text = f"## Halving {{#halving}}\n\n{ORIGINAL}\n\nOne more line of our own.\n"
    proposal = app.propose_edit("roots-course", "halving", text, "More", "alice")
    assert app.copies_found(proposal).copies == ()
    # Copied from the fork into a third book: found, and either source's mark covers it.
    other = app.propose_section(tiny, "first", "", section(ORIGINAL), "Brackets", "alice")
    (copy,) = app.copies_found(other).unmarked
    assert {copy.book, copy.origin_book} >= {roots}
    app.mark_source(other, roots, "halving", by="alice")
    assert app.copies_found(other).unmarked == ()
