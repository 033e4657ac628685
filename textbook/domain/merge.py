"""Line-based three-way merge of a section's text, as git merges a file."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from merge3 import Merge3


class _LineMatcher:
    """difflib's matcher without its "popular lines are junk" heuristic, for Merge3.

    In a section of over 200 lines, blank lines count as popular and would no longer anchor the
    alignment, so edits to different paragraphs would be reported as conflicts.
    """

    def __init__(
        self,
        isjunk: Callable[[str], bool] | None = None,
        a: Sequence[str] = (),
        b: Sequence[str] = (),
        autojunk: bool = False,
    ) -> None:
        self.matcher = difflib.SequenceMatcher(isjunk, a, b, autojunk=False)

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        return [(m.a, m.b, m.size) for m in self.matcher.get_matching_blocks()]


@dataclass(frozen=True)
class Clash:
    """Lines that both sides changed differently: first and last line of each side (from 1).

    An empty side (last < first) is an insertion before line `first`.
    """

    current_first: int
    current_last: int
    proposed_first: int
    proposed_last: int

    @property
    def current_lines(self) -> str:
        return lines(self.current_first, self.current_last)

    @property
    def proposed_lines(self) -> str:
        return lines(self.proposed_first, self.proposed_last)


@dataclass(frozen=True)
class Merged:
    """The merged text, or the clashes that prevent it (then `text` is None)."""

    text: str | None
    clashes: tuple[Clash, ...] = ()


def merge(base: str, current: str, proposed: str) -> Merged:
    """Apply the change from `base` to `proposed` onto `current`, line by line."""
    if current == base:
        return Merged(proposed)
    if proposed == base:
        return Merged(current)
    base_lines, current_lines, proposed_lines = (
        text.splitlines(keepends=True) for text in (base, current, proposed)
    )
    merger = Merge3(base_lines, current_lines, proposed_lines, sequence_matcher=_LineMatcher)
    merged: list[str] = []
    clashes: list[Clash] = []
    for region in merger.merge_regions():
        if region[0] == "conflict":
            _, _, _, current_start, current_end, proposed_start, proposed_end = region
            clashes.append(Clash(current_start + 1, current_end, proposed_start + 1, proposed_end))
        elif region[0] == "unchanged":
            merged.extend(base_lines[region[1] : region[2]])
        elif region[0] == "b":
            merged.extend(proposed_lines[region[1] : region[2]])
        else:  # "a" (changed only in the current text) or "same" (both changed it alike)
            merged.extend(current_lines[region[1] : region[2]])
    if clashes:
        return Merged(None, tuple(clashes))
    return Merged("".join(merged))


def lines(first: int, last: int) -> str:
    if last < first:
        return f"before line {first}"
    return f"line {first}" if first == last else f"lines {first}-{last}"
