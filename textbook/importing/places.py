"""Where a line of an imported chapter came from: the source file and its line, found through
the headings (each marked with its file and line when it was read) and, within a section, the
text a problem names (a citation key, a link's target). Problems and refusals name the places
a person can open, never the folder the chapters were written to on the way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from textbook.domain.errors import InvalidBook
from textbook.domain.markdown import outside_code, parse_heading
from textbook.domain.state import ImportProblem
from textbook.importing.lines import Text

NAMED = re.compile(r"'[@#]?([^']+)'")
WRITTEN = re.compile(r"(?:\S*/)?([a-z0-9][a-z0-9_-]*\.md):(\d+)")


@dataclass
class Places:
    name: str  # the book as the person named it: where what has no better place is
    origins: dict[str, tuple[str, int]]  # a heading's id -> its file and line
    renamed: dict[str, str]  # an id as the source wrote it -> the id it has now
    sources: dict[str, Text] = field(default_factory=dict)  # a source file -> its text
    starts: dict[str, str] = field(default_factory=dict)  # a chapter file -> its source file
    headings: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def chapter(self, file: str, source: str, markdown: str) -> None:
        """Learn the headings of chapter `file`, written from `source` as `markdown`."""
        self.starts[file] = source
        self.headings[file] = [
            (index + 1, heading.id)
            for index, line in outside_code(markdown.split("\n"))
            if (heading := parse_heading(line)) is not None and heading.id in self.origins
        ]

    def of(self, file: str, line: int | None, named: str = "") -> tuple[str, int | None]:
        """The source file and line for line `line` of chapter `file`; `named` is the text the
        problem is about, looked for in the source from the section's heading on."""
        if file not in self.starts:
            return (self.name if file == "book.yaml" else file), None
        before = [id_ for at, id_ in self.headings[file] if line is None or at <= line]
        if not before:
            return self.starts[file], None
        source, heading_line = self.origins[before[-1]]
        text = self.sources.get(source)
        if named and text is not None:
            first = next((i for i, o in enumerate(text.origins) if o >= heading_line), 0)
            olds = [old for old, new in self.renamed.items() if new == named and old != named]
            for needle in [named, *olds]:
                found = text.find(needle, first)
                if found is not None:
                    return source, text.origin(found + 1)
        return source, heading_line

    def problem(self, problem: ImportProblem) -> ImportProblem:
        match = NAMED.search(problem.problem)
        file, line = self.of(problem.file, problem.line, match.group(1) if match else "")
        return ImportProblem(file, line, problem.problem)

    def refusal(self, error: InvalidBook) -> InvalidBook:
        """The refusal of a chapter written on the way, said of the source's file and line."""
        match = NAMED.search(error.problem)
        named = match.group(1) if match else ""
        file, line = self.of(Path(error.path).name, error.line, named)

        def placed(found: re.Match[str]) -> str:
            other, other_line = self.of(found.group(1), int(found.group(2)), named)
            return f"{other}:{other_line}" if other_line else other

        return InvalidBook(file, WRITTEN.sub(placed, error.problem), line)
