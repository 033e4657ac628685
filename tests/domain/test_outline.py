"""The outline is a typed value; events keep holding it as the JSON they always held."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, UUIDAsHex

from textbook.domain.book import Book
from textbook.domain.outline import ChapterOutline, Outline

STORED = [
    {"id": "first", "file": "first.md", "sections": ["first", "counting"]},
    {"id": "second", "file": "second.md", "sections": ["second", "summing", "products"]},
]


def test_the_outline_round_trips_through_the_json_events_hold() -> None:
    outline = Outline.from_json(STORED)
    assert outline.chapters[1] == ChapterOutline(
        "second", "second.md", ("second", "summing", "products")
    )
    assert outline.to_json() == STORED
    assert outline.section_ids() == ["first", "counting", "second", "summing", "products"]
    assert outline.chapter_of("summing") == outline.chapters[1]
    assert outline.chapter_of("nowhere") is None
    assert outline.is_intro("second") and not outline.is_intro("summing")


def test_a_book_records_its_outline_as_plain_json() -> None:
    book = Book.create(
        "tiny", {"title": "Tiny"}, "title: Tiny\n", Outline.from_json(STORED), uuid4()
    )
    book.change_outline(book.outline.without_section("counting"), uuid4(), None)
    created, changed = book.collect_events()
    assert isinstance(created, Book.Created) and isinstance(changed, Book.OutlineChanged)
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    assert transcoder.decode(transcoder.encode(created.chapters)) == STORED
    assert changed.chapters[0] == {"id": "first", "file": "first.md", "sections": ["first"]}
    assert book.outline.section_ids() == ["first", "second", "summing", "products"]


def test_an_unchanged_outline_records_nothing() -> None:
    book = Book.create("tiny", {"title": "Tiny"}, "", Outline.from_json(STORED), uuid4())
    book.collect_events()
    book.change_outline(Outline.from_json(STORED), uuid4(), None)
    assert book.pending_events == []


def test_sections_and_chapters_are_placed_where_asked_and_the_outline_is_left_alone() -> None:
    outline = Outline.from_json(STORED)
    assert outline.with_section("second", "", "new").chapters[1].sections == (
        "second",
        "new",
        "summing",
        "products",
    )
    assert outline.with_section("second", "products", "new").chapters[1].sections[-1] == "new"
    with pytest.raises(KeyError):
        outline.with_section("gone", "", "new")
    assert outline.with_chapter("", "zero").chapter_ids() == ["zero", "first", "second"]
    assert outline.with_chapter("first", "middle").chapters[1] == ChapterOutline(
        "middle", "middle.md", ("middle",)
    )
    assert outline.without_section("second").chapter_ids() == ["first"]  # an intro: the chapter
    moved = outline.with_section_moved("products", "first", "first")
    assert moved.to_json()[0]["sections"] == ["first", "products", "counting"]
    assert outline.to_json() == STORED  # every change is a new outline
