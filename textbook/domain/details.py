"""A book's details as people start and change them on the platform: its slug, and the title,
subtitle, authors, description, licence and cover, checked the same way on every path.

A proposal to change the details carries them as YAML (`details_yaml`); `parse_details` reads
that YAML back, refusing what a person could not have meant, each with the field it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from textbook.domain import ids
from textbook.domain.errors import InvalidInput
from textbook.domain.metadata import (
    Metadata,
    UnknownLicence,
    checked_bibliography,
    filled,
    licence_of,
)

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MIN_SLUG, MAX_SLUG = 2, 60
# Words that name pages, or that a person would take for one: never a book's slug.
RESERVED = frozenset(
    {"new", "start", "import", "api", "admin", "static", "assets", "books", "settings",
     "search", "signin", "signout", "signup", "me", "mine", "about", "help", "forks"}
)  # fmt: skip
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
COVER = re.compile(r"^images/[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

# The details a proposal may change, in the order a page shows them.
FIELDS = ("title", "subtitle", "authors", "description", "license", "cover", "bibliography")
LABELS = {
    "title": "Title",
    "subtitle": "Subtitle",
    "authors": "Authors",
    "description": "Description",
    "license": "Licence",
    "cover": "Cover image",
    "bibliography": "References",
}
LIMITS = {
    "title": 200, "subtitle": 300, "description": 3000, "license": 200, "cover": 110,
    "bibliography": 40,
}  # fmt: skip
MAX_AUTHOR, MAX_AUTHORS = 120, 50
MAX_YAML = 16 * 1024


class InvalidDetails(InvalidInput):
    """A detail refused, naming the field it concerns (a form shows the message beside it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Details:
    title: str
    subtitle: str
    authors: tuple[str, ...]
    description: str
    license: str
    cover: str = ""
    # Where the works cited are listed: "chapter" (or "", the default) or "book".
    bibliography: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "authors": list(self.authors),
            "description": self.description,
            "license": self.license,
            "cover": self.cover,
            "bibliography": self.bibliography,
        }

    def changed_from(self, other: Details) -> list[str]:
        """The fields whose values differ from `other`'s, in FIELDS' order."""
        mine, theirs = self.as_dict(), other.as_dict()
        return [field for field in FIELDS if mine[field] != theirs[field]]


def checked_slug(slug: str) -> str:
    """The slug of a new book, or InvalidDetails saying what a slug looks like."""
    if not MIN_SLUG <= len(slug) <= MAX_SLUG:
        raise InvalidDetails(
            "slug",
            f"A book's address has {MIN_SLUG} to {MAX_SLUG} characters; this has {len(slug)}.",
        )
    if not SLUG.match(slug):
        raise InvalidDetails(
            "slug",
            f"'{slug}' cannot be a book's address: use lowercase letters, digits and single "
            "hyphens, starting with a letter (like 'linear-algebra').",
        )
    if slug in RESERVED:
        raise InvalidDetails("slug", f"'{slug}' names a page of the site; choose another address.")
    return slug


def checked_language(language: str) -> str:
    language = language.strip()
    if not LANGUAGE.match(language) or len(language) > 35:
        raise InvalidDetails(
            "language", f"'{language[:40]}' is not a language tag such as en, fr or pt-BR."
        )
    return language


def checked_details(
    title: str,
    subtitle: str,
    authors: list[str] | tuple[str, ...],
    description: str,
    license: str,
    cover: str = "",
    bibliography: str = "",
) -> Details:
    """The details, trimmed and checked: a title, a licence on the SPDX list, names, lengths,
    and where the references are listed ("chapter" or "book")."""
    texts = {
        "title": _text("title", title),
        "subtitle": _text("subtitle", subtitle),
        "description": _text("description", description),
        "license": _text("license", license),
        "cover": _text("cover", cover),
        "bibliography": _text("bibliography", bibliography),
    }
    if not texts["title"]:
        raise InvalidDetails("title", "A book needs a title.")
    if "\n" in texts["title"] or "\n" in texts["subtitle"]:
        raise InvalidDetails("title", "The title and subtitle are one line each.")
    if not texts["license"]:
        raise InvalidDetails("license", "Name the book's licence, such as CC-BY-4.0.")
    try:
        texts["license"] = licence_of(texts["license"]).expression
    except UnknownLicence as error:
        raise InvalidDetails("license", f"The licence: {error}.") from None
    if texts["cover"] and not COVER.match(texts["cover"]):
        raise InvalidDetails(
            "cover", "The cover is one of the book's images, named as 'images/cover.png'."
        )
    try:
        texts["bibliography"] = checked_bibliography(texts["bibliography"])
    except ValueError as error:
        raise InvalidDetails("bibliography", f"The references: {error}.") from None
    return Details(
        texts["title"],
        texts["subtitle"],
        checked_authors(authors),
        texts["description"],
        texts["license"],
        texts["cover"],
        texts["bibliography"],
    )


