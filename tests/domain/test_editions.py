"""Named editions: who may mark one, which names are taken, and that a refusal records nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import event_count
from tests.domain.test_races import events_of, first_saves_between
from textbook.config import Settings
from textbook.domain import ids
from textbook.domain.application import Textbook
from textbook.domain.application.starting import NewBook
from textbook.domain.book import Book
from textbook.domain.editions import edition_slug
from textbook.domain.errors import (
    BookArchived,
    EditionExists,
    InvalidInput,
    NotAnEditor,
    UserNotFound,
)
from textbook.storage import open_textbook


def test_an_editor_marks_an_edition_and_the_book_keeps_its_name(app: Textbook, tiny: str) -> None:
    assert app.mark_edition(tiny, "  First edition ", "bob") == "first-edition"
    assert app.mark_edition(tiny, "2027 revision", "mia") == "2027-revision"  # a maintainer
    assert app.book(tiny).editions == {
        "first-edition": "First edition",
        "2027-revision": "2027 revision",
    }
    marked = [e for e in app.events.get(ids.book_id(tiny)) if isinstance(e, Book.EditionMarked)]
    assert [(e.name, e.edition_slug) for e in marked] == [
        ("First edition", "first-edition"),
        ("2027 revision", "2027-revision"),
    ]
    assert marked[0].by == app.user("bob").id


@pytest.mark.parametrize(
    ("name", "by", "error", "says"),
    [
        ("First edition", "alice", NotAnEditor, "alice is not an editor of the book 'tiny'"),
        ("First edition", "mallory", NotAnEditor, "mallory is not an editor"),
        ("First edition", "nobody", UserNotFound, "There is no user 'nobody'"),
        ("   ", "bob", InvalidInput, "Give the edition a name"),
        ("x" * 81, "bob", InvalidInput, "at most 80 characters; this one has 81"),
        ("First\nedition", "bob", InvalidInput, "without control characters"),
        ("!!! ???", "bob", InvalidInput, "no letter or digit"),
        ("first EDITION", "bob", EditionExists, "already has an edition named 'First edition'"),
        ("First  edition!", "carol", EditionExists, "already has an edition named"),
    ],
)
def test_refusals_record_nothing(
    app: Textbook, tiny: str, name: str, by: str, error: type[Exception], says: str
) -> None:
    app.mark_edition(tiny, "First edition", "bob")
    before = event_count(app)
    with pytest.raises(error, match=says):
        app.mark_edition(tiny, name, by)
    assert event_count(app) == before
    assert app.book(tiny).editions == {"first-edition": "First edition"}


def test_a_name_of_eighty_characters_is_taken(app: Textbook, tiny: str) -> None:
    name = "An edition " + "x" * 69
    assert len(name) == 80
    app.mark_edition(tiny, name, "bob")
    assert list(app.book(tiny).editions.values()) == [name]


def test_an_archived_book_has_no_new_edition(app: Textbook, tiny: str) -> None:
    app.archive_book(tiny, "mia")
    before = event_count(app)
    with pytest.raises(BookArchived, match="archived"):
        app.mark_edition(tiny, "First edition", "bob")
    assert event_count(app) == before


def test_a_book_without_a_chapter_has_no_edition(app: Textbook, tiny: str) -> None:
    slug = app.start_book(NewBook("blank", "Blank Pages", "en", "CC-BY-4.0"), "mia")
    before = event_count(app)
    with pytest.raises(InvalidInput, match="has no chapter yet"):
        app.mark_edition(slug, "First edition", "mia")
    assert event_count(app) == before


def test_edition_slugs() -> None:
    assert edition_slug("Première Édition") == "premiere-edition"
    assert edition_slug("2027 — revision (spring)") == "2027-revision-spring"


@pytest.fixture
def other(settings: Settings, tiny: str) -> Iterator[Textbook]:
    second = open_textbook(settings)
    yield second
    second.close()


def test_two_editors_mark_the_same_name_at_once(app: Textbook, other: Textbook) -> None:
    first_saves_between(other, lambda: app.mark_edition("tiny", "First edition", "bob"))
    with pytest.raises(EditionExists, match="already has an edition named 'First edition'"):
        other.mark_edition("tiny", "first edition", "carol")
    assert events_of(app, ids.book_id("tiny"), Book.EditionMarked) == 1


def test_two_editors_mark_different_names_at_once_both_count(
    app: Textbook, other: Textbook
) -> None:
    first_saves_between(other, lambda: app.mark_edition("tiny", "First edition", "bob"))
    other.mark_edition("tiny", "Spring term", "carol")
    assert events_of(app, ids.book_id("tiny"), Book.EditionMarked) == 2
    assert set(app.book("tiny").editions) == {"first-edition", "spring-term"}
