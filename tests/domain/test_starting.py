"""Starting a book, changing its details through reviewed proposals, archiving and deleting it:
the rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from textbook.domain.application import Textbook
from textbook.domain.application.starting import NewBook
from textbook.domain.details import Details, InvalidDetails, parse_details
from textbook.domain.errors import (
    BookArchived,
    BookDeleted,
    NotAMaintainer,
    NotTheStarter,
    OthersContributed,
    SelfApprovalRefused,
    SlugTaken,
    StaleDetails,
)
from textbook.projections.queries import Queries

CHAPTER = "# Getting Started {#getting-started}\n\nWhy we count.\n"


@pytest.fixture
def people(app: Textbook) -> Textbook:
    for name in ("ann", "ben", "cleo"):
        app.register_user(name, f"{name}@example.org", "correct horse")
    return app


def started(app: Textbook, slug: str = "counting", by: str = "ann") -> str:
    new = NewBook(slug, "Counting", "en", "CC-BY-4.0", ["Ann Author"], "Numbers, gently.")
    return app.start_book(new, by)


def details(**changes: object) -> Details:
    base = {
        "title": "Counting",
        "subtitle": "",
        "authors": ("Ann Author",),
        "description": "Numbers, gently.",
        "license": "CC-BY-4.0",
        "cover": "",
    }
    return Details(**(base | changes))  # type: ignore[arg-type]  # the fields, by name


def test_a_started_book_is_empty_and_its_starter_maintains_it(
    people: Textbook, queries: Callable[[], Queries]
) -> None:
    started(people)
    outline = queries().outline("counting")
    assert outline.title == "Counting"
    assert outline.authors == ("Ann Author",)
    assert outline.licence.name == "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    assert outline.chapters == ()
    assert queries().members("counting") == [("ann", "maintainer")]
    assert people.may_maintain("counting", "ann")


@pytest.mark.parametrize(
    ("slug", "says"),
    [
        ("new", "names a page"),
        ("start", "names a page"),
        ("x", "2 to 60 characters"),
        ("Linear-Algebra", "lowercase"),
        ("linear--algebra", "single hyphens"),
        ("-algebra", "starting with a letter"),
        ("a" * 61, "2 to 60 characters"),
    ],
)
def test_a_slug_of_the_wrong_shape_is_refused(people: Textbook, slug: str, says: str) -> None:
    with pytest.raises(InvalidDetails, match=says):
        started(people, slug)


def test_a_taken_slug_is_refused_even_once_its_book_is_deleted(people: Textbook) -> None:
    started(people)
    with pytest.raises(SlugTaken, match="'counting' is already taken"):
        started(people, by="ben")
    people.delete_book("counting", "ann")
    with pytest.raises(SlugTaken):
        started(people, by="ben")


def test_an_unknown_licence_is_refused_saying_which_word(people: Textbook) -> None:
    new = NewBook("counting", "Counting", "en", "CC-BY-5.0", [], "")
    with pytest.raises(InvalidDetails, match=r"'CC-BY-5\.0' is not a licence id") as refused:
        people.start_book(new, "ann")
    assert refused.value.field == "license"


def test_the_first_chapter_of_an_empty_book_is_proposed_and_approved_by_another(
    people: Textbook, queries: Callable[[], Queries]
) -> None:
    started(people)
    people.grant("counting", "ben", "editor", by="ann")
    proposal = people.propose_chapter("counting", "", CHAPTER, "The first chapter", "ann")
    with pytest.raises(SelfApprovalRefused):
        people.review(proposal, "approve", "", "ann", version=1)
    people.review(proposal, "approve", "Welcome.", "ben", version=1)
    outline = queries().outline("counting")
    assert [c.title for c in outline.chapters] == ["Getting Started"]
    assert queries().section("counting", "getting-started").text == CHAPTER


def test_details_change_through_a_proposal_approved_by_another(
    people: Textbook, queries: Callable[[], Queries]
) -> None:
    started(people)
    people.grant("counting", "ben", "editor", by="ann")
    new = details(title="Counting for All", license="CC-BY-SA-4.0", authors=("Ann", "Ben"))
    proposal = people.propose_details("counting", new, "A wider title", "ann")
    assert parse_details(people.proposal_info(proposal).text) == new
    with pytest.raises(SelfApprovalRefused):
        people.review(proposal, "approve", "", "ann", version=1)
    assert queries().outline("counting").title == "Counting"  # nothing changed yet
    people.review(proposal, "approve", "", "ben", version=1)
    outline = queries().outline("counting")
    assert (outline.title, outline.license, outline.authors) == (
        "Counting for All",
        "CC-BY-SA-4.0",
        ("Ann", "Ben"),
    )
    assert outline.language == "en"  # the rest of the metadata is kept
    blame = {b.field: b for b in queries().details_blame("counting")}
    assert (blame["title"].author, blame["title"].approver) == ("ann", "ben")
    assert blame["title"].proposal_id == str(proposal)
    assert (blame["description"].kind, blame["description"].author) == ("created", "ann")
    last = queries().details_history("counting")[-1]
    assert [(f.field, f.old, f.new) for f in last.changes] == [
        ("title", "Counting", "Counting for All"),
        ("authors", "Ann Author", "Ann; Ben"),
        ("license", "CC-BY-4.0", "CC-BY-SA-4.0"),
    ]


def test_a_details_proposal_written_before_another_was_approved_must_be_revised(
    people: Textbook, queries: Callable[[], Queries]
) -> None:
    started(people)
    people.grant("counting", "ben", "editor", by="ann")
    first = people.propose_details("counting", details(title="One"), "One", "ann")
    second = people.propose_details("counting", details(subtitle="Two"), "Two", "ann")
    people.review(first, "approve", "", "ben", version=1)
    with pytest.raises(StaleDetails, match="version 1 of them; they are at version 2"):
        people.review(second, "approve", "", "ben", version=1)
    people.revise_details(second, details(title="One", subtitle="Two"), "Rebased", "ann")
    people.review(second, "approve", "", "ben", version=2)
    outline = queries().outline("counting")
    assert (outline.title, outline.subtitle) == ("One", "Two")


def test_details_are_checked_when_proposed(people: Textbook) -> None:
    started(people)
    with pytest.raises(InvalidDetails, match="needs a title"):
        people.propose_details("counting", details(title="  "), "", "ann")
    with pytest.raises(InvalidDetails, match="not a licence id"):
        people.propose_details("counting", details(license="Public"), "", "ann")
    with pytest.raises(InvalidDetails, match="at most 200"):
        people.propose_details("counting", details(title="x" * 201), "", "ann")
    with pytest.raises(InvalidDetails, match="not an image of the book"):
        people.propose_details("counting", details(cover="images/cover.png"), "", "ann")
    with pytest.raises(InvalidDetails, match="not a detail"):
        parse_details("title: A\nisbn: 123\n")


def test_a_cover_carried_by_a_details_proposal_goes_into_the_book_on_approval(
    people: Textbook, queries: Callable[[], Queries]
) -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        b'<rect width="10" height="10"/></svg>'
    )
    started(people)
    people.grant("counting", "ben", "editor", by="ann")
    cover = details(cover="images/cover.svg")
    proposal = people.propose_details("counting", cover, "A cover", "ann", [("cover.svg", svg)])
    assert queries().image("counting", "cover.svg") is None
    people.review(proposal, "approve", "", "ben", version=1)
    assert queries().image("counting", "cover.svg") is not None
    assert queries().outline("counting").cover == "images/cover.svg"


def test_an_archived_book_takes_no_proposal_and_no_review_until_unarchived(
    people: Textbook, queries: Callable[[], Queries]
) -> None:
    started(people)
    people.grant("counting", "ben", "editor", by="ann")
    proposal = people.propose_chapter("counting", "", CHAPTER, "First", "ann")
    with pytest.raises(NotAMaintainer):
        people.archive_book("counting", "ben")
    people.archive_book("counting", "ann")
    assert queries().standing("counting").archived
    assert queries().archived_books() == {"counting"}
    with pytest.raises(BookArchived, match="archived"):
        people.propose_chapter("counting", "", CHAPTER, "Again", "ann")
    with pytest.raises(BookArchived):
        people.review(proposal, "approve", "", "ben", version=1)
    assert queries().outline("counting").title == "Counting"  # still readable
    people.unarchive_book("counting", "ann")
    people.review(proposal, "approve", "", "ben", version=1)
    assert not queries().standing("counting").archived


def test_only_its_starter_deletes_a_book_and_only_while_alone_in_it(
    people: Textbook, queries: Callable[[], Queries]
) -> None:
    started(people, "alone")
    started(people, "granted")
    started(people, "proposed")
    people.grant("granted", "ben", "author", by="ann")
    people.grant("granted", "cleo", "maintainer", by="ann")
    people.revoke("granted", "ben", by="ann")  # a role once granted counts still
    with pytest.raises(NotTheStarter):
        people.delete_book("granted", "cleo")
    with pytest.raises(OthersContributed, match="archive it instead"):
        people.delete_book("granted", "ann")
    people.set_open_to_all("proposed", True, by="ann")
    people.propose_chapter("proposed", "", CHAPTER, "Mine", "ben")
    with pytest.raises(OthersContributed):
        people.delete_book("proposed", "ann")
    assert people.may_delete("alone", "ann") and not people.may_delete("alone", "ben")
    people.propose_chapter("alone", "", CHAPTER, "My own", "ann")  # the starter's own work
    people.delete_book("alone", "ann")
    assert [b.slug for b in queries().books()] == ["granted", "proposed"]
    with pytest.raises(BookDeleted, match="deleted by the person who started it"):
        queries().outline("alone")
    with pytest.raises(BookArchived):  # the record stays, closed for good
        people.propose_chapter("alone", "", CHAPTER, "Again", "ann")


def test_a_details_proposal_moves_the_references_to_the_end_of_the_book(
    people: Textbook, queries: Callable[[], Queries]
) -> None:
    started(people)
    people.grant("counting", "ben", "editor", by="ann")
    assert people.book_details("counting").bibliography == ""  # after each chapter
    proposal = people.propose_details("counting", details(bibliography="book"), "One list", "ann")
    people.review(proposal, "approve", "", "ben", version=1)
    assert people.book("counting").metadata["bibliography"] == "book"
    history = queries().details_history("counting")
    assert [(f.label, f.old, f.new) for f in history[-1].changes] == [("References", "", "book")]
    with pytest.raises(InvalidDetails) as refused:
        people.propose_details("counting", details(bibliography="appendix"), "Elsewhere", "ann")
    assert refused.value.field == "bibliography"
