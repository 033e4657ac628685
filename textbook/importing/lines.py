"""A source file's text as pandoc reads it (after mdBook includes or Quarto cells were worked
out), each line with the line of the file it came from: problems name the file's own lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LOOKS_LIKE_HEADING = re.compile(r"^\s{0,3}(#|\\[a-z]*(section|chapter|part)\*?\s*[\[{])")
NOT_WORD = re.compile(r"[\W_]+")


@dataclass
class Text:
    file: str  # as the book names it, relative to its folder
    lines: list[str] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)  # for each line, the file's line (from 1)

    @classmethod
    def of(cls, file: str, text: str) -> Text:
        lines = text.split("\n")
        return cls(file, lines, list(range(1, len(lines) + 1)))

    def add(self, line: str, origin: int) -> None:
        self.lines.append(line)
        self.origins.append(origin)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def origin(self, line: int | None) -> int | None:
        """The file's line for line `line` (from 1) of this text."""
        if line is None or not 0 < line <= len(self.origins):
            return None
        return self.origins[line - 1]

    def heading(self, title: str, after: int) -> int | None:
        """The index of the first line from `after` that heads with `title` (a Markdown or
        setext heading, a LaTeX sectioning command); else the first line that holds it."""
        wanted = NOT_WORD.sub("", title.lower())
        if not wanted:
            return None
        holding = None
        for index in range(max(after, 0), len(self.lines)):
            line = self.lines[index]
            if wanted not in NOT_WORD.sub("", line.lower()):
                continue
            following = self.lines[index + 1] if index + 1 < len(self.lines) else ""
            if LOOKS_LIKE_HEADING.match(line) or re.match(r"^\s{0,3}(=+|-+)\s*$", following):
                return index
            holding = index if holding is None else holding
        return holding

    def find(self, needle: str, after: int) -> int | None:
        """The index of the first line from `after` that holds `needle`, if any."""
        for index in range(max(after, 0), len(self.lines)):
            if needle in self.lines[index]:
                return index
        return None
