"""Deterministic aggregate ids: the same slug always finds the same aggregate."""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from textbook.domain.errors import InvalidInput

NAMESPACE = uuid5(NAMESPACE_URL, "https://textbook.invalid/ids")

# Who acts when the instance's operator runs a command without naming a user (`--as`).
OPERATOR = uuid5(NAMESPACE, "/operator")


def book_id(slug: str) -> UUID:
    return uuid5(NAMESPACE, f"/books/{slug}")


def section_id(book_slug: str, section_slug: str) -> UUID:
    return uuid5(NAMESPACE, f"/books/{book_slug}/sections/{section_slug}")


def user_id(name: str) -> UUID:
    return uuid5(NAMESPACE, f"/users/{name.lower()}")


def email_id(email: str) -> UUID:
    return uuid5(NAMESPACE, f"/emails/{email.lower()}")


def token_id(token_hash: str) -> UUID:
    return uuid5(NAMESPACE, f"/tokens/{token_hash}")


# A book's slug: its address (/books/SLUG) and its folder's name.
BOOK_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


def check_book_slug(slug: str) -> str:
    """The slug, or InvalidInput saying what a slug may hold."""
    if not BOOK_SLUG.match(slug):
        raise InvalidInput(
            f"'{slug[:80]}' is not a valid book slug: 2 to 63 lowercase letters, digits and "
            "hyphens, beginning with a letter."
        )
    return slug
