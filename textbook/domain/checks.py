"""What would publish broken: the problems of a text, each with its line, checked in one place.

Broken math, an unknown citation, a missing image, a link to an id the book does not have, a
heading without an id, an id the book already has, a term marked for the glossary that the
glossary does not define and a malformed index mark are shown in the editor's preview and
refused when proposed (only those that the published text does not have already, so that an
imported book's old problems never block an edit of its section). Removing an id that other
sections still link to is shown to the editor, who must confirm it when approving.

Formulas are checked with latex2mathml, which ziamath uses to draw the PDF's math; a command it
does not know, which the web edition and the EPUB (pandoc's texmath) also leave as raw TeX, counts
as broken too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from latex2mathml.converter import convert

from textbook.domain.glossary import mark_problem, marks_in
from textbook.domain.images import CODE_SPAN, image_names
from textbook.domain.markdown import explicit_ids, outside_code, parse_heading
from textbook.domain.state import BookState

CITATION = re.compile(r"(?<![\w@.\\])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*[\w]|[A-Za-z0-9_])")
BIB_KEY = re.compile(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)
LINK_TO_ID = re.compile(r"\]\(\s*<?#([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
DEFINITION_TO_ID = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?#([^\s>]+)", re.MULTILINE)
ADDRESS = re.compile(r"\]\([^)\n]*\)|<[a-z][a-z0-9+.-]*:[^>\s]*>", re.IGNORECASE)
UNKNOWN_COMMAND = re.compile(r"<m[io][^>]*>(\\[A-Za-z]+)</m[io]>")
CROSS_REFERENCE_PREFIXES = ("sec-", "fig-", "tbl-", "eq-", "lst-", "thm-")
# The cross-references the book numbers (`@fig-x` is "Figure 3.2"), and what each labels.
REFERENCE_KINDS = {
    "fig-": "figure",
    "tbl-": "table",
    "eq-": "equation",
    "lst-": "listing",
    "sec-": "heading",
}
# The ids the publishing pipeline makes for itself (projections/publishing): the anchor where each
# paragraph may begin a printed page (`tbp-3`), the EPUB's page-break markers (`page-41`)
# and the anchors of figures and tables without a label (`figure-3.2`). An author's own would
# appear twice in a document (EPUBCheck's RSC-005) or move a page marker: it is refused.
GENERATED_ID = re.compile(r"(tbp|page)-\d+|(figure|table)-\d+(\.\d+)*")
# latex2mathml takes about 0.1 ms a character (1.3 s for a formula of 10,000, measured), so the
# math of one text is checked up to a budget: the sample book's most is 1,069 characters a section.
MAX_MATH = 20_000  # characters of math in one section


@dataclass(frozen=True)
class Problem:
    """One thing in a text that would publish broken, with the line it is on (from 1)."""

    line: int
    kind: str  # math, citation, image, link, heading, id, term, index
    subject: str  # the formula, key, image, id or heading at fault
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass(frozen=True)
class BrokenReference:
    """A link elsewhere in the book to an id that a change would remove."""

    id: str
    chapter_id: str
    section_id: str
    line: int  # within that section's text

    def __str__(self) -> str:
        where = (
            f"chapter '{self.chapter_id}'"
            if self.section_id == self.chapter_id
            else f"section '{self.section_id}' of chapter '{self.chapter_id}'"
        )
        return f"#{self.id} is linked from {where}, line {self.line}"


@dataclass(frozen=True)
class Refs:
    """The ids a text defines and the ids it links to, each with its line."""

    ids: tuple[tuple[int, str], ...]
    links: tuple[tuple[int, str], ...]


def refs_of(text: str) -> Refs:
    """The text's ids, and what it points at: its links to ids and its cross-references."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    prose = _prose(lines)
    pointing = sorted([*_links(prose), *_references(prose)])
    return Refs(tuple(explicit_ids("\n".join(lines))), tuple(pointing))


@dataclass(frozen=True)
class Context:
    """What a section's text is checked against: the ids of the book's other sections (and the
    section that has each), the keys of its bibliography, and the images it has or the proposal
    carries."""

    ids: Mapping[str, str]
    keys: frozenset[str]
    images: frozenset[str]


def bibliography_keys(bibliography: str) -> frozenset[str]:
    return frozenset(BIB_KEY.findall(bibliography))


def context_of(
    book: BookState, section_id: str | None, attached: frozenset[str] = frozenset()
) -> Context:
    """The context of section `section_id` (None: a new one) of the book as it stands."""
    ids = {
        found: section.id
        for chapter in book.chapters
        for section in chapter.sections
        if section.id != section_id
        for _, found in explicit_ids(section.text)
    }
    images = frozenset(image.name for image in book.images) | attached
    return Context(ids, bibliography_keys(book.bibliography), images)


