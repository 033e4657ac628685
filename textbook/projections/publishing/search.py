"""Searching one edition of a book: words, "quoted phrases", typos forgiven, matches marked.

The same rules as the web edition's search.js, which searches the same entries (search.json):
a word matches the words it begins, a phrase the same words in a row; a word found nowhere in
the book is read as the book's nearest words (a typo), and the reader is told so.
"""

from __future__ import annotations

import re
from bisect import bisect_left
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from markupsafe import Markup, escape
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

MAX_QUERY = 200  # characters: each word is looked for in every section of the book
MAX_QUERY_WORDS = 10
SNIPPET = 240  # characters of context around the first match
CLOSE = 3  # at most this many of the book's words stand for one misspelt word

WORD = re.compile(r"[^\W_]+")
PART = re.compile(r'"([^"]*)"?|(\S+)')


class QueryTooLong(ValueError):
    """A search over the limits; the message says what they are, for a person."""


def key(word: str) -> str:
    """A word as compared: lower case, accents dropped, 𝐱 read as x."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def keys(text: str) -> list[str]:
    return [k for m in WORD.finditer(text) if (k := key(m.group()))]


def typos_allowed(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class Term:
    """A bare word (matches the words it begins) or a phrase (the same words in a row)."""

    words: tuple[str, ...]
    phrase: bool

    def text(self) -> str:
        joined = " ".join(self.words)
        return f"“{joined}”" if self.phrase else joined


def parse(query: str) -> list[Term]:
    """The query's words and quoted phrases; refused over the limits, never searched cut short."""
    count = len(query.split())
    if len(query) > MAX_QUERY or count > MAX_QUERY_WORDS:
        raise QueryTooLong(
            f"The search has {len(query):,} characters and {count:,} words; search "
            f"for at most {MAX_QUERY_WORDS} words and {MAX_QUERY} characters."
        )
    terms = []
    for match in PART.finditer(query):
        if match.group(1) is not None:
            words = tuple(keys(match.group(1)))
            if words:
                terms.append(Term(words, phrase=len(words) > 1))
        else:
            terms.extend(Term((word,), phrase=False) for word in keys(match.group(2)))
    return terms


@dataclass(frozen=True)
class Entry:
    """One section as searched: its words with where each stands in the text."""

    fields: dict[str, str]

    @cached_property
    def title_spans(self) -> list[tuple[int, int, str]]:
        return spans(self.fields["title"])

    @cached_property
    def text_spans(self) -> list[tuple[int, int, str]]:
        return spans(self.fields["text"])


def spans(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), k) for m in WORD.finditer(text) if (k := key(m.group()))]


@dataclass(frozen=True)
class Hit:
    chapter: str
    title: Markup
    href: str
    snippet: Markup


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    read_as: str  # the query as searched when a typo was corrected, else ""


