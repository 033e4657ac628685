"""The sample book with a proposal in every state and a person in every role, for whole-site tests.

`seed_states(settings)` writes straight through the application, before any server starts, so
it takes a second or two. Tests that walk the whole site (the crawl, accessibility checks) serve
the store it leaves with `textbook serve` and visit what `Seeded` names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from textbook.book_folder import read_book
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.domain.application.starting import NewBook
from textbook.domain.details import Details
from textbook.domain.errors import MergeConflict
from textbook.projections.queries.copies import CopyIndex
from textbook.projections.runner import catch_up, open_views
from textbook.storage import open_textbook

SAMPLE = Path(__file__).resolve().parent.parent / "books" / "numerical-methods"
SLUG = "numerical-methods"
PASSWORD = "correct horse"
# Who plays each role on the book; a second editor approves what the first one proposes.
PEOPLE = {"author": "ada", "editor": "emmy", "second_editor": "grace", "maintainer": "max"}
ROLES = ("anonymous", "author", "editor", "maintainer")  # anonymous: nobody signed in
STATES = (
    "open", "changes_requested", "approved", "rejected", "withdrawn", "stale_clean",
    "stale_clash", "new_section", "new_chapter", "move", "removal",
    "approved_section", "approved_move", "approved_removal", "details", "approved_details",
    "copied",
)  # fmt: skip
# Books started on the platform: one empty, with its first chapter proposed; one archived.
STARTED, ARCHIVED = "first-steps", "old-notes"
REMIX = "roots-and-integrals"  # a remix of two of the sample's chapters
FIRST_EDITION, SECOND_EDITION = "First edition", "2027 revision"  # named editions of the book


@dataclass
class Seeded:
    """What the seed made: the book's slug, the people by role, the proposals by state."""

    slug: str = SLUG
    people: dict[str, str] = field(default_factory=lambda: dict(PEOPLE))
    proposals: dict[str, UUID] = field(default_factory=dict)
    fork: str = ""  # a fork of the book, with changes upstream to take (one a conflict)
    needs: dict[str, UUID] = field(default_factory=dict)  # open needs on its task board


def seed_states(settings: Settings) -> Seeded:
    """The sample book, its people and its proposals, written into the store `settings` name."""
    app, views = open_textbook(settings), open_views(settings)
    app.copy_finder = CopyIndex(lambda: views, lambda: catch_up(app, views))
    try:
        return seed_app(app)
    finally:
        app.close()
        views.close()


def seed_app(app: Textbook) -> Seeded:
    source = read_book(SAMPLE)
    for name in PEOPLE.values():
        app.register_user(name, f"{name}@example.org", PASSWORD)
    # The maintainer imports the book, so the imported text is credited to a person.
    app.import_book(
        source.state, by=PEOPLE["maintainer"], problems=source.problems, blobs=source.blobs
    )
    app.set_open_to_all(SLUG, True)
    for role, name in PEOPLE.items():
        if role != "maintainer":
            app.grant(SLUG, name, "editor" if role == "second_editor" else role)
    seeded = Seeded()
    seeded.proposals.update(reviewed(app))
    app.mark_edition(SLUG, FIRST_EDITION, PEOPLE["editor"])  # named editions, changes between
    seeded.proposals.update(stale(app))
    seeded.proposals.update(structural(app))
    seeded.proposals.update(details(app))
    app.mark_edition(SLUG, SECOND_EDITION, PEOPLE["maintainer"])
    started(app)
    seeded.proposals["copied"] = remixed(app)
    assert set(seeded.proposals) == set(STATES)
    watched(app, seeded.proposals)
    seeded.fork = forked(app)
    seeded.needs = needs(app)
    app.merged_text(seeded.proposals["stale_clean"])  # merges cleanly
    try:
        app.merged_text(seeded.proposals["stale_clash"])
    except MergeConflict:
        return seeded
    raise AssertionError("the stale proposal that should clash merges cleanly")


def needs(app: Textbook) -> dict[str, UUID]:
    """The task board: needs marked on a section and on a chapter, one taken, one a reader's
    report of an error in a paragraph."""
    author, editor = PEOPLE["author"], PEOPLE["editor"]
    paragraph = section_text(app, "bisection").split("\n\n")[1]
    found = {
        "figure": app.mark_need(
            SLUG, "bisection", "figure", "A figure of the bracket halving would help.", editor
        ),
        "exercises": app.mark_need(
            SLUG, None, "exercises", "No exercises at the end of the chapter yet.", author,
            "root-finding",
        ),
        "taken": app.mark_need(
            SLUG, "bisection", "citations", "Cite a textbook for the convergence rate.", editor
        ),
        "report": app.report_error(
            SLUG, "bisection", paragraph, "The interval should be closed, not open.",
            "reader@example.org",
        ),
    }  # fmt: skip
    app.take_need(found["taken"], author)
    return found


