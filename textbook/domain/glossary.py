"""The apparatus of a book: its glossary, its index marks, and which chapters are back matter.

The glossary is a chapter like any other, whose id is `glossary`: each term a section (`## Secant
method {#gls-secant-method}` and its definition), proposed, reviewed and approved like any
section. It is back matter: it has no chapter number, and the chapters before it keep theirs.

Authors mark a term of the glossary in their text as `[secant method]{.term}` (its words name
the entry) or `[secant methods]{term="secant method"}`; either stands for the entry whose id is
`gls-` and the words' slug (`term_id`). They mark a place for the index as `[Newton's
method]{.index}` (its own words), `[the method]{index="Newton's method"}` (an entry named),
`index="root finding!bisection"` (a sub-entry), and `[]{index="Newton-Raphson method"
see="Newton's method"}` (a "see" reference, which marks no place).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

GLOSSARY = "glossary"  # the id of the glossary chapter
BACK_MATTER = frozenset({GLOSSARY})
TERM_PREFIX = "gls-"
MAX_ENTRY = 200  # characters of an index entry or a term's name
SUBENTRY = "!"
APOSTROPHES = "['\u2019]"


def is_back_matter(chapter_id: str) -> bool:
    return chapter_id in BACK_MATTER


def chapter_numbers(chapter_ids: Sequence[str]) -> list[int]:
    """Each chapter's number in the book (0: back matter, not numbered), in order."""
    numbers, count = [], 0
    for chapter_id in chapter_ids:
        if is_back_matter(chapter_id):
            numbers.append(0)
        else:
            count += 1
            numbers.append(count)
    return numbers


def slug(words: str) -> str:
    """ "Newton's method" -> "newtons-method": lowercase letters and digits, hyphens between
    (apostrophes, straight or curly, dropped; accents too)."""
    plain = unicodedata.normalize("NFKD", re.sub(APOSTROPHES, "", words.lower()))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def term_id(words: str) -> str:
    """The id of the glossary entry a marked term stands for: `term="gls-x"` names it, any
    other words name the entry whose id is `gls-` and their slug."""
    words = " ".join(words.split())
    if words.startswith(TERM_PREFIX) and slug(words) == words:
        return words
    return TERM_PREFIX + slug(words)


@dataclass(frozen=True)
class Mark:
    """A span of an author's Markdown marked for the glossary or the index, with its line."""

    line: int
    words: str  # the marked words
    classes: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str | None:
        return next((value for name, value in self.attributes if name == key), None)

    @property
    def is_term(self) -> bool:
        return "term" in self.classes or self.get("term") is not None

    @property
    def is_index(self) -> bool:
        return (
            "index" in self.classes or self.get("index") is not None or self.get("see") is not None
        )


SPAN = re.compile(r"\[((?:[^\[\]\n]|\n(?!\s*\n))*)\]\{([^{}\n]*)\}")
ATTRIBUTE = re.compile(r"""\.([\w-]+)|#([\w:.-]+)|([\w-]+)=(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")


def marks_in(prose: str) -> Iterator[Mark]:
    """The spans of `prose` (code blanked) that mark a term or an index entry."""
    for match in SPAN.finditer(prose):
        classes, attributes = [], []
        for found in ATTRIBUTE.finditer(match.group(2)):
            if found.group(1):
                classes.append(found.group(1))
            elif found.group(3):
                value = next((v for v in found.group(4, 5, 6) if v is not None), "")
                attributes.append((found.group(3), value))
        mark = Mark(
            prose.count("\n", 0, match.start()) + 1,
            " ".join(match.group(1).split()),
            tuple(classes),
            tuple(attributes),
        )
        if mark.is_term or mark.is_index:
            yield mark


def mark_problem(mark: Mark, ids: set[str] | frozenset[str]) -> tuple[str, str, str] | None:
    """What is wrong with a mark, as (kind, subject, message), or None."""
    if mark.is_term:
        named = mark.get("term") or mark.words
        if not named.strip():
            return ("term", "", "a term marked {.term} has no words: write [the term]{.term}")
        wanted = term_id(named)
        if wanted not in ids:
            return (
                "term",
                wanted,
                f"the term '{named[:80]}' is not in the glossary: add a section "
                f"'## {named[:80]} {{#{wanted}}}' to the glossary chapter, or name an entry "
                f'it has with term="..."',
            )
    if mark.is_index:
        entry = mark.get("index") or mark.words
        see = mark.get("see")
        parts = entry.split(SUBENTRY)
        if not entry.strip():
            return ("index", "", 'an index mark names no entry: [words]{.index} or index="entry"')
        if len(entry) > MAX_ENTRY:
            return ("index", entry[:80], f"an index entry is over {MAX_ENTRY} characters")
        if len(parts) > 2 or any(not part.strip() for part in parts):
            return (
                "index",
                entry[:80],
                f"the index entry '{entry[:80]}' is malformed: one '!' at most, between an "
                'entry and its sub-entry (index="root finding!bisection")',
            )
        if see is not None and not see.strip():
            return ("index", entry[:80], f"the index entry '{entry[:80]}' says see nothing")
    return None
