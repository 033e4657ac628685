"""Blame carries each unchanged line's origin across revisions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from textbook.projections.blame import Origin, carry

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
