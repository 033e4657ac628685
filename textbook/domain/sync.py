"""Changes between a fork and its upstream: what changed upstream since the fork took each
section, and the rule that an overlap of both sides' edits is resolved by a person, never by
one side overwriting the other.

A change whose edits overlap is shown with conflict markers (as git shows a file); the text an
editor proposes to resolve it may hold none of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from merge3 import Merge3

from textbook.domain.errors import Conflict, InvalidInput
from textbook.domain.merge import Clash, _LineMatcher, merge

START, MIDDLE, END = "<<<<<<<", "=======", ">>>>>>>"
MARKER = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)


class ChangeKind(StrEnum):
    CHANGED = "changed"  # the upstream revised a section the fork took
    ADDED = "added"  # the upstream has a section the fork never had
    REMOVED = "removed"  # the upstream removed a section the fork took


@dataclass(frozen=True)
class UpstreamChange:
    """One section's change upstream since the fork took it, and what taking it would give.

    `base` is the upstream text at the revision the fork took (empty for an added section),
    `upstream` the upstream's current text (empty when removed), `fork` the fork's current
    text (empty when added); `merged` is the three-way merge, or None where both sides edited
    the same lines (`clashes`)."""

    section_id: str
    kind: ChangeKind
    title: str
    taken_revision: int
    upstream_revision: int
    fork_revision: int
    base: str
    upstream: str
    fork: str
    merged: str | None
    clashes: tuple[Clash, ...] = ()

    @property
    def fork_changed(self) -> bool:
        """Whether the fork changed the section since it took it."""
        return self.kind is not ChangeKind.ADDED and self.fork != self.base

    @property
    def conflict(self) -> bool:
        return self.kind is ChangeKind.CHANGED and self.merged is None

    @property
    def already_here(self) -> bool:
        """Whether the fork already has the upstream's text: taking it changes no text."""
        return self.kind is ChangeKind.CHANGED and self.merged == self.fork

    @property
    def with_markers(self) -> str:
        """The merge, with each clash between conflict markers, for a person to resolve."""
        return marked(self.base, self.fork, self.upstream)


def changed(
    section_id: str,
    title: str,
    taken_revision: int,
    upstream_revision: int,
    fork_revision: int,
    base: str,
    upstream: str,
    fork: str,
) -> UpstreamChange:
    merged = merge(base, fork, upstream)
    return UpstreamChange(
        section_id,
        ChangeKind.CHANGED,
        title,
        taken_revision,
        upstream_revision,
        fork_revision,
        base,
        upstream,
        fork,
        merged.text,
        merged.clashes,
    )


def marked(base: str, fork: str, upstream: str) -> str:
    """The three-way merge of `base` -> `fork` and `base` -> `upstream`, clashes marked."""
    base_lines, fork_lines, upstream_lines = (
        text.splitlines(keepends=True) for text in (base, fork, upstream)
    )
    merger = Merge3(base_lines, fork_lines, upstream_lines, sequence_matcher=_LineMatcher)
    lines = merger.merge_lines(
        name_a="this book",
        name_b="upstream",
        start_marker=START,
        mid_marker=MIDDLE,
        end_marker=END,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def check_resolved(text: str) -> str:
    """The text, or InvalidInput if it still holds a conflict marker (saying on which line)."""
    found = MARKER.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        raise UnresolvedConflict(line)
    return text


class UpstreamConflict(Conflict):
    """The fork and its upstream changed the same lines of a section: a person resolves it."""

    def __init__(self, section_id: str, clashes: tuple[Clash, ...]) -> None:
        where = "; ".join(
            f"{clash.current_lines} of this book and {clash.proposed_lines} upstream"
            for clash in clashes
        )
        super().__init__(
            f"This book and its upstream both changed the same lines of '{section_id}' ({where})."
            " Nothing was proposed: write the text that resolves them, and propose that."
        )
        self.section_id = section_id
        self.clashes = clashes


class UnresolvedConflict(InvalidInput):
    def __init__(self, line: int) -> None:
        super().__init__(
            f"Line {line} is still a conflict marker ('<<<<<<<' or '>>>>>>>'): keep the lines "
            "you want from each side and delete the marker lines, then propose the text."
        )
        self.line = line


class NotAFork(InvalidInput):
    def __init__(self, slug: str) -> None:
        super().__init__(f"The book '{slug}' is not a fork: it has no upstream to take from.")