def watched(app: Textbook, proposals: dict[str, UUID]) -> None:
    """What people watch, and reviews asked of editors: everyone then has unread items (the
    editors of the proposals opened, the author of the reviews, the watchers of approvals)."""
    author, editor, other = PEOPLE["author"], PEOPLE["editor"], PEOPLE["second_editor"]
    app.watch(author, "book", SLUG)
    app.watch(author, "chapter", SLUG, "root-finding")
    app.watch(editor, "section", SLUG, "bisection")
    app.request_review(proposals["open"], editor, author)
    app.request_review(proposals["stale_clean"], other, author)


def remixed(app: Textbook) -> UUID:
    """A remix of two chapters, one of its sections rewritten; and, open in it, a proposal that
    copies a paragraph of a chapter it did not take (found by the copy check, when it has one)."""
    maintainer, author, editor = PEOPLE["maintainer"], PEOPLE["author"], PEOPLE["editor"]
    app.remix(REMIX, "Roots and Integrals", [(SLUG, "root-finding"), (SLUG, "integration")],
              by=maintainer)  # fmt: skip
    app.grant(REMIX, author, "author")
    app.grant(REMIX, editor, "editor")
    text = app.book_state(REMIX).chapters[0].sections[1].text.rstrip("\n") + "\n\nAnd so on.\n"
    approve(app, app.propose_edit(REMIX, "bisection", text, "One more line", author), editor)
    copied = section_text(app, "cancellation").split("\n\n")[1]
    text = f"## Losing Digits {{#losing-digits}}\n\n{copied}\n"
    return app.propose_section(REMIX, "integration", "", text, "Cancellation", author)


def section_text(app: Textbook, section_id: str, slug: str = SLUG) -> str:
    state = app.book_state(slug)
    return next(s.text for c in state.chapters for s in c.sections if s.id == section_id)


def append(app: Textbook, section_id: str, sentence: str, by: str, slug: str = SLUG) -> UUID:
    """Propose the section with one more paragraph at its end."""
    text = section_text(app, section_id, slug).rstrip("\n") + f"\n\n{sentence}\n"
    return app.propose_edit(slug, section_id, text, f"Add: {sentence[:40]}", by)


def first_paragraph(
    app: Textbook, section_id: str, sentence: str, by: str, slug: str = SLUG
) -> UUID:
    """Propose the section with `sentence` in front of its first paragraph."""
    heading, rest = section_text(app, section_id, slug).split("\n\n", 1)
    text = f"{heading}\n\n{sentence} {rest}"
    return app.propose_edit(slug, section_id, text, f"Open with: {sentence[:40]}", by)


def approve(app: Textbook, proposal: UUID, by: str) -> UUID:
    app.review(proposal, "approve", "Thank you.", by, app.proposal_info(proposal).version)
    return proposal


def reviewed(app: Textbook) -> dict[str, UUID]:
    """Edits by the author, one in each state a review leaves."""
    author, editor = PEOPLE["author"], PEOPLE["editor"]
    found = {
        "open": append(app, "bisection", "Bisection never fails on a sign change.", author),
        "changes_requested": append(app, "newton-method", "Newton can diverge.", author),
        "approved": append(app, "secant-method", "The secant method needs no derivative.", author),
        "rejected": append(app, "convergence-order", "Order is everything.", author),
        "withdrawn": append(app, "root-finding-exercises", "Try it yourself.", author),
    }
    app.review(found["changes_requested"], "request_changes", "Say when, please.", editor)
    approve(app, found["approved"], editor)
    app.review(found["rejected"], "reject", "This says too little.", editor)
    app.withdraw(found["withdrawn"], author)
    return found


def stale(app: Textbook) -> dict[str, UUID]:
    """Two open edits whose sections changed since: one merges cleanly, one clashes."""
    author, editor, other = PEOPLE["author"], PEOPLE["editor"], PEOPLE["second_editor"]
    clean = append(app, "gaussian-elimination", "Elimination costs about 2n³/3 flops.", author)
    approve(app, first_paragraph(app, "gaussian-elimination", "An old method.", editor), other)
    clash = first_paragraph(app, "lu-factorization", "LU is elimination kept.", author)
    approve(app, first_paragraph(app, "lu-factorization", "LU saves work.", editor), other)
    return {"stale_clean": clean, "stale_clash": clash}


