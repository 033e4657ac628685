"""Every refusal of a command leaves the record as it was: no event, no blob, no read-model row.

Each case runs a command the domain must refuse, on the tiny book with one open proposal of each
kind, and compares a fingerprint of the whole store (events, blobs and every read-model table,
caught up) before and after. The HTTP side of the same promise is in tests/gate/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest

from tests.conftest import import_folder
from tests.live import fingerprint_of
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.domain.errors import TextbookError
from textbook.projections.queries.copies import CopyIndex
from textbook.projections.runner import catch_up
from textbook.projections.views import ReadModels
from textbook.storage import BlobStore

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d3f6b40000000049454e44ae426082"
)


@dataclass(frozen=True)
class Open:
    """The tiny book with proposals open: an edit by alice, one by bob (an editor), a removal."""

    edit: UUID
    editors_edit: UUID
    removal: UUID


@pytest.fixture
def opened(app: Textbook, tiny: str, blobs: BlobStore) -> Open:
    edit = app.propose_edit(
        tiny, "counting", "## Counting {#counting}\n\nOne, two.\n", "Shorter", "alice"
    )
    editors = app.propose_edit(
        tiny, "summing", "## Summing {#summing}\n\nSums, briefly.\n", "Briefer", "bob"
    )
    removal = app.propose_removal(tiny, "summing", "Not needed", "alice")
    app.grant(tiny, "mallory", "author")
    app.revoke(tiny, "mallory")
    return Open(edit, editors, removal)


Command = Callable[[Textbook, Open, BlobStore], object]

REFUSALS: dict[str, Command] = {
    "an author approves their own edit": lambda a, o, b: a.review(
        o.edit, "approve", "", "alice", version=1
    ),
    "an editor approves their own edit": lambda a, o, b: a.review(
        o.editors_edit, "approve", "", "bob", version=1
    ),
    "an author (not an editor) approves": lambda a, o, b: a.review(
        o.editors_edit, "approve", "", "alice", version=1
    ),
    "an approval without the version read": lambda a, o, b: a.review(o.edit, "approve", "", "bob"),
    "an approval of a version that is not the current one": lambda a, o, b: a.review(
        o.edit, "approve", "", "bob", version=2
    ),
    "an editor rejects their own edit": lambda a, o, b: a.review(
        o.editors_edit, "reject", "Not mine after all", "bob"
    ),
    "an editor requests changes on their own edit": lambda a, o, b: a.review(
        o.editors_edit, "request_changes", "Fix it, me", "bob"
    ),
    "a non-member rejects": lambda a, o, b: a.review(o.edit, "reject", "No", "mallory"),
    "a non-member requests changes": lambda a, o, b: a.review(
        o.edit, "request_changes", "More", "mallory"
    ),
    "changes requested with no comment": lambda a, o, b: a.review(
        o.edit, "request_changes", "", "bob"
    ),
    "an empty comment": lambda a, o, b: a.review(o.edit, "comment", "  ", "bob"),
    "someone else withdraws": lambda a, o, b: a.withdraw(o.edit, "bob"),
    "someone else revises": lambda a, o, b: a.revise_proposal(
        o.edit, "## Counting {#counting}\n\nMine now.\n", "Taken", "bob"
    ),
    "a non-member proposes": lambda a, o, b: a.propose_edit(
        "tiny", "counting", "## Counting {#counting}\n\nHi.\n", "Hi", "mallory"
    ),
    "the same text proposed": lambda a, o, b: a.propose_edit(
        "tiny", "counting", a.book_state("tiny").chapters[0].sections[1].text, "Same", "alice"
    ),
    "a heading whose id is not the section's": lambda a, o, b: a.propose_edit(
        "tiny", "counting", "## Counting {#elsewhere}\n\nHi.\n", "Moved id", "alice"
    ),
    "a new section with an id taken": lambda a, o, b: a.propose_section(
        "tiny", "first", "", "## Again {#counting}\n\nText.\n", "Dup", "alice"
    ),
    "a new section in a chapter that does not exist": lambda a, o, b: a.propose_section(
        "tiny", "nowhere", "", "## New {#brand-new}\n\nText.\n", "Lost", "alice"
    ),
    "a citation of an unknown key": lambda a, o, b: a.propose_edit(
        "tiny", "counting", "## Counting {#counting}\n\nAs said [@nobody2020].\n", "Cite", "alice"
    ),
    "an image neither in the book nor attached": lambda a, o, b: a.propose_edit(
        "tiny", "counting", "## Counting {#counting}\n\n![A](images/nowhere.png)\n", "Img", "alice"
    ),
    "an image with a name that is not allowed": lambda a, o, b: a.propose_edit(
        "tiny",
        "counting",
        "## Counting {#counting}\n\n![A](images/../x.png)\n",
        "Img",
        "alice",
        images=[("../x.png", PNG)],
        store=b.put,
    ),
    "an image that is not an image": lambda a, o, b: a.propose_edit(
        "tiny",
        "counting",
        "## Counting {#counting}\n\n![A](images/fake.png)\n",
        "Img",
        "alice",
        images=[("fake.png", b"not a png at all")],
        store=b.put,
    ),
    "an image attached by someone else": lambda a, o, b: a.attach_image(
        o.edit, "dot.png", PNG, "bob", b.put
    ),
    "an image attached to a removal": lambda a, o, b: a.attach_image(
        o.removal, "dot.png", PNG, "alice", b.put
    ),
    "a removal that breaks links, unconfirmed": lambda a, o, b: a.review(
        o.removal, "approve", "", "bob", version=1
    ),
    "an author grants a role": lambda a, o, b: a.grant("tiny", "mallory", "editor", by="alice"),
    "a role that does not exist": lambda a, o, b: a.grant("tiny", "mallory", "owner"),
    "an editor opens the book to all": lambda a, o, b: a.set_open_to_all("tiny", True, by="bob"),
    "a review of a proposal that does not exist": lambda a, o, b: a.review(
        uuid4(), "comment", "Hello", "bob"
    ),
    "a proposal in a book that does not exist": lambda a, o, b: a.propose_removal(
        "nowhere", "counting", "Gone", "alice"
    ),
    "a move of a chapter's intro": lambda a, o, b: a.propose_move(
        "tiny", "first", "second", "", "Move", "alice"
    ),
    "a remix under a slug taken": lambda a, o, b: a.remix(
        "tiny", "Mine", [("tiny", "first")], by="alice"
    ),
    "a remix of a section that does not exist": lambda a, o, b: a.remix(
        "mixed", "Mixed", [("tiny", "nowhere")], by="alice"
    ),
    "a remix under a licence that is not one": lambda a, o, b: a.remix(
        "mixed", "Mixed", [("tiny", "first")], by="alice", licence="Mine-1.0"
    ),
    "text taken from its own book": lambda a, o, b: a.take_into(
        "tiny", "tiny", "counting", "alice", "second"
    ),
}


@dataclass(frozen=True)
class Others:
    """Beside the tiny book (CC BY): a CC BY-SA book and a CC BY-ND one, and alice's proposal
    in the tiny book that copies a paragraph of the ShareAlike one, found by the copy check."""

    copy: UUID


PARAGRAPH = (
    "Newton's method follows the tangent at the current guess down to the axis and takes the "
    "crossing as the next guess, so near a simple root the number of correct digits roughly "
    "doubles with every step it takes."
)


@pytest.fixture
def others(app: Textbook, views: ReadModels, tiny: str, tmp_path: Path) -> Others:
    for slug, licence in (("shared", "CC-BY-SA-4.0"), ("kept", "CC-BY-ND-4.0")):
        folder = tmp_path / slug
        folder.mkdir()
        (folder / "book.yaml").write_text(
            f"title: {slug.title()}\nlanguage: en\nlicense: {licence}\nchapters:\n  - n.md\n"
            f"identifier: urn:uuid:{uuid5(NAMESPACE_URL, slug)}\n"
        )
        (folder / "n.md").write_text(
            f"# Newton {{#newton-{slug}}}\n\n## Tangents {{#tangents-{slug}}}\n\n{PARAGRAPH}\n"
        )
        import_folder(app, folder)
    app.copy_finder = CopyIndex(lambda: views, lambda: catch_up(app, views))
    text = f"## Tangents {{#tangents}}\n\n{PARAGRAPH}\n"
    return Others(app.propose_section(tiny, "first", "", text, "Newton", "alice"))


OTHER_REFUSALS: dict[str, Callable[[Textbook, Others], object]] = {
    "a copy approved before its source is marked": lambda a, o: a.review(
        o.copy, "approve", "", "bob", version=1
    ),
    "a ShareAlike source marked in a book under CC BY": lambda a, o: a.mark_source(
        o.copy, "shared", "tangents-shared", by="alice"
    ),
    "a source marked by someone other than the author": lambda a, o: a.mark_source(
        o.copy, "kept", "tangents-kept", by="bob"
    ),
    "a remix of a book that allows no derivatives": lambda a, o: a.remix(
        "mixed", "Mixed", [("tiny", "first"), ("kept", "newton-kept")], by="alice"
    ),
    "a remix of ShareAlike and CC BY under CC BY": lambda a, o: a.remix(
        "mixed",
        "Mixed",
        [("tiny", "first"), ("shared", "newton-shared")],
        by="alice",
        licence="CC-BY-4.0",
    ),
    "a ShareAlike section taken into a CC BY book": lambda a, o: a.take_into(
        "tiny", "shared", "tangents-shared", "alice", "second"
    ),
    "a remix that takes a chapter twice": lambda a, o: a.remix(
        "mixed", "Mixed", [("tiny", "first"), ("tiny", "second"), ("tiny", "first")], by="alice"
    ),
}


@pytest.mark.parametrize("case", list(OTHER_REFUSALS))
def test_a_refused_taking_changes_nothing(
    case: str, app: Textbook, views: ReadModels, others: Others
) -> None:
    assert app.copies_found(others.copy).unmarked  # the copy check found the copy
    before = fingerprint_of(app, views)
    with pytest.raises(TextbookError):
        OTHER_REFUSALS[case](app, others)
    assert fingerprint_of(app, views) == before


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_command_changes_nothing(
    case: str, app: Textbook, views: ReadModels, opened: Open, blobs: BlobStore
) -> None:
    before = fingerprint_of(app, views)
    with pytest.raises(TextbookError):
        REFUSALS[case](app, opened, blobs)
    assert fingerprint_of(app, views) == before


def test_the_fingerprint_sees_a_change(
    app: Textbook, views: ReadModels, opened: Open, settings: Settings
) -> None:
    """The check above can fail: an accepted command changes the fingerprint."""
    before = fingerprint_of(app, views)
    app.review(opened.edit, "comment", "Looks fine.", "bob")
    assert fingerprint_of(app, views) != before
