"""Paragraphs as the copy check compares them: prose only (no headings, no code), normalised to
lowercase words, and cut into overlapping runs of five words ("shingles"), each hashed.

Why five words and these thresholds: two people writing on one subject share words and short
phrases, but rarely a run of five words in a row outside set phrases; a copied paragraph shares
most of its runs even after a few words are changed (each changed word breaks at most five).
A paragraph counts as copied when at least half of its runs are in one paragraph of another
book (`CONTAINED`); paragraphs of fewer than 20 words (`MIN_WORDS`: a heading, a line of a list,
a short definition) are too short to tell a copy from a coincidence and are not compared.
"""

from __future__ import annotations

import hashlib
import re

from textbook.domain.markdown import outside_code

SIZE = 5  # words in a shingle
MIN_WORDS = 20  # a paragraph shorter than this is not compared
CONTAINED = 0.5  # the share of a paragraph's shingles found in another that makes it a copy
MAX_PARAGRAPHS = 400  # compared per text: more than a long section has
EXCERPT = 160  # characters of a paragraph shown with a match

WORD = re.compile(r"[^\W_]+")
ATTRIBUTES = re.compile(r"\{[#.][^}]*\}|\]\([^)]*\)")  # {#id .class} and link targets


def paragraphs(text: str) -> list[str]:
    """The prose paragraphs of Markdown text, in order (headings and code left out)."""
    found: list[str] = []
    current: list[str] = []
    for _index, line in outside_code(text.replace("\r\n", "\n").split("\n")):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if current:
                found.append(" ".join(current))
            current = []
            continue
        current.append(stripped)
    if current:
        found.append(" ".join(current))
    return found


def words(paragraph: str) -> list[str]:
    return WORD.findall(ATTRIBUTES.sub(" ", paragraph).lower())


def shingles(paragraph: str) -> set[int]:
    """The paragraph's hashed five-word runs; none for a paragraph too short to compare."""
    found = words(paragraph)
    if len(found) < MIN_WORDS:
        return set()
    return {_hash(" ".join(found[i : i + SIZE])) for i in range(len(found) - SIZE + 1)}


def _hash(run: str) -> int:
    # A signed 64-bit integer (BIGINT), the same in every process (Python's hash() is not).
    return int.from_bytes(hashlib.blake2b(run.encode(), digest_size=8).digest(), signed=True)


def excerpt(paragraph: str) -> str:
    text = " ".join(paragraph.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"