NEW_SECTION = "## Rational Interpolation {#rational-interpolation}\n\nA ratio of polynomials.\n"
NEW_CHAPTER = "# Optimization {#optimization}\n\nFinding the lowest point of a function.\n"
ADDED = "## Adaptive Steps {#adaptive-steps}\n\nThe step size follows the error estimate.\n"


def structural(app: Textbook) -> dict[str, UUID]:
    """New sections and chapters, moves and removals: open, and approved."""
    author, editor, maintainer = PEOPLE["author"], PEOPLE["editor"], PEOPLE["maintainer"]
    found = {
        "new_section": app.propose_section(
            SLUG, "interpolation", "cubic-splines", NEW_SECTION, "Rational functions", author
        ),
        "new_chapter": app.propose_chapter(SLUG, "odes", NEW_CHAPTER, "A new chapter", author),
        "move": app.propose_move(
            SLUG, "pivoting", "linear-systems", "gaussian-elimination", "Pivot first", author
        ),
        "removal": app.propose_removal(SLUG, "eigenvalues-exercises", "Too many", author),
        "approved_section": app.propose_section(
            SLUG, "odes", "runge-kutta-methods", ADDED, "Adaptive steps", maintainer
        ),
        "approved_move": app.propose_move(
            SLUG, "cubic-splines", "interpolation", "runge-phenomenon", "Splines first", maintainer
        ),
    }
    approve(app, found["approved_section"], editor)
    approve(app, found["approved_move"], editor)
    found["approved_removal"] = app.propose_removal(SLUG, "adaptive-steps", "Not yet", maintainer)
    approve(app, found["approved_removal"], editor)
    return found


FORK = "numerical-methods-course"


def forked(app: Textbook) -> str:
    """A fork of the book, maintained by the maintainer, with the same editors and author; each
    book then changes sections: one merges with the fork's own change, one clashes with it, one
    changes upstream only; the fork's two changes can be offered upstream."""
    author, editor, other = PEOPLE["author"], PEOPLE["editor"], PEOPLE["second_editor"]
    maintainer = PEOPLE["maintainer"]
    app.fork_book(SLUG, FORK, by=maintainer, title="Numerical Methods: A Course")
    for name, role in ((author, "author"), (editor, "editor"), (other, "editor")):
        app.grant(FORK, name, role, by=maintainer)
    course = "In this course, we meet it in the second week."
    approve(app, first_paragraph(app, "trapezoidal-rule", course, author, FORK), editor)
    approve(app, first_paragraph(app, "simpson-rule", course, author, FORK), editor)
    approve(app, append(app, "trapezoidal-rule", "It is exact for lines.", author), editor)
    approve(app, first_paragraph(app, "simpson-rule", "Parabolas fit better.", author), editor)
    approve(app, append(app, "euler-method", "Euler's method is the simplest.", author), editor)
    changes = {change.section_id: change for change in app.upstream_changes(FORK)}
    assert not changes["trapezoidal-rule"].conflict and changes["simpson-rule"].conflict
    return FORK


def details(app: Textbook) -> dict[str, UUID]:
    """Changes to the book's details: one approved, one open (written after it)."""
    author, editor = PEOPLE["author"], PEOPLE["editor"]
    current = app.book_details(SLUG)
    subtitle = Details(**(current.as_dict() | {"subtitle": "A First Course, Revised"}))
    approved = app.propose_details(SLUG, subtitle, "A revised subtitle", author)
    approve(app, approved, editor)
    licence = Details(**(subtitle.as_dict() | {"license": "CC-BY-SA-4.0"}))
    return {
        "details": app.propose_details(SLUG, licence, "ShareAlike", author),
        "approved_details": approved,
    }


def started(app: Textbook) -> None:
    """A book started empty by the author, its first chapter proposed; one archived."""
    author, maintainer = PEOPLE["author"], PEOPLE["maintainer"]
    app.start_book(
        NewBook(STARTED, "First Steps", "en", "CC-BY-4.0", [author], "Just begun."), author
    )
    app.propose_chapter(STARTED, "", "# Hello {#hello}\n\nA beginning.\n", "First", author)
    app.start_book(NewBook(ARCHIVED, "Old Notes", "en", "CC0-1.0", [], "Kept."), maintainer)
    app.archive_book(ARCHIVED, maintainer)
