"""A book's Atom feed: its new proposals, approved changes and new needs, the newest first.

`/books/{slug}/feed.atom` holds all three; `?only=approved`, `?only=proposals` or
`?only=needs` one kind. A need's entry says its kind, its section and why it is needed, and
who marked it (a reader who reported an error stays "a reader": their email is never kept
where the feed reads). Each
entry's id is a `urn:uuid:` made from the proposal's id and what happened to it, so it never
changes, whatever address the site is served at. Links are absolute: the site's public address
(TEXTBOOK_PUBLIC_URL) when it is set, else the address the request came to. A reader that sends
back the ETag or the Last-Modified it was given gets 304 while nothing new happened.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import quote
from uuid import NAMESPACE_URL, uuid5

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]  # no types published
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from textbook.domain.vocabulary import NeedKind, ProposalKind
from textbook.projections.queries import Queries
from textbook.projections.queries.base import OPERATOR_NAME
from textbook.projections.queries.community import FEED_KINDS, FEED_SIZE, FeedEntry
from textbook.projections.queries.needs import NewNeed
from textbook.projections.queries.values import BookOutline
from textbook.web.errors import WebError
from textbook.web.site import site

MEDIA_TYPE = "application/atom+xml"
# What each feed holds: "" every kind; each title says what the feed is. "needs" comes from
# the needs read model, the others from the proposals' threads (FEED_KINDS).
FEEDS = {
    "": (("proposals", "approved", "needs"), "new proposals, approved changes and new needs"),
    "approved": (("approved",), "approved changes"),
    "proposals": (("proposals",), "new proposals"),
    "needs": (("needs",), "new needs"),
}
Entry = FeedEntry | NewNeed


def base_url(request: Request) -> str:
    """The site's address for absolute links: the public one when set, else the request's."""
    return site(request).settings.public_url or str(request.base_url).rstrip("/")


def feed_links(slug: str, title: str) -> list[dict[str, str]]:
    """The feeds a page of the book links to, for `<link rel=alternate>` and the visible link."""
    return [
        {"href": f"/books/{slug}/feed.atom", "title": f"{title}: {FEEDS[''][1]}"},
        {"href": f"/books/{slug}/feed.atom?only=approved", "title": f"{title}: approved changes"},
    ]


def needs_feed_link(slug: str, title: str) -> dict[str, str]:
    """The feed of the book's new needs, for the task board."""
    return {"href": f"/books/{slug}/feed.atom?only=needs", "title": f"{title}: new needs"}


def need_title(need: NewNeed) -> str:
    return f"Needed in “{need.place}”: {need.kind.label.lower()}"


def need_summary(need: NewNeed, book: BookOutline) -> str:
    where = "section" if need.section_id else "chapter"
    where = f"the {where} “{need.place}” of {book.title}"
    if need.kind == NeedKind.ERROR:
        said = f"{need.opened_by or 'A reader'} reported an error in {where}"
    elif need.kind == NeedKind.IMPORT_PROBLEM:
        said = f"The import found a problem in {where}"
    else:
        said = f"{need.opened_by} marked what {where} needs ({need.kind.label.lower()})"
    return f"{said}: {need.reason}"


def need_entry(feed: FeedGenerator, base: str, book: BookOutline, need: NewNeed) -> None:
    item = feed.add_entry(order="append")
    item.id(urn(f"textbook:need:{need.id}:opened"))
    item.title(need_title(need))
    item.updated(datetime.fromisoformat(need.at))
    item.published(datetime.fromisoformat(need.at))
    item.author(person(base, need.opened_by) if need.opened_by else {"name": "A reader"})
    item.link(
        href=f"{base}/books/{book.slug}/needs#need-{need.id}", rel="alternate", type="text/html"
    )
    item.summary(need_summary(need, book))


def entry_title(entry: FeedEntry) -> str:
    what = ProposalKind(entry.proposal_kind).label
    message = entry.message.strip() or "(no message)"
    if entry.kind == "approved":
        return f"Approved: {message} ({what.lower()} by {entry.author})"
    return f"Proposed: {message} ({what.lower()} by {entry.author})"


def entry_summary(entry: FeedEntry, book: BookOutline) -> str:
    where = f" to the section “{entry.section_id}”" if entry.section_id else ""
    what = ProposalKind(entry.proposal_kind).label
    if entry.kind == "approved":
        words = (
            f", adding {entry.words} word{'s' if entry.words != 1 else ''}" if entry.words else ""
        )
        return (
            f"{entry.by} approved {what.lower()}{where} of {book.title}, written by "
            f"{entry.author}{words}."
        )
    return f"{entry.author} proposed {what.lower()}{where} of {book.title}; it waits for a review."


