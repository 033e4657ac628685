"""How a chapter's Markdown divides into sections, and how sections join back into a chapter.

A chapter file opens with `# Title {#chapter-id}`; its intro section runs from there to the first
`## Title {#section-id}` line, and every section runs from its `##` line to the next `##` line.
Lines inside code blocks, raw blocks and HTML comments are never headings (see outside_code).
In canonical form every section ends with exactly one newline and sections are separated by one
blank line, so that split and join are exact inverses on canonical files.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from textbook.domain.errors import InvalidSectionText

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
ATTRIBUTES = re.compile(r"[ \t]*\{([^{}]*)\}$")
ID_IN_ATTRIBUTES = re.compile(r"(?:^|\s)#([^\s}]+)")
ANY_EXPLICIT_ID = re.compile(r"\{[^{}\n]*?#([A-Za-z][\w:.-]*)[^{}\n]*\}")
VALID_ID = re.compile(r"^[a-z][a-z0-9-]*$")
FENCE = re.compile(r"^(`{3,}|~{3,})")
FENCE_ID = re.compile(r"[ \t]*\{[^{}\n]*?#([A-Za-z][\w:.-]*)[^{}\n]*\}[ \t]*$")
INDENTED = re.compile(r"^(?: {4}|\t)")
LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)]|#[.)])(?:[ \t]|$)")
COMMENT = re.compile(r"<!--.*?-->")


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    id: str | None


@dataclass(frozen=True)
class Chunk:
    """The text of one section as it stands in a chapter, with the line it starts on."""

    text: str
    line: int
    heading: Heading


def parse_heading(line: str) -> Heading | None:
    match = HEADING.match(line)
    if match is None:
        return None
    title = match.group(2)
    heading_id = None
    attributes = ATTRIBUTES.search(title)
    if attributes is not None:
        found = ID_IN_ATTRIBUTES.search(attributes.group(1))
        heading_id = found.group(1) if found else None
        title = title[: attributes.start()]
    title = re.sub(r"[ \t]+#+$", "", title).strip()
    return Heading(level=len(match.group(1)), title=title, id=heading_id)


def outside_code(lines: list[str], fences: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (index, line) for the lines pandoc reads as Markdown text, comments removed.

    Left out, as pandoc leaves them out of headings, citations and images: fenced code and raw
    blocks (```` ```{=html} ````), indented code (four spaces or a tab after a blank line, outside
    lists), and HTML comments, also across lines. tests/domain/test_markdown_pandoc.py checks
    these rules against pandoc itself. With `fences`, the line that opens each fenced code
    block is yielded too.
    """
    fence: str | None = None
    comment = indented = in_list = False
    blank_before = True
    for index, line in enumerate(lines):
        if fence is not None:
            match = FENCE.match(line)
            if match and closes(fence, match.group(1), line):
                fence = None
            continue
        if comment:
            if "-->" not in line:
                continue
            comment, line = False, line[line.index("-->") + 3 :]
        blank = not line.strip()
        indented = not blank and INDENTED.match(line) is not None and (blank_before or indented)
        if indented and not in_list:
            blank_before = False
            continue
        if not blank and INDENTED.match(line) is None:
            in_list = LIST_ITEM.match(line) is not None or (in_list and not blank_before)
        blank_before = blank
        match = FENCE.match(line)
        if match:
            fence = match.group(1)
            if fences:  # the line that opens a code block, for its attributes
                yield index, line
            continue
        line, comment = _without_comments(line)
        yield index, line


def _without_comments(line: str) -> tuple[str, bool]:
    """The line without its HTML comments, and whether a comment stays open past its end."""
    line = COMMENT.sub("", line)
    if "<!--" in line:
        return line[: line.index("<!--")], True
    return line, False


def closes(fence: str, marker: str, line: str) -> bool:
    """Whether `line` (starting with `marker`) closes a code block opened by `fence`."""
    return marker[0] == fence[0] and len(marker) >= len(fence) and line.strip() == marker


def canonical(text: str) -> str:
    """The text with Unix newlines, no trailing blank lines, and one final newline."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n"


def split_chapter(text: str) -> list[Chunk]:
    """Split a chapter into its intro section and its `##` sections, in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    starts: list[tuple[int, Heading]] = []
    for index, line in outside_code(lines):
        heading = parse_heading(line)
        if heading is not None and heading.level <= 2:
            starts.append((index, heading))
    chunks = []
    for position, (index, heading) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        body = "\n".join(lines[index:end])
        chunks.append(Chunk(text=canonical(body), line=index + 1, heading=heading))
    preamble = "\n".join(lines[: starts[0][0]] if starts else lines)
    if preamble.strip():
        first = next(i for i, line in enumerate(lines) if line.strip())
        chunks.insert(
            0, Chunk(text=canonical(preamble), line=first + 1, heading=Heading(0, "", None))
        )
    return chunks


