"""The aggregates decide an approval: the Book where the proposal leads the outline, the
Proposal who may approve and which revision it publishes, the Section its next revision. Each
refusal leaves them with nothing to save."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate

from textbook.domain.book import Book
from textbook.domain.errors import (
    Conflict,
    InvalidInput,
    NotAnEditor,
    SelfApprovalRefused,
    SlugTaken,
    StaleBaseRevision,
)
from textbook.domain.outline import Outline
from textbook.domain.proposal import Proposal
from textbook.domain.section import Section
from textbook.domain.vocabulary import ProposalKind, ProposalStatus, Role

OUTLINE = [
    {"id": "first", "file": "first.md", "sections": ["first", "counting"]},
    {"id": "second", "file": "second.md", "sections": ["second", "summing"]},
]
COUNTING = "## Counting {#counting}\n\nOne, two.\n"


@dataclass
class People:
    author: UUID
    editor: UUID
    maintainer: UUID


@pytest.fixture
def people() -> People:
    return People(uuid4(), uuid4(), uuid4())


@pytest.fixture
def book(people: People) -> Book:
    book = Book.create("tiny", {"title": "Tiny"}, "", Outline.from_json(OUTLINE), people.maintainer)
    book.grant(people.author, "author", people.maintainer)
    book.grant(people.editor, "editor", people.maintainer)
    book.collect_events()
    return book


def saved(*aggregates: Aggregate) -> None:
    for aggregate in aggregates:
        aggregate.collect_events()


def nothing_pending(*aggregates: Aggregate) -> bool:
    return all(aggregate.pending_events == [] for aggregate in aggregates)


def proposal(
    people: People, kind: ProposalKind, section: str, chapter: str = "", base: int = 0
) -> Proposal:
    text = f"## New {{#{section}}}\n\nNew.\n" if kind.adds else COUNTING
    opened = Proposal("tiny", kind, section, chapter, "", base, text, "Why", people.author)
    opened.collect_events()
    return opened


def counting(people: People) -> Section:
    section = Section("tiny", "counting", COUNTING, people.maintainer, people.maintainer, None, "")
    section.collect_events()
    return section


def test_the_book_leads_each_kind_to_its_outline(book: Book, people: People) -> None:
    add = proposal(people, ProposalKind.ADD_SECTION, "new", "second")
    assert book.outline_after(add).chapters[1].sections == ("second", "new", "summing")
    chapter = proposal(people, ProposalKind.ADD_CHAPTER, "third")
    assert book.outline_after(chapter).chapter_ids() == ["third", "first", "second"]
    removal = proposal(people, ProposalKind.REMOVE_SECTION, "counting", base=1)
    assert book.outline_after(removal).section_ids() == ["first", "second", "summing"]
    move = proposal(people, ProposalKind.MOVE_SECTION, "counting", "second", base=1)
    assert book.outline_after(move).chapters[1].sections == ("second", "counting", "summing")
    edit = proposal(people, ProposalKind.EDIT, "counting", base=1)
    assert book.outline_after(edit) == book.outline


def test_the_book_refuses_a_chapter_gone_and_an_id_taken(book: Book, people: People) -> None:
    gone = proposal(people, ProposalKind.ADD_SECTION, "new", "second")
    move = proposal(people, ProposalKind.MOVE_SECTION, "counting", "second", base=1)
    book.change_outline(book.outline.without_section("second"), people.maintainer, None)
    saved(book)
    for refused in (gone, move):
        with pytest.raises(Conflict, match="The chapter 'second' no longer exists"):
            book.outline_after(refused)
    taken = proposal(people, ProposalKind.ADD_CHAPTER, "counting")
    with pytest.raises(SlugTaken):
        book.outline_after(taken)
    assert nothing_pending(book, gone, move, taken)


def test_the_proposal_computes_the_revision_it_publishes(book: Book, people: People) -> None:
    section = counting(people)
    edit = proposal(people, ProposalKind.EDIT, "counting", base=1)
    changed = COUNTING + "Three.\n"
    edit.approve("", people.editor, "bob", book, 1, section, changed)
    assert (edit.status, edit.applied_revision) == (ProposalStatus.APPROVED, 2)
    assert edit.published(section, changed, people.editor) == [section]
    assert (section.revision, section.text) == (2, changed)

    unchanged = proposal(people, ProposalKind.EDIT, "counting", base=2)
    unchanged.approve("", people.editor, "bob", book, 1, section, changed)
    assert unchanged.applied_revision == 2  # the same text: no new revision

    new = proposal(people, ProposalKind.ADD_SECTION, "new", "second")
    new.approve("", people.editor, "bob", book, 1, None, new.text)
    (created,) = new.published(None, new.text, people.editor)
    assert (new.applied_revision, created.revision, created.section_id) == (1, 1, "new")

    section.remove(people.author, people.editor, None, "Gone")
    revived = proposal(people, ProposalKind.ADD_SECTION, "counting", "first")
    revived.approve("", people.editor, "bob", book, 1, section, COUNTING)
    assert revived.applied_revision == section.next_revision(COUNTING) == 3
    assert revived.published(section, COUNTING, people.editor) == [section]
    assert (section.revision, section.removed) == (3, False)


def test_a_move_publishes_no_text_and_a_removal_removes(book: Book, people: People) -> None:
    section = counting(people)
    move = proposal(people, ProposalKind.MOVE_SECTION, "counting", "second", base=1)
    move.approve("", people.editor, "bob", book, 1, section, "")
    assert (move.applied_revision, move.published(section, "", people.editor)) == (1, [])
    removal = proposal(people, ProposalKind.REMOVE_SECTION, "counting", base=1)
    removal.approve("", people.editor, "bob", book, 1, section, "")
    assert removal.published(section, "", people.editor) == [section]
    assert section.removed and section.revision == 1


def test_refused_approvals_leave_nothing_to_save(book: Book, people: People) -> None:
    section = counting(people)
    section.revise(COUNTING + "Three.\n", people.author, people.editor, None, "")
    saved(section)
    stale_move = proposal(people, ProposalKind.MOVE_SECTION, "counting", "second", base=1)
    with pytest.raises(StaleBaseRevision):
        stale_move.approve("", people.editor, "bob", book, 1, section, "")
    own = Proposal("tiny", ProposalKind.EDIT, "counting", "", "", 2, COUNTING, "", people.editor)
    own.collect_events()
    with pytest.raises(SelfApprovalRefused):  # an editor, but its author
        own.approve("", people.editor, "bob", book, 1, section, own.text)
    with pytest.raises(NotAnEditor):
        own.approve("", people.author, "alice", book, 1, section, own.text)
    with pytest.raises(InvalidInput):  # no version named: nobody read it
        own.approve("", people.maintainer, "mia", book, None, section, own.text)
    assert nothing_pending(book, section, stale_move, own)
    assert own.is_open and stale_move.status is ProposalStatus.OPEN


def test_roles_are_the_vocabulary_and_an_unknown_one_is_refused_once(
    book: Book, people: People
) -> None:
    assert book.role_of(people.editor) is Role.EDITOR
    assert book.role_of(people.maintainer) is Role.MAINTAINER
    with pytest.raises(InvalidInput, match="'owner' is not a role; use one of author, editor"):
        book.grant(people.author, "owner", people.maintainer)
    assert nothing_pending(book)
