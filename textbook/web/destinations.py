"""Where a person was going: the `next` of sign-in and sign-up, a path on this site only."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

MAX_NEXT = 2000  # characters: longer than any page of ours, bounded for the redirect header


def local_path(value: str | None) -> str | None:
    """`value` if it is a path on this site, else None: never a way to another site.

    Browsers read `\\` as `/` and drop tabs and newlines, so `/\\evil.example` and `/\\t/evil`
    would leave the site as `//evil.example` does; anything but printable ASCII is refused.
    """
    if not value or len(value) > MAX_NEXT or not value.startswith("/"):
        return None
    if not all(" " < character < "\x7f" for character in value) or "\\" in value:
        return None
    if value.startswith("//"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def signin_url(target: str, page: str = "/signin") -> str:
    """The sign-in (or sign-up) page that returns to `target`, if it is a local path."""
    path = local_path(target)
    return page if path is None else f"{page}?next={quote(path, safe='/')}"


def signin_from(path: str, query: str, page: str = "/signin") -> str:
    """The link to sign in (or up) from the page at `path`: it returns there afterwards.

    From the sign-in and sign-up pages themselves it keeps their own `next`.
    """
    if path in ("/signin", "/signup"):
        kept = parse_qs(query[: MAX_NEXT * 3]).get("next", [""])[0]
        return signin_url(kept, page)
    return signin_url(path + (f"?{query}" if query else ""), page)
