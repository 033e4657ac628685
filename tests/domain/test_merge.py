"""Concurrent edits of one section: merged at approval as git merges, refused where they clash."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import event_count
from textbook.domain.application import Textbook
from textbook.domain.errors import MergeConflict, NotAnEditor, StaleBaseRevision
from textbook.domain.merge import Clash, merge
from textbook.projections.queries import Queries

# The tiny book's "counting" section, as imported (revision 1).
BASE = (
    "## Counting {#counting}\n\nOne, two, three.\nFour, five, six.\n\n"
    "```python\n# a comment, not a heading\nprint(1 + 1)\n```\n"
)
FIRST_LINE = BASE.replace("One, two, three.", "One, two, three, and on.")
CODE = BASE.replace("print(1 + 1)", "print(2 + 2)")
BOTH = FIRST_LINE.replace("print(1 + 1)", "print(2 + 2)")
OTHER_FIRST_LINE = BASE.replace("One, two, three.", "Uno, dos, tres.")


def test_merge_takes_both_sides_changes_to_different_lines() -> None:
    assert merge(BASE, FIRST_LINE, CODE).text == BOTH
    assert merge(BASE, CODE, FIRST_LINE).text == BOTH
    assert merge(BASE, BASE, CODE).text == CODE
    assert merge(BASE, FIRST_LINE, BASE).text == FIRST_LINE


def test_merge_reports_the_clashing_lines_of_each_side() -> None:
    merged = merge(BASE, FIRST_LINE, OTHER_FIRST_LINE + "Seven.\n")
    assert merged.text is None
    assert merged.clashes == (Clash(3, 3, 3, 3),)
    assert merged.clashes[0].current_lines == "line 3"
    inserted = merge(BASE, BASE + "A.\nB.\n", BASE + "C.\n")
    assert inserted.clashes == (Clash(10, 11, 10, 10),)
    assert inserted.clashes[0].current_lines == "lines 10-11"


def test_merge_keeps_paragraphs_apart_in_a_long_section() -> None:
    # Over 200 lines, difflib's default would treat the blank lines as junk and misalign them.
    paragraphs = [f"Paragraph {n}.\n" for n in range(300)]
    base = "\n".join(paragraphs)
    current = base.replace("Paragraph 10.", "Paragraph ten.")
    proposed = base.replace("Paragraph 11.", "Paragraph eleven.")
    assert merge(base, current, proposed).text == current.replace(
        "Paragraph 11.", "Paragraph eleven."
    )


def test_edits_to_different_paragraphs_are_merged_at_approval(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    assert app.book_state(tiny).chapters[0].sections[1].text == BASE
    first = app.propose_edit(tiny, "counting", FIRST_LINE, "Count on", by="alice")
    code = app.propose_edit(tiny, "counting", CODE, "Bigger sums", by="alice")
    app.review(first, "approve", "", by="bob", version=1)
    # What approving would publish now: both changes.
    assert app.merged_text(code) == BOTH
    # Someone who may not approve is told so before any merging.
    with pytest.raises(NotAnEditor):
        app.review(code, "approve", "", by="alice", version=1)
    assert app.review(code, "approve", "Merged.", by="carol", version=1) == "approved"
    section = queries().section(tiny, "counting")
    assert (section.text, section.revision) == (BOTH, 3)
    assert app.proposal_info(code).applied_revision == 3
    assert app.proposal_info(code).base_revision == 1
    history = queries().history(tiny, "counting")
    assert [(r.revision, r.author, r.approver, r.message) for r in history] == [
        (1, "mia", "mia", "Import"),
        (2, "alice", "bob", "Count on"),
        (3, "alice", "carol", "Bigger sums"),
    ]
    assert history[-1].text == BOTH
    assert history[-1].proposal_id == str(code)
    # Blame gives the code line to the merged proposal and keeps the first line with the first.
    blame = {line.line: line.revision for line in queries().blame(tiny, "counting")}
    assert blame["One, two, three, and on."] == 2
    assert blame["print(2 + 2)"] == 3


def test_changes_to_the_same_line_conflict_and_change_nothing(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    first = app.propose_edit(tiny, "counting", FIRST_LINE, "Count on", by="alice")
    spanish = app.propose_edit(tiny, "counting", OTHER_FIRST_LINE, "In Spanish", by="alice")
    app.review(first, "approve", "", by="bob", version=1)
    with pytest.raises(MergeConflict) as clash:
        app.merged_text(spanish)
    assert "line 3 of the current text and line 3 of the proposal" in clash.value.message
    before = event_count(app)
    with pytest.raises(MergeConflict) as refused:
        app.review(spanish, "approve", "", by="carol", version=1)
    error = refused.value
    assert (error.section_id, error.base_revision, error.current_revision) == ("counting", 1, 2)
    assert "now at revision 2" in error.message
    assert "cannot be approved until its author revises it" in error.message
    assert event_count(app) == before
    assert app.proposal_info(spanish).status == "open"
    assert queries().section(tiny, "counting").text == FIRST_LINE
    # Revised against the current text, it is approved as written.
    app.revise_proposal(spanish, FIRST_LINE.replace("One, two", "Uno, dos"), "", by="alice")
    assert app.proposal_info(spanish).base_revision == 2
    app.review(spanish, "approve", "", by="carol", version=2)
    assert (
        queries()
        .section(tiny, "counting")
        .text.startswith("## Counting {#counting}\n\nUno, dos, three, and on.\n")
    )


def test_the_same_change_on_both_sides_merges_once(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    first = app.propose_edit(tiny, "counting", FIRST_LINE, "Count on", by="alice")
    # carol made the same change to the first line, and changed the code too.
    same = app.propose_edit(tiny, "counting", BOTH, "Count on, bigger sums", by="carol")
    app.review(first, "approve", "", by="bob", version=1)
    assert app.merged_text(same) == BOTH
    app.review(same, "approve", "", by="bob", version=1)
    assert queries().section(tiny, "counting").text == BOTH
    # Only the same change, approved after the other: nothing left to publish, no new revision.
    again = app.propose_edit(tiny, "counting", BOTH + "\nThe end.\n", "Ending", by="alice")
    copy = app.propose_edit(tiny, "counting", BOTH + "\nThe end.\n", "Ending too", by="carol")
    app.review(again, "approve", "", by="bob", version=1)
    app.review(copy, "approve", "", by="bob", version=1)
    assert app.proposal_info(copy).status == "approved"
    assert app.proposal_info(copy).applied_revision == 4
    assert [r.revision for r in queries().history(tiny, "counting")] == [1, 2, 3, 4]


def test_removal_of_a_changed_section_is_still_refused_as_stale(app: Textbook, tiny: str) -> None:
    removal = app.propose_removal(tiny, "counting", "Not needed", by="alice")
    first = app.propose_edit(tiny, "counting", FIRST_LINE, "Count on", by="alice")
    app.review(first, "approve", "", by="bob", version=1)
    with pytest.raises(StaleBaseRevision, match="now at revision 2") as refused:
        app.review(removal, "approve", "", by="bob", version=1)
    assert not isinstance(refused.value, MergeConflict)


@st.composite
def separate_edits(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """A base text, each side's edit of it (lines replaced or deleted), and the two combined:
    the sides change different lines, with an unchanged line between any two of theirs."""
    count = draw(st.integers(min_value=1, max_value=40))
    sides = draw(st.lists(st.sampled_from("..cp"), min_size=count, max_size=count))
    for n in range(1, count):
        if {sides[n - 1], sides[n]} == {"c", "p"}:
            sides[n] = "."  # keep an unchanged line between the two sides' changes
    deleted = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    base = [f"Line {n}.\n" for n in range(count)]

    def edited(n: int, side: str) -> str:
        return "" if deleted[n] else f"Line {n}, as the {side} side wrote it.\n"

    current = [edited(n, "current") if s == "c" else base[n] for n, s in enumerate(sides)]
    proposed = [edited(n, "proposed") if s == "p" else base[n] for n, s in enumerate(sides)]
    both = [{"c": current[n], "p": proposed[n]}.get(s, base[n]) for n, s in enumerate(sides)]
    return "".join(base), "".join(current), "".join(proposed), "".join(both)


@given(separate_edits())
def test_changes_to_separate_lines_always_merge_into_both(
    texts: tuple[str, str, str, str],
) -> None:
    base, current, proposed, both = texts
    assert merge(base, current, proposed).text == both
    assert merge(base, proposed, current).text == both  # whichever was approved first


@given(st.lists(st.sampled_from(["A.\n", "B.\n", "\n", "C.\n"]), max_size=30), st.data())
def test_the_same_change_on_both_sides_or_on_one_merges_to_it(
    base: list[str], data: st.DataObject
) -> None:
    changed = data.draw(st.lists(st.sampled_from(["A.\n", "D.\n", "\n"]), max_size=30))
    before, after = "".join(base), "".join(changed)
    assert merge(before, after, after).text == after
    assert merge(before, before, after).text == after
    assert merge(before, after, before).text == after
