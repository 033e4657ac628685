"""Deterministic aggregate ids: the same slug always finds the same aggregate."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

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


def watchlist_id(name: str) -> UUID:
    """A person's watchlist: what they watch, how far they read their inbox, their feed's key."""
    return uuid5(NAMESPACE, f"/users/{name.lower()}/watchlist")
