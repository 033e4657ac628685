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
from tests.domain.test_forks import book_with_licence
from tests.live import fingerprint_of
from textbook.config import Settings
from textbook.domain import ids
from textbook.domain.application import Textbook
from textbook.domain.application.starting import NewBook
from textbook.domain.details import Details
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
    """The tiny book with proposals open: an edit by alice, one by bob (an editor), a removal,
    new details by alice; and two books started: mallory's, and one archived."""

    edit: UUID
    editors_edit: UUID
    removal: UUID
    retitle: UUID  # alice's proposal of the tiny book's details


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
    details = Details("Tiny, Retitled", "", ("Mia",), "", "CC-BY-4.0")
    retitle = app.propose_details(tiny, details, "A better title", "alice")
    # A book mallory started (mia maintains it too), and one mia started and archived.
    app.start_book(NewBook("mallorys", "Mallory's", "en", "MIT"), "mallory")
    app.grant("mallorys", "mia", "maintainer", by="mallory")
    app.start_book(NewBook("shelf", "Shelved", "en", "CC0-1.0"), "mia")
    app.archive_book("shelf", "mia")
    return Open(edit, editors, removal, retitle)


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
    "a book started at an address that names a page": lambda a, o, b: a.start_book(
        NewBook("new", "New", "en", "MIT"), "alice"
    ),
    "a book started at a taken address": lambda a, o, b: a.start_book(
        NewBook("tiny", "Tiny Again", "en", "MIT"), "alice"
    ),
    "a book started with a licence not on the SPDX list": lambda a, o, b: a.start_book(
        NewBook("fresh", "Fresh", "en", "Free-For-All"), "alice"
    ),
    "a book started by nobody registered": lambda a, o, b: a.start_book(
        NewBook("fresh", "Fresh", "en", "MIT"), "nobody"
    ),
    "details the same as the book's": lambda a, o, b: a.propose_details(
        "tiny", a.book_details("tiny"), "Same", "alice"
    ),
    "details without a title": lambda a, o, b: a.propose_details(
        "tiny", Details(" ", "", (), "", "MIT"), "No title", "alice"
    ),
    "details proposed by a non-member": lambda a, o, b: a.propose_details(
        "tiny", Details("Mine", "", (), "", "MIT"), "Mine", "mallory"
    ),
    "an author approves their own details": lambda a, o, b: a.review(
        o.retitle, "approve", "", "alice", version=1
    ),
    "an author (not a maintainer) archives": lambda a, o, b: a.archive_book("tiny", "alice"),
    "a maintainer who did not start the book deletes it": lambda a, o, b: a.delete_book(
        "mallorys", "mia"
    ),
    "someone not a maintainer deletes a book": lambda a, o, b: a.delete_book("mallorys", "bob"),
    "its starter deletes a book others took part in": lambda a, o, b: a.delete_book("tiny", "mia"),
    "a proposal in an archived book": lambda a, o, b: a.propose_chapter(
        "shelf", "", "# One {#one}\n\nText.\n", "First", "mia"
    ),
    "details proposed for an archived book": lambda a, o, b: a.propose_details(
        "shelf", Details("Unshelved", "", (), "", "MIT"), "Retitle", "mia"
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
    # Accounts by email (textbook.domain.application.addresses).
    "a change of address with a wrong password": lambda a, o, b: a.change_email(
        "alice", "alice@new.example", "not the password"
    ),
    "a change of address to someone else's": lambda a, o, b: a.change_email(
        "alice", "bob@example.org", "correct horse"
    ),
    "a change of password with a wrong current one": lambda a, o, b: a.change_password(
        "alice", "not the password", "a new one!"
    ),
    "a new password too short": lambda a, o, b: a.change_password(
        "alice", "correct horse", "short"
    ),
    "a reset link never mailed": lambda a, o, b: a.reset_password(
        ids.user_id("alice"), uuid4().hex, "a new one!"
    ),
    "a verification link never mailed": lambda a, o, b: a.verify_email(
        ids.user_id("alice"), uuid4().hex
    ),
    "a mailed link naming no account": lambda a, o, b: a.unsubscribe(uuid4()),
    "a choice of mail that is none of the three": lambda a, o, b: a.choose_mail("alice", "hourly"),
    # Review requests and watching (textbook.domain.application.watching).
    "asking someone who is not an editor to review": lambda a, o, b: a.request_review(
        o.edit, "mallory", "alice"
    ),
    "asking the author to review their own proposal": lambda a, o, b: a.request_review(
        o.editors_edit, "bob", "carol"
    ),
    "an author asking a review of someone else's proposal": lambda a, o, b: a.request_review(
        o.editors_edit, "carol", "alice"
    ),
    "asking a review of a proposal that does not exist": lambda a, o, b: a.request_review(
        uuid4(), "bob", "alice"
    ),
    "asking a review of a person who does not exist": lambda a, o, b: a.request_review(
        o.edit, "nobody", "alice"
    ),
    "watching a section that does not exist": lambda a, o, b: a.watch(
        "alice", "section", "tiny", "nowhere"
    ),
    "watching a chapter that does not exist": lambda a, o, b: a.watch(
        "alice", "chapter", "tiny", "nowhere"
    ),
    "watching a section as a chapter": lambda a, o, b: a.watch(
        "alice", "chapter", "tiny", "counting"
    ),
    "watching a book that does not exist": lambda a, o, b: a.watch("alice", "book", "nowhere"),
    "watching what cannot be watched": lambda a, o, b: a.watch("alice", "proposal", "tiny"),
    "watching a chapter without saying which": lambda a, o, b: a.watch(
        "alice", "chapter", "tiny", ""
    ),
    "marking the inbox read to a negative position": lambda a, o, b: a.mark_inbox_read("alice", -1),
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


# Forks: the refusals of forking, of taking an upstream change and of offering one back.

COUNTING = "## Counting {#counting}\n\nOne, two, three.\nFour, five, six.\n"


@dataclass(frozen=True)
class Forked:
    """tiny-course, forked from tiny by tess (carol edits it, alice authors it); both books
    changed the same line of 'counting' (a conflict), and the upstream changed 'summing' (taken
    once, by tess, and open); tiny-nd allows no derivatives."""

    fork: str
    marked: str


def edited(
    app: Textbook, slug: str, section: str, old: str, new: str, by: str, approver: str
) -> None:
    text = app._live_section(app.book(slug), section).text
    proposal = app.propose_edit(slug, section, text.replace(old, new), "Edit", by)
    app.review(proposal, "approve", "", approver, version=1)


@pytest.fixture
def forked(app: Textbook, tiny: str, tmp_path: Path) -> Forked:
    book_with_licence(app, tmp_path, "tiny-nd", "CC-BY-ND-4.0")
    app.register_user("tess", "tess@example.org", "correct horse")
    fork = app.fork_book(tiny, "tiny-course", by="tess").slug
    app.grant(fork, "carol", "editor", by="tess")
    app.grant(fork, "alice", "author", by="tess")
    edited(app, fork, "counting", "Four, five, six.", "Four to six.", "alice", "carol")
    edited(app, tiny, "counting", "Four, five, six.", "Four, five, six!", "alice", "bob")
    edited(app, tiny, "summing", "A story", "An old story", "alice", "bob")
    assert app.take_upstream(fork, "summing", "tess") is not None
    (conflict,) = [c for c in app.upstream_changes(fork) if c.conflict]
    return Forked(fork, conflict.with_markers)


ForkCommand = Callable[[Textbook, Forked], object]

FORK_REFUSALS: dict[str, ForkCommand] = {
    "a fork of a book that allows no derivatives": lambda a, f: a.fork_book(
        "tiny-nd", "nd-copy", by="tess"
    ),
    "a fork under a slug that is a book's": lambda a, f: a.fork_book("tiny", f.fork, by="tess"),
    "a fork under a slug that is not one": lambda a, f: a.fork_book("tiny", "Not Slug", by="tess"),
    "a fork whose title holds a NUL": lambda a, f: a.fork_book(
        "tiny", "copy-two", by="tess", title="A\x00B"
    ),
    "a fork by someone unknown": lambda a, f: a.fork_book("tiny", "copy-two", by="nobody"),
    "an upstream change taken by an author of the fork": lambda a, f: a.take_upstream(
        f.fork, "summing", "alice"
    ),
    "an upstream change taken in a book that is no fork": lambda a, f: a.take_upstream(
        "tiny", "counting", "bob"
    ),
    "a conflict taken without a resolution": lambda a, f: a.take_upstream(
        f.fork, "counting", "tess"
    ),
    "a resolution that keeps a conflict marker": lambda a, f: a.take_upstream(
        f.fork, "counting", "tess", resolution=f.marked
    ),
    "an upstream change taken twice": lambda a, f: a.take_upstream(f.fork, "summing", "tess"),
    "a section with no upstream change taken": lambda a, f: a.take_upstream(
        f.fork, "measuring", "tess"
    ),
    "a sync by an author of the fork": lambda a, f: a.sync_upstream(f.fork, "alice"),
    "an offer by someone who may not propose upstream": lambda a, f: a.offer_upstream(
        f.fork, "counting", "tess"
    ),
    "an offer of a section the fork did not change": lambda a, f: a.offer_upstream(
        f.fork, "measuring", "alice"
    ),
    "an offer from a book that is no fork": lambda a, f: a.offer_upstream(
        "tiny", "counting", "alice"
    ),
}


@pytest.mark.parametrize("case", list(FORK_REFUSALS))
def test_a_refused_fork_command_changes_nothing(
    case: str, app: Textbook, views: ReadModels, forked: Forked
) -> None:
    before = fingerprint_of(app, views)
    with pytest.raises(TextbookError):
        FORK_REFUSALS[case](app, forked)
    assert fingerprint_of(app, views) == before
