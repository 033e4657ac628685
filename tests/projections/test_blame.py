"""Blame carries each unchanged line's origin across revisions."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from textbook.domain.application import Textbook
from textbook.projections.blame import Origin, carry
from textbook.projections.queries import Queries

FIRST = Origin(1, "alice", "bob", None, "2026-01-01")
SECOND = Origin(2, "carol", "bob", "p2", "2026-01-02")
lines = st.lists(st.sampled_from(["", "a", "b", "c", "| 1 | 2 |", "## H {#h}"]), max_size=60)


@given(lines, lines)
def test_blame_has_the_new_text_and_keeps_only_true_origins(old: list[str], new: list[str]) -> None:
    before = carry([], "\n".join(old), FIRST)
    after = carry(before, "\n".join(new), SECOND)
    assert [line for line, _ in after] == "\n".join(new).splitlines()
    assert {origin for _, origin in after} <= {FIRST, SECOND}


def test_an_edit_in_the_middle_keeps_the_rest() -> None:
    before = carry([], "one\ntwo\nthree\nfour", FIRST)
    after = carry(before, "one\nTWO\nthree\nfour\nfive", SECOND)
    assert [(line, o.revision) for line, o in after] == [
        ("one", 1),
        ("two".upper(), 2),
        ("three", 1),
        ("four", 1),
        ("five", 2),
    ]


def test_the_read_model_written_row_by_row_equals_blame_from_scratch(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    # The read model writes only the rows a revision changes: check it against `carry` over
    # the whole history, through edits that grow, shrink, shift and empty the section.
    texts = [
        "## Counting {#counting}\n\nOne.\nTwo.\nThree.\nFour.\n",
        "## Counting {#counting}\n\nZero.\nOne.\nTwo.\nThree.\nFour.\n",  # everything shifts
        "## Counting {#counting}\n\nZero.\nTwo.\nFour.\nFive.\nSix.\n",
        "## Counting {#counting}\n\nZero.\n",  # shrinks
        "## Counting {#counting}\n\nZero.\nZero.\nZero.\nAnd one.\n",
        "## Counting {#counting}\n",
    ]
    expected = [(line, 1) for line in queries().section(tiny, "counting").text.splitlines()]
    for text in texts:
        proposal = app.propose_edit(tiny, "counting", text, "Recount", by="alice")
        app.review(proposal, "approve", "", by="bob", version=1)
        section = queries().section(tiny, "counting")
        origin = Origin(section.revision, "", "", None, "")
        expected = [
            (line, o.revision)
            for line, o in carry(
                [(line, Origin(rev, "", "", None, "")) for line, rev in expected], text, origin
            )
        ]
        shown = queries().blame(tiny, "counting")
        assert [(b.line, b.revision) for b in shown] == expected
        assert [b.number for b in shown] == list(range(1, len(expected) + 1))
