"""Searching one edition of a book: words, "quoted phrases", typos forgiven, matches marked.

The same rules as the web edition's search.js, which searches the same entries (search.json):
a word matches the words it begins, a phrase the same words in a row; a word found nowhere in
the book is read as the book's nearest words (a typo), and the reader is told so.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from markupsafe import Markup, escape
from rapidfuzz import process
from rapidfuzz.distance import OSA

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


Span = tuple[int, int, str]  # where a word starts and ends in the text, and its key
Marks = list[tuple[int, int]]
TITLE, TEXT = 0, 1


@dataclass(frozen=True)
class Entry:
    """One section as searched: its words (title, then text) with where each stands."""

    fields: dict[str, str]
    words: tuple[list[Span], list[Span]]


def spans(text: str) -> list[Span]:
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
    """The sections of one edition, searchable; built once per edition.

    Each word of the book points to where it stands (section, title or text, position), so a
    search costs what its words' occurrences cost, not a reading of the whole book.
    """

    def __init__(self, entries: list[dict[str, str]]) -> None:
        self.entries = [Entry(e, (spans(e["title"]), spans(e["text"]))) for e in entries]
        # word -> section number -> (title or text, position of the word there)
        self.postings: dict[str, dict[int, list[tuple[int, int]]]] = {}
        for number, entry in enumerate(self.entries):
            for field, found in enumerate(entry.words):
                for position, (_, _, word) in enumerate(found):
                    places = self.postings.setdefault(word, {}).setdefault(number, [])
                    places.append((field, position))
        self.vocabulary = sorted(self.postings)
        self.by_length: dict[int, list[str]] = {}
        for word in self.vocabulary:
            self.by_length.setdefault(len(word), []).append(word)

    def beginning(self, word: str) -> list[str]:
        """The book's words that begin with this one."""
        start = bisect_left(self.vocabulary, word)
        end = bisect_left(self.vocabulary, word + "\U0010ffff", start)
        return self.vocabulary[start:end]

    def known(self, word: str) -> bool:
        """Whether some word of the book begins with this one."""
        return bool(self.beginning(word))

    def spelt(self, word: str) -> str | None:
        """The word itself when the book has it, else the book's nearest word, else None."""
        if word in self.postings:
            return word
        near = self.nearest(word)
        return near[0] if near else None

    def nearest(self, word: str) -> tuple[str, ...]:
        """The book's words closest to a word it lacks: at most 1 edit in a short word, 2 in a long.

        Only words of a length within reach are compared (a fifth of the vocabulary, typically).
        """
        allowed = typos_allowed(word)
        if not allowed:
            return ()
        size = len(word)
        candidates = [
            w for n in range(size - allowed, size + allowed + 1) for w in self.by_length.get(n, ())
        ]
        found = process.extract(
            word,
            candidates,
            scorer=OSA.distance,  # edits, a swap of neighbours counting as one
            score_cutoff=allowed,
            limit=None,
        )
        if not found:
            return ()
        best = min(distance for _, distance, _ in found)
        closest = sorted((w for w, distance, _ in found if distance == best), key=len)
        return tuple(closest[:CLOSE])

    def search(self, query: str, limit: int = 50) -> Results:
        """Sections holding every term (or, for a misspelt word, one of its stand-ins)."""
        choices, corrected = self.choices(parse(query))
        read_as = self.read_as(choices) if corrected else ""
        found: dict[int, tuple[Marks, Marks]] = {}
        # The rarest term first: each next term is looked for only in the sections left.
        for index, options in enumerate(sorted(choices, key=self.cost)):
            here: dict[int, tuple[Marks, Marks]] = {}
            for term in options:
                for number, field, start, end in self.occurrences(term, found if index else None):
                    here.setdefault(number, ([], []))[field].append((start, end))
            for number, (title, text) in here.items() if index else ():
                found[number][TITLE].extend(title)
                found[number][TEXT].extend(text)
            found = {n: found[n] for n in here} if index else here
            if not found:
                break
        ranked = sorted(found.items(), key=lambda f: (-3 * len(f[1][0]) - len(f[1][1]), f[0]))
        hits = [hit(self.entries[n], sorted(t), sorted(x)) for n, (t, x) in ranked[:limit]]
        return Results(hits, read_as)

    def choices(self, terms: list[Term]) -> tuple[list[list[Term]], bool]:
        """What each term is searched as: itself, or the book's words nearest a misspelt one;
        and whether any was corrected. No choices when a term is nowhere near the book."""
        choices: list[list[Term]] = []
        corrected = False
        for term in terms:
            if term.phrase:
                spelt = [self.spelt(w) for w in term.words]
                words = tuple(w for w in spelt if w is not None)
                if len(words) < len(spelt):
                    return [], False
                corrected |= words != term.words
                choices.append([Term(words, phrase=True)])
            elif self.known(term.words[0]):
                choices.append([term])
            else:
                near = self.nearest(term.words[0])
                if not near:
                    return [], False
                corrected = True
                choices.append([Term((w,), phrase=False) for w in near])
        return choices, corrected

    @staticmethod
    def read_as(choices: list[list[Term]]) -> str:
        return " ".join(options[0].text() for options in choices)

    def cost(self, options: list[Term]) -> int:
        """How many places the term's words stand in: the work of looking for it everywhere."""
        words = [
            w for t in options for w in (t.words[:1] if t.phrase else self.beginning(t.words[0]))
        ]
        return sum(len(places) for w in words for places in self.postings.get(w, {}).values())

    def occurrences(
        self, term: Term, within: Collection[int] | None
    ) -> Iterator[tuple[int, int, int, int]]:
        """Each place the term stands (in the sections `within`, or in all): section number,
        title or text, start and end."""
        words = self.beginning(term.words[0]) if not term.phrase else term.words[:1]
        rest = term.words[1:] if term.phrase else ()
        for word in words:
            sections = self.postings.get(word, {})
            numbers = sections if within is None else [n for n in within if n in sections]
            for number in numbers:
                for field, position in sections[number]:
                    found = self.entries[number].words[field]
                    following = found[position + 1 : position + 1 + len(rest)]
                    if tuple(k for _, _, k in following) == rest:
                        end = following[-1][1] if rest else found[position][1]
                        yield number, field, found[position][0], end


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
