"""A book's references.bib: its entry keys, and the few things pandoc's citeproc needs said.

Pandoc reads the BibTeX itself (citeproc); braced names ("{Society for Industrial and Applied
Mathematics}") and titles of entries with a `langid` other than English already keep their form.
Two things it cannot know are said here, in the file given to pandoc, never in the stored text:
an unbraced corporate author ("Society for Industrial and Applied Mathematics") is one name, not
two people split at "and"; and in a book not in English, an entry without a `langid` is in the
book's language, so its title is not title-cased as English titles are.
"""

from __future__ import annotations

import re

ENTRY = re.compile(r"^[ \t]*@([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s]+)[ \t]*,", re.MULTILINE)
NOT_ENTRIES = {"string", "comment", "preamble"}
NAMES = re.compile(r"(?im)^([ \t]*(?:author|editor)[ \t]*=[ \t]*)([{\"])")
LANGUAGE_FIELD = re.compile(r"(?im)^[ \t]*(?:langid|language)[ \t]*=")
AND = re.compile(r"\s+and\s+")
# Words of a name that are lowercase in people's names too ("Ludwig van Beethoven").
PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "le", "la", "ten",
             "ter", "zu", "y", "e", "bin", "ibn", "al", "el", "dos", "das", "st."}  # fmt: skip
CORPORATE = re.compile(
    r"\b(Society|Institute|Institution|Association|Foundation|Committee|Consortium|University|"
    r"Council|Organi[sz]ation|Agency|Group|Team|Project|Inc\.?|Ltd\.?|Corporation|Company|"
    r"Laboratory|Department|Ministry|Office|Academy|Board|Union|Federation|Collaboration|"
    r"Commission|Bureau|Centre|Center)\b"
)


def entry_keys(text: str) -> set[str]:
    """The citation keys the file defines (@string, @comment and @preamble define none)."""
    return {key for kind, key in ENTRY.findall(text) if kind.lower() not in NOT_ENTRIES}


def for_citeproc(text: str, language: str) -> str:
    """The bibliography as pandoc should read it: corporate names braced, entries' language set."""
    text = _corporate_names_braced(text)
    if language.split("-")[0].lower() != "en":
        text = _language_set(text, language)
    return text


def is_corporate(name: str) -> bool:
    """Whether a name (one part of an author list) names an organisation, not a person."""
    if "{" in name or "," in name:
        return False  # braced by its author, or "Last, First": a person as BibTeX writes one
    words = name.split()
    lowercase = [w for w in words if w[:1].islower() and w.lower() not in PARTICLES]
    return bool(lowercase) or CORPORATE.search(name) is not None


def _corporate_names_braced(text: str) -> str:
    pieces, position = [], 0
    for match in NAMES.finditer(text):
        start = match.end()
        end = _value_end(text, start, match.group(2))
        if end is None or match.start() < position:
            continue
        value = text[start : end - 1]
        parts = _top_level_parts(value)
        if any(is_corporate(part) for part in parts):
            pieces.append(text[position:start] + "{" + value + "}")
            position = end - 1
    pieces.append(text[position:])
    return "".join(pieces)


def _value_end(text: str, start: int, opener: str) -> int | None:
    """The index just past the value's closing brace or quote, or None if it never closes."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index + 1 if opener == "{" else None
            depth -= 1
        elif char == '"' and opener == '"' and depth == 0:
            return index + 1
    return None


def _top_level_parts(value: str) -> list[str]:
    """The value split at "and" outside braces, as BibTeX splits names."""
    masked, depth = [], 0
    for char in value:
        depth += char == "{"
        masked.append("x" if depth > 0 and char.isspace() else char)
        depth -= char == "}" and depth > 0
    bounds = [0]
    for found in AND.finditer("".join(masked)):
        bounds += [found.start(), found.end()]
    bounds.append(len(value))
    return [value[bounds[i] : bounds[i + 1]].strip() for i in range(0, len(bounds), 2)]


def _language_set(text: str, language: str) -> str:
    entries = [m for m in ENTRY.finditer(text) if m.group(1).lower() not in NOT_ENTRIES]
    pieces, position = [], 0
    for index, match in enumerate(entries):
        following = entries[index + 1].start() if index + 1 < len(entries) else len(text)
        if LANGUAGE_FIELD.search(text, match.end(), following):
            continue
        pieces.append(text[position : match.end()] + f"\n  langid = {{{language}}},")
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces)