def problems_in(text: str, context: Context) -> list[Problem]:
    """Every problem of `text` in its context, in the order of its lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    prose = _prose(lines)
    own = list(explicit_ids("\n".join(lines)))
    ids = set(context.ids) | {found for _, found in own}
    found = [
        *_math_problems(prose),
        *_citation_problems(prose, context.keys, ids),
        *_image_problems(lines, context.images),
        *_link_problems(prose, ids),
        *_heading_problems(lines),
        *_id_problems(own, context.ids),
        *_mark_problems(prose, ids),
    ]
    return sorted(found, key=lambda problem: problem.line)


def new_problems(text: str, published: str, context: Context) -> list[Problem]:
    """The problems of `text` that the published text of the section does not have already."""
    return problems_beside(text, published, context)[0]


def problems_beside(
    text: str, published: str, context: Context
) -> tuple[list[Problem], list[Problem]]:
    """The problems of `text`: those new to it, and those the published text has already
    (an imported book may), which are shown but do not refuse the text."""
    known = {(p.kind, p.subject) for p in problems_in(published, context)} if published else set()
    new: list[Problem] = []
    old: list[Problem] = []
    for problem in problems_in(text, context):
        (old if (problem.kind, problem.subject) in known else new).append(problem)
    return new, old


def dropped_ids(old: str, new: str | None) -> set[str]:
    """The ids that replacing text `old` by `new` (None: removing it) takes out of the book."""
    kept = {found for _, found in explicit_ids(new or "")}
    return {found for _, found in explicit_ids(old)} - kept


def references_to(
    dropped: set[str], sections: Iterable[tuple[str, str, Refs]]
) -> list[BrokenReference]:
    """The links, in (chapter id, section id, refs) of other sections, to the dropped ids."""
    return [
        BrokenReference(target, chapter_id, section_id, line)
        for chapter_id, section_id, refs in sections
        for line, target in refs.links
        if target in dropped
    ]


def references_broken_by(
    book: BookState, section_id: str, new_text: str | None
) -> list[BrokenReference]:
    """The links in other sections of `book` to ids that replacing the section's text by
    `new_text` (None: removing it) would take out of the book."""
    old = next((s.text for c in book.chapters for s in c.sections if s.id == section_id), "")
    dropped = dropped_ids(old, new_text)
    others = (
        (chapter.id, section.id, refs_of(section.text))
        for chapter in book.chapters
        for section in chapter.sections
        if section.id != section_id
    )
    return references_to(dropped, others) if dropped else []


def _prose(lines: list[str]) -> str:
    """The text with fenced code blanked and code spans spaced out, lines kept where they were."""
    kept = [""] * len(lines)
    for index, line in outside_code(lines):
        kept[index] = line
    return CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), "\n".join(kept))


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def is_generated_id(identifier: str) -> bool:
    """Whether the publishing pipeline makes this id itself (GENERATED_ID)."""
    return GENERATED_ID.fullmatch(identifier) is not None


def _id_problems(own: list[tuple[int, str]], elsewhere: Mapping[str, str]) -> Iterator[Problem]:
    """Ids are unique in the book: a link to one that two places have goes to either."""
    seen: set[str] = set()
    for line, found in own:
        if is_generated_id(found):
            message = f"the id '{found}' is one the published book makes itself: choose another"
            yield Problem(line, "id", found, message)
            continue
        if found in elsewhere:
            where = f"section '{elsewhere[found]}'"
        elif found in seen:
            where = "an earlier line of this text"
        else:
            seen.add(found)
            continue
        yield Problem(line, "id", found, f"the id '{found}' is already used in {where}")


def formulas(prose: str) -> Iterator[tuple[int, str]]:
    """(offset, TeX) of each `$...$` and `$$...$$` formula, by pandoc's tex_math_dollars rules:
    an opening `$` has no space after it, a closing `$` none before it and no digit after it,
    and neither crosses a blank line."""
    index, end = 0, len(prose)
    while index < end:
        char = prose[index]
        if char == "\\":
            index += 2
            continue
        if char != "$":
            index += 1
            continue
        if prose.startswith("$$", index):
            close = _closing(prose, index + 2, display=True)
            if close is None:
                index += 2
                continue
            yield index, prose[index + 2 : close]
            index = close + 2
            continue
        close = _closing(prose, index + 1, display=False)
        if close is None:
            index += 1
            continue
        yield index, prose[index + 1 : close]
        index = close + 1


def _closing(prose: str, start: int, display: bool) -> int | None:
    if start >= len(prose) or (not display and prose[start].isspace()):
        return None
    index = start
    while index < len(prose):
        char = prose[index]
        if char == "\\":
            index += 2
            continue
        if (
            char == "\n"
            and prose[index + 1 : index + 2].strip() == ""
            and _blank_after(prose, index)
        ):
            return None
        if char == "$":
            if display:
                return index if prose.startswith("$$", index) else None
            after = prose[index + 1 : index + 2]
            if not prose[index - 1].isspace() and not after.isdigit():
                return index
        index += 1
    return None


def _blank_after(prose: str, newline: int) -> bool:
    following = prose.find("\n", newline + 1)
    line = prose[newline + 1 : following if following != -1 else len(prose)]
    return not line.strip()


@functools.lru_cache(maxsize=4096)  # a text is checked again as it is typed, and beside its
def formula_problem(tex: str) -> str | None:  # published version: mostly the same formulas
    """Why the formula cannot be drawn, or None if it can."""
    if _brace_depths(tex) != 0:
        return "its braces { } do not balance"
    try:
        mathml = convert(tex)
    except Exception as error:  # latex2mathml's errors share no base class but Exception
        name = re.sub(r"(?<!^)(?=[A-Z])", " ", type(error).__name__).lower().removesuffix(" error")
        return f"it cannot be drawn ({name})"
    unknown = UNKNOWN_COMMAND.search(mathml)
    if unknown is not None:
        return f"'{unknown.group(1)}' is not a command the book's math knows"
    return None


def _brace_depths(tex: str) -> int:
    depth, index = 0, 0
    while index < len(tex):
        if tex[index] == "\\":
            index += 2
            continue
        if tex[index] == "{":
            depth += 1
        elif tex[index] == "}":
            depth -= 1
            if depth < 0:
                return depth
        index += 1
    return depth


def _math_problems(prose: str) -> Iterator[Problem]:
    budget = MAX_MATH
    for offset, tex in formulas(prose):
        budget -= len(tex)
        if budget < 0:
            message = (
                f"the section holds over {MAX_MATH:,} characters of math, more than can be "
                "checked: split it into several sections"
            )
            yield Problem(_line_at(prose, offset), "math", "(too much math)", message)
            return
        why = formula_problem(tex)
        if why is not None:
            shown = " ".join(tex.split())
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            message = f"the formula ${shown}$ is broken: {why}"
            yield Problem(_line_at(prose, offset), "math", tex.strip(), message)


def _citations(prose: str) -> Iterator[re.Match[str]]:
    # An @ in a link's address or an autolink (https://example.org/@name) is no citation.
    prose = ADDRESS.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), prose)
    return CITATION.finditer(prose)


def reference_kind(key: str) -> str | None:
    """What a cross-reference (`@fig-x`) points at ("figure"); None for a citation."""
    return next((kind for prefix, kind in REFERENCE_KINDS.items() if key.startswith(prefix)), None)


def _references(prose: str) -> Iterator[tuple[int, str]]:
    """(line, label) of each cross-reference: `@fig-x`, `[see @eq-y]`; `@sec-x` points at the
    heading `sec-x` or, failing that, `x`: both are counted."""
    for match in _citations(prose):
        key = match.group(1)
        if reference_kind(key):
            yield _line_at(prose, match.start()), key
            if key.startswith("sec-"):
                yield _line_at(prose, match.start()), key.removeprefix("sec-")


def _citation_problems(prose: str, keys: frozenset[str], ids: set[str]) -> Iterator[Problem]:
    for match in _citations(prose):
        key = match.group(1)
        kind = reference_kind(key)
        if kind is not None:
            heading = key.removeprefix("sec-") if key.startswith("sec-") else key
            if key not in ids and heading not in ids:
                also = f" (nor {{#{heading}}})" if heading != key else ""
                message = (
                    f"the reference '@{key}' points at no label: "
                    f"the book has no {kind} labelled {{#{key}}}{also}"
                )
                yield Problem(_line_at(prose, match.start()), "reference", key, message)
            continue
        if key in keys:
            continue
        message = f"the citation '@{key}' is not in the book's references.bib"
        if key.startswith(CROSS_REFERENCE_PREFIXES):
            message += "; to refer to a part of the book, link to its id: [the section](#id)"
        yield Problem(_line_at(prose, match.start()), "citation", key, message)


def _image_problems(lines: list[str], images: frozenset[str]) -> Iterator[Problem]:
    for index, line in outside_code(lines):
        for name in image_names([line]):
            if name not in images:
                message = (
                    f"the image 'images/{name[:80]}' is neither in the book nor attached: "
                    "attach it, or change the text"
                )
                yield Problem(index + 1, "image", name, message)


def _links(prose: str) -> Iterator[tuple[int, str]]:
    """(line, id) of each link to an id in the book: `[text](#id)` and `[label]: #id`."""
    for pattern in (LINK_TO_ID, DEFINITION_TO_ID):
        for match in pattern.finditer(prose):
            yield _line_at(prose, match.start()), match.group(1)


def _link_problems(prose: str, ids: set[str]) -> Iterator[Problem]:
    for line, target in _links(prose):
        if target not in ids:
            message = f"the link to '#{target}' goes nowhere: the book has no id '{target}'"
            yield Problem(line, "link", target, message)


def _heading_problems(lines: list[str]) -> Iterator[Problem]:
    for index, line in outside_code(lines):
        heading = parse_heading(line)
        if heading is not None and heading.id is None and heading.title:
            message = (
                f"the heading '{heading.title[:80]}' has no id: end it with "
                "{#an-id} (lowercase letters, digits, hyphens), so links to it never break"
            )
            yield Problem(index + 1, "heading", heading.title, message)


def _mark_problems(prose: str, ids: set[str]) -> Iterator[Problem]:
    """Terms the glossary does not define, and malformed index marks (see glossary.py)."""
    for mark in marks_in(prose):
        found = mark_problem(mark, ids)
        if found is not None:
            yield Problem(mark.line, *found)
