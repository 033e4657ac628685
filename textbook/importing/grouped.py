"""Warnings a person can act on: the same problem many times in one file is said once, with its
lines and what each was about, where it first occurs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from textbook.domain.state import ImportProblem

LEAST = 3  # this many of a kind in one file are said as one
SHOWN = 8
WHERE = re.compile(r"^(?:in '(?:[^']|'(?!: ))*': |before the first heading: )")
QUOTED = re.compile(r"'([^']*)'")


def grouped(problems: Iterable[ImportProblem]) -> tuple[ImportProblem, ...]:
    groups: dict[tuple[str, str], list[tuple[ImportProblem, str]]] = {}
    for problem in problems:
        kind, detail = _kind(problem.problem)
        groups.setdefault((problem.file, kind), []).append((problem, detail))
    out: list[ImportProblem] = []
    for (file, kind), members in groups.items():
        if len(members) < LEAST:
            out += [problem for problem, _ in members]
            continue
        lines = sorted({problem.line for problem, _ in members if problem.line is not None})
        details = list(dict.fromkeys(detail for _, detail in members if detail))
        said = f"{kind} ({len(members)} times"
        if lines:
            said += (
                ", lines "
                + ", ".join(map(str, lines[:SHOWN]))
                + (", …" if len(lines) > SHOWN else "")
            )
        said += ")"
        if details:
            said += ": " + "; ".join(details[:SHOWN]) + ("; …" if len(details) > SHOWN else "")
        out.append(ImportProblem(file, lines[0] if lines else None, said))
    return tuple(out)


def _kind(problem: str) -> tuple[str, str]:
    """What kind of problem it is, and what this one is about."""
    text = WHERE.sub("", problem)
    head, colon, tail = text.partition(": ")
    quoted = QUOTED.findall(head)
    if quoted:
        return QUOTED.sub("'…'", head) + colon + tail, ", ".join(quoted)
    return head, tail