def atom(request: Request, book: BookOutline, only: str, entries: list[Entry]) -> bytes:
    base, slug = base_url(request), book.slug
    query = f"?only={only}" if only else ""
    feed = FeedGenerator()
    feed.id(urn(f"textbook:feed:{slug}:{only or 'all'}"))
    feed.title(f"{book.title}: {FEEDS[only][1]}")
    feed.subtitle(f"What happens in the book {book.title}, on textbook.")
    feed.author({"name": f"The contributors of {book.title}"})
    feed.link(href=f"{base}/books/{slug}/feed.atom{query}", rel="self", type=MEDIA_TYPE)
    feed.link(href=f"{base}/books/{slug}", rel="alternate", type="text/html")
    feed.language(book.language or "en")
    feed.updated(datetime.fromisoformat(entries[0].at) if entries else updated_of(book))
    for entry in entries:
        if isinstance(entry, NewNeed):
            need_entry(feed, base, book, entry)
            continue
        item = feed.add_entry(order="append")
        happened = FEED_KINDS[entry.kind]
        item.id(urn(f"textbook:{entry.proposal_id}:{happened}"))
        item.title(entry_title(entry))
        item.updated(datetime.fromisoformat(entry.at))
        item.published(datetime.fromisoformat(entry.at))
        item.author(person(base, entry.author))
        if entry.kind == "approved" and entry.by != entry.author:
            item.contributor(person(base, entry.by))
        item.link(href=f"{base}/proposals/{entry.proposal_id}", rel="alternate", type="text/html")
        item.summary(entry_summary(entry, book))
    body: bytes = feed.atom_str(pretty=True)
    return body


def urn(name: str) -> str:
    """A stable id for a feed or an entry: the same name always gives the same urn:uuid."""
    return f"urn:uuid:{uuid5(NAMESPACE_URL, name)}"


def person(base: str, name: str) -> dict[str, str]:
    """A person in a feed: their name, and their profile's address (the operator has none)."""
    if name == OPERATOR_NAME:
        return {"name": name}
    return {"name": name, "uri": f"{base}/people/{quote(name)}"}


def updated_of(book: BookOutline) -> datetime:
    return datetime.fromisoformat(book.updated_at)


def feed(request: Request) -> Response:
    slug = request.path_params["slug"]
    only = request.query_params.get("only", "")
    if only not in FEEDS or (not only and "only" in request.query_params):
        shown = only[:40]
        raise WebError(
            HTTPStatus.BAD_REQUEST,
            f"There is no feed “{shown}”: ask for only=approved, only=proposals or"
            " only=needs, or nothing.",
        )
    queries = site(request).queries()
    queries.standing(slug)  # a deleted book has no feed
    book = queries.outline(slug)
    entries = happenings(queries, slug, FEEDS[only][0])
    body = atom(request, book, only, entries)
    modified = datetime.fromisoformat(entries[0].at) if entries else updated_of(book)
    headers = {
        "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
        "Last-Modified": format_datetime(modified.replace(microsecond=0), usegmt=True),
        "Cache-Control": "public, max-age=300",
    }
    if not_modified(request, headers["ETag"], modified):
        return Response(status_code=HTTPStatus.NOT_MODIFIED, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)


def happenings(queries: Queries, slug: str, kinds: tuple[str, ...]) -> list[Entry]:
    """The latest entries of `kinds`, of the proposals and of the needs, the newest first."""
    of_proposals = tuple(kind for kind in kinds if kind in FEED_KINDS)
    found: list[Entry] = [*queries.feed(slug, of_proposals)] if of_proposals else []
    if "needs" in kinds:
        found += queries.new_needs(slug, FEED_SIZE)
    found.sort(key=lambda entry: datetime.fromisoformat(entry.at), reverse=True)
    return found[:FEED_SIZE]


def not_modified(request: Request, etag: str, modified: datetime) -> bool:
    """Whether the reader's copy is current: its ETag matches, or (with no ETag sent) it was
    modified no earlier than the feed."""
    sent = request.headers.get("if-none-match")
    if sent is not None:
        return etag in [tag.strip() for tag in sent.split(",")] or sent.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False  # a malformed date is ignored, as HTTP says
    if moment.tzinfo is None:
        return False
    return modified.replace(microsecond=0) <= moment


routes = [Route("/books/{slug}/feed.atom", feed, name="feed")]
