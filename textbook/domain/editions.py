"""Named editions: an editor's name for the book's approved state at a moment ("First
edition", "2027 revision"). The rules for a name live here; `Book.mark_edition` holds the rest."""

from __future__ import annotations

import re
import unicodedata

from textbook.domain.errors import InvalidInput

MAX_EDITION_NAME = 80  # characters, after the spaces around it are taken away
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # and the line and paragraph separators
# The characters that turn the text around them right to left (or back) until the end of the
# line: "\u202etide tsriF" shows as "First edit" on a page, and in every title page after it.
NOW = "now"  # a comparison's end that is the book as it is now (?from=first-edition&to=now)
DIRECTION = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def edition_slug(name: str) -> str:
    """The part of an edition's addresses that names it: "2027 Revision" -> "2027-revision".

    Two names with one slug are one name (so "First edition" and "first Edition" clash)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "-".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def checked_edition_name(name: str) -> str:
    """The name, stripped; InvalidInput (saying why) for an empty, long or unreadable one."""
    stripped = name.strip()
    if not stripped:
        raise InvalidInput("Give the edition a name, such as 'First edition'.")
    if len(stripped) > MAX_EDITION_NAME:
        raise InvalidInput(
            f"An edition's name has at most {MAX_EDITION_NAME} characters; "
            f"this one has {len(stripped)}."
        )
    if CONTROL.search(stripped):
        raise InvalidInput("An edition's name is one line of text, without control characters.")
    if DIRECTION.search(stripped):
        raise InvalidInput(
            "An edition's name is shown as it is typed: take away the invisible characters "
            "that override the direction of its text."
        )
    if edition_slug(stripped) == NOW:
        raise InvalidInput(
            f"'{stripped}' is what the book's addresses call the text as it is now, which changes: "
            "give the edition a name that stays, such as 'Edition of 2027'."
        )
    if not edition_slug(stripped):
        raise InvalidInput(
            f"The name '{stripped}' has no letter or digit to address it by: "
            "use a name such as 'First edition' or '2027 revision'."
        )
    return stripped