class Index:
    """The sections of one edition, searchable; built once per edition."""

    def __init__(self, entries: list[dict[str, str]]) -> None:
        self.entries = [Entry(e) for e in entries]

    @cached_property
    def vocabulary(self) -> list[str]:
        found = set()
        for entry in self.entries:
            found.update(k for _, _, k in entry.title_spans)
            found.update(k for _, _, k in entry.text_spans)
        return sorted(found)

    def known(self, word: str) -> bool:
        """Whether some word of the book begins with this one."""
        at = bisect_left(self.vocabulary, word)
        return at < len(self.vocabulary) and self.vocabulary[at].startswith(word)

    def spelt(self, word: str) -> str | None:
        """The word itself when the book has it, else the book's nearest word, else None."""
        at = bisect_left(self.vocabulary, word)
        if at < len(self.vocabulary) and self.vocabulary[at] == word:
            return word
        near = self.nearest(word)
        return near[0] if near else None

    def nearest(self, word: str) -> tuple[str, ...]:
        """The book's words closest to a word it lacks: at most 1 edit in a short word, 2 in a long."""
        allowed = typos_allowed(word)
        if not allowed:
            return ()
        found = process.extract(
            word,
            self.vocabulary,
            scorer=DamerauLevenshtein.distance,
            score_cutoff=allowed,
            limit=None,
        )
        if not found:
            return ()
        best = min(distance for _, distance, _ in found)
        closest = sorted((w for w, distance, _ in found if distance == best), key=len)
        return tuple(closest[:CLOSE])

    def search(self, query: str, limit: int = 50) -> Results:
        terms = parse(query)
        if not terms:
            return Results([], "")
        choices: list[list[Term]] = []  # each term, or what its typos stand for
        corrected = False
        for term in terms:
            if term.phrase:
                spelt = [self.spelt(w) for w in term.words]
                words = tuple(w for w in spelt if w is not None)
                if len(words) < len(spelt):
                    return Results([], "")
                corrected |= words != term.words
                choices.append([Term(words, phrase=True)])
            elif self.known(term.words[0]):
                choices.append([term])
            else:
                near = self.nearest(term.words[0])
                if not near:
                    return Results([], "")
                corrected = True
                choices.append([Term((w,), phrase=False) for w in near])
        scored: list[tuple[int, int, Hit]] = []
        for position, entry in enumerate(self.entries):
            matched = match(entry, choices)
            if matched is not None:
                title_marks, text_marks = matched
                score = 3 * len(title_marks) + len(text_marks)
                scored.append((-score, position, hit(entry, title_marks, text_marks)))
        scored.sort(key=lambda s: (s[0], s[1]))
        read_as = " ".join(options[0].text() for options in choices) if corrected else ""
        return Results([h for _, _, h in scored[:limit]], read_as)


Marks = list[tuple[int, int]]


def match(entry: Entry, choices: list[list[Term]]) -> tuple[Marks, Marks] | None:
    """Where each term (or one of its stand-ins) occurs in the title and text; None if one is missing."""
    title_marks: Marks = []
    text_marks: Marks = []
    for options in choices:
        in_title = [m for t in options for m in occurrences(entry.title_spans, t)]
        in_text = [m for t in options for m in occurrences(entry.text_spans, t)]
        if not in_title and not in_text:
            return None
        title_marks += in_title
        text_marks += in_text
    return sorted(title_marks), sorted(text_marks)


def occurrences(found: list[tuple[int, int, str]], term: Term) -> Marks:
    words, count = term.words, len(term.words)
    marks = []
    for i in range(len(found) - count + 1):
        if term.phrase:
            if all(found[i + j][2] == words[j] for j in range(count)):
                marks.append((found[i][0], found[i + count - 1][1]))
        elif found[i][2].startswith(words[0]):
            marks.append((found[i][0], found[i][1]))
    return marks


def hit(entry: Entry, title_marks: Marks, text_marks: Marks) -> Hit:
    text = entry.fields["text"]
    if text_marks:
        first = text_marks[0][0]
        start = max(0, first - SNIPPET // 3)
        start = text.rfind(" ", 0, start) + 1 if start else 0
    else:
        start = 0
    end = min(len(text), start + SNIPPET)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + SNIPPET // 2)
    inside = [(max(a, start) - start, min(b, end) - start) for a, b in text_marks if a < end]
    snippet = marked(text[start:end], [(a, b) for a, b in inside if a < b])
    before = Markup("…") if start else Markup("")
    after = Markup("…") if end < len(text) else Markup("")
    return Hit(
        chapter=entry.fields["chapter"],
        title=marked(entry.fields["title"], title_marks),
        href=entry.fields["href"],
        snippet=before + snippet + after,
    )


def marked(text: str, marks: Marks) -> Markup:
    """The text escaped, each mark in <mark>; overlapping marks are merged."""
    parts = []
    at = 0
    for a, b in merged(marks):
        parts.append(escape(text[at:a]))
        parts.append(Markup("<mark>") + escape(text[a:b]) + Markup("</mark>"))
        at = b
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


def merged(marks: Marks) -> Marks:
    out: Marks = []
    for a, b in sorted(marks):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
