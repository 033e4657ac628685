"""What each format's reader hands on: the book's text as pandoc blocks, file by file, its
metadata, a way to find its images, its bibliography and what was lost on the way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textbook.domain.state import ImportProblem
from textbook.importing.lines import Text

# An image's target (as the text names it) and the file naming it -> (file name, bytes), or a
# sentence saying why there is none.
FindImage = Callable[[str, str], tuple[str, bytes] | str]


@dataclass
class Part:
    """Blocks from one source file. `depth` lowers its headings (an mdBook sub-chapter: 1);
    `title` gives it a chapter heading when it has none (from SUMMARY.md or _quarto.yml);
    `source`, where there is one, the text pandoc read, to find the lines of its headings."""

    file: str
    blocks: list[dict[str, Any]]
    depth: int = 0
    title: str = ""
    source: Text | None = None


@dataclass
class Metadata:
    title: str = ""
    subtitle: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = ""
    license: str = ""
    description: str = ""
    identifier: str = ""


@dataclass
class Draft:
    format: str
    name: str  # the file or folder it came from, as the person named it
    metadata: Metadata
    parts: list[Part]
    find_image: FindImage
    bibliography: str = ""
    problems: list[ImportProblem] = field(default_factory=list)


def no_images(target: str, file: str) -> tuple[str, bytes] | str:
    return f"the image '{target[:200]}' is not in the file"