def join_sections(texts: list[str]) -> str:
    """Join section texts into a chapter: one blank line between them, one final newline."""
    return "\n".join(canonical(text) for text in texts)


def heading_of(text: str) -> Heading | None:
    first_line = text.split("\n", 1)[0]
    return parse_heading(first_line)


def with_heading_id(text: str, heading_id: str) -> str:
    """Give the text's first-line heading the id `heading_id`, keeping its other attributes."""
    first_line, newline, rest = text.partition("\n")
    attributes = ATTRIBUTES.search(first_line)
    if attributes is None:
        first_line = f"{first_line.rstrip()} {{#{heading_id}}}"
    else:
        inner = ID_IN_ATTRIBUTES.sub("", attributes.group(1)).strip()
        joined = f"#{heading_id} {inner}".strip()
        first_line = f"{first_line[: attributes.start()].rstrip()} {{{joined}}}"
    return first_line + newline + rest


# A code span on one line: a run of backticks, then text, then a run of as many.
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")


def explicit_ids(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, id) for every explicit `{#id}` outside code blocks and code spans
    (`` `{{#include file}}` `` names no id, as pandoc reads it), and the id of a code block
    (```` ```{#lst-x .python} ````, a listing)."""
    lines = text.split("\n")
    for index, line in outside_code(lines, fences=True):
        fence = FENCE.match(line)
        if fence:
            found = FENCE_ID.match(line[fence.end() :])
            if found:
                yield index + 1, found.group(1)
            continue
        for match in ANY_EXPLICIT_ID.finditer(CODE_SPAN.sub(" ", line)):
            yield index + 1, match.group(1)


def slugify(title: str) -> str:
    """A lowercase id from a title, as pandoc would make one (ASCII letters, digits, hyphens)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9\s-]", "", ascii_title.lower()).split()
    slug = "-".join(words).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    if not slug or not slug[0].isalpha():
        slug = "section-" + slug if slug else "section"
    return slug


def unique_slug(title: str, taken: set[str]) -> str:
    base = slugify(title)
    candidate, number = base, 1
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


# One section, in UTF-8. Below every transport limit (a form field may carry 4 times as much,
# see textbook/web/security.py), so that a text over it reaches the domain and is refused with
# the author's text kept in the form, never cut.
MAX_SECTION_BYTES = 512 * 1024


def section_too_long(size: int | None = None) -> InvalidSectionText:
    """The refusal of a text over the limit of a section; `size` None means "more than that"."""
    said = f"{size:,} bytes" if size is not None else f"over {MAX_SECTION_BYTES:,} bytes"
    return InvalidSectionText(
        f"The text is {said}; a section holds at most {MAX_SECTION_BYTES:,} bytes. "
        "Nothing was saved: split it into several sections."
    )


def check_section_size(text: str) -> None:
    """Refuse (never cut) a text over the limit of one section."""
    size = len(text.encode(errors="surrogatepass"))
    if size > MAX_SECTION_BYTES:
        raise section_too_long(size)


def checked_section_text(text: str, level: int, section_id: str) -> str:
    """The canonical text of one section, or InvalidSectionText saying what is wrong with it.

    The first line must be the section's heading (`#` for a chapter's intro, `##` otherwise) and
    keep the section's id; no other heading of those levels may follow, since it would start
    another section.
    """
    if "\x00" in text:
        raise InvalidSectionText("The text contains a NUL character, which is not text.")
    check_section_size(text)
    text = canonical(text)
    heading = heading_of(text)
    marks = "#" * level
    if heading is None or heading.level != level or not heading.title:
        raise InvalidSectionText(
            f"The first line must be the section's heading: '{marks} Title {{#{section_id}}}'."
        )
    if heading.id is None:
        text = with_heading_id(text, section_id)
    elif heading.id != section_id:
        raise InvalidSectionText(
            f"The heading's id is '{heading.id}', but this is section '{section_id}': "
            "ids never change, keep {#" + section_id + "}."
        )
    for chunk in split_chapter(text)[1:]:
        raise InvalidSectionText(
            f"Line {chunk.line} starts another section ('{chunk.heading.title}'): "
            "propose it as a new section instead."
        )
    return text