def checked_authors(authors: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    names = tuple(" ".join(str(name).split()) for name in authors)
    names = tuple(name for name in names if name)
    if len(names) > MAX_AUTHORS:
        raise InvalidDetails("authors", f"At most {MAX_AUTHORS} authors; these are {len(names)}.")
    for name in names:
        if len(name) > MAX_AUTHOR:
            raise InvalidDetails(
                "authors", f"An author's name has at most {MAX_AUTHOR} characters."
            )
        _no_control("authors", name)
    return names


def authors_from_lines(text: str) -> list[str]:
    """Authors as a form takes them: one a line (or separated by semicolons)."""
    return [name for line in text.splitlines() for name in line.split(";")]


def _text(field: str, value: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if len(value) > LIMITS[field]:
        raise InvalidDetails(
            field,
            f"The {LABELS[field].lower()} has {len(value):,} characters; "
            f"at most {LIMITS[field]:,}.",
        )
    _no_control(field, value)
    return value


def _no_control(field: str, value: str) -> None:
    if any(ord(c) < 32 and c not in "\n\t" for c in value) or not _encodable(value):
        raise InvalidDetails(
            field, f"The {LABELS[field].lower()} holds characters that are not text."
        )


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


# Details in the book's metadata, and as YAML.


def details_of(metadata: Metadata) -> Details:
    """The details a book's metadata holds (stored books may lack some: they read as empty)."""
    full = filled(metadata)
    return Details(
        full["title"],
        full["subtitle"],
        tuple(full["authors"]),
        full["description"],
        full["license"],
        full["cover"],
        full["bibliography"],
    )


def with_details(metadata: Metadata, details: Details) -> Metadata:
    """The metadata with the details replaced, every other field kept."""
    return {**filled(metadata), **details.as_dict()}


def new_metadata(slug: str, language: str, details: Details) -> Metadata:
    """The whole metadata of a book started on the platform."""
    return {
        **filled({}),
        **details.as_dict(),
        "language": checked_language(language),
        "identifier": f"urn:uuid:{ids.book_id(slug)}",
    }


def metadata_yaml(metadata: Metadata, chapter_files: list[str]) -> str:
    """book.yaml for the metadata: its fields that hold something, and the chapters' files."""
    data: dict[str, Any] = {key: value for key, value in metadata.items() if value}
    data["chapters"] = chapter_files
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def details_yaml(details: Details) -> str:
    """The details as a proposal carries them: every field, in FIELDS' order."""
    return yaml.safe_dump(details.as_dict(), sort_keys=False, allow_unicode=True, width=100)


def parse_details(text: str) -> Details:
    """The details a proposal's YAML holds, checked; InvalidDetails if they are not."""
    if len(text) > MAX_YAML:
        raise InvalidDetails("details", f"The details are longer than {MAX_YAML:,} characters.")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InvalidDetails("details", "The details are not valid YAML.") from None
    if not isinstance(data, dict):
        raise InvalidDetails("details", "The details are a mapping: 'title: ...', 'authors: ...'.")
    unknown = [str(key)[:40] for key in data if key not in FIELDS]
    if unknown:
        raise InvalidDetails(
            "details", f"'{unknown[0]}' is not a detail; the details are {', '.join(FIELDS)}."
        )
    texts = {}
    for key in ("title", "subtitle", "description", "license", "cover", "bibliography"):
        value = data.get(key) or ""
        if not isinstance(value, str):
            raise InvalidDetails(key, f"The {LABELS[key].lower()} must be text.")
        texts[key] = value
    authors = data.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise InvalidDetails("authors", "The authors are a list of names (- Ada Lovelace).")
    return checked_details(
        texts["title"], texts["subtitle"], authors, texts["description"], texts["license"],
        texts["cover"], texts["bibliography"],
    )  # fmt: skip
