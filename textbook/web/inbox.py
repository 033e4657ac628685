"""A person's inbox (what happened that concerns them), what they watch, the watch buttons,
review requests sent from a proposal's page, and the inbox's private Atom feed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import quote
from uuid import NAMESPACE_URL, UUID, uuid5

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import TextbookError
from textbook.projections.queries import InboxItem
from textbook.web.destinations import local_path
from textbook.web.forms import proposal_id, refused
from textbook.web.pages import render
from textbook.web.reviewing import proposal_page
from textbook.web.security import read_form
from textbook.web.signin import signed_in
from textbook.web.site import site
from textbook.web.statuses import WebError

PAGE = 50  # items on a page of the inbox
FEED_ITEMS = 50
MAX_TOKEN = 300


def inbox(request: Request) -> Response:
    name = signed_in(request)
    before = _before(request.query_params.get("before", ""))
    queries = site(request).queries()
    items = queries.inbox(name, before=before, limit=PAGE + 1)
    shown = items[:PAGE]
    return render(
        request,
        "inbox.html",
        items=shown,
        older=shown[-1].id if len(items) > PAGE else None,
        paged=before is not None,
        unread_here=sum(item.unread for item in shown),
        newest=shown[0].id if shown and before is None else 0,
        feed=feed_url(request, name),
    )


def _before(value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise WebError(HTTPStatus.BAD_REQUEST, "“before” must be the number of an item.")
    return int(value)


async def mark_read(request: Request) -> Response:
    name = signed_in(request)
    form = await read_form(request)
    up_to = form.get("up_to", "")
    if not (up_to.isascii() and up_to.isdigit()) or len(up_to) > 18:
        raise WebError(HTTPStatus.BAD_REQUEST, "The form names no item to mark read up to.")
    await run_in_threadpool(site(request).app.mark_inbox_read, name, int(up_to))
    return RedirectResponse("/inbox", status_code=303)


async def new_feed_key(request: Request) -> Response:
    name = signed_in(request)
    await read_form(request)
    await run_in_threadpool(site(request).app.rotate_feed_key, name)
    return RedirectResponse("/inbox#feed", status_code=303)


def watching(request: Request) -> Response:
    name = signed_in(request)
    return render(request, "watching.html", watched=site(request).queries().watching(name))


async def watch(request: Request) -> Response:
    """Watch or stop watching (`action`), then back to the page the button was on."""
    name = signed_in(request)
    form = await read_form(request)
    target, book, place = form.get("target", ""), form.get("book", ""), form.get("place", "")
    app = site(request).app
    if form.get("action") == "unwatch":
        await run_in_threadpool(app.unwatch, name, target, book, place)
    else:
        await run_in_threadpool(app.watch, name, target, book, place)
    back = local_path(form.get("next")) or "/watching"
    return RedirectResponse(back, status_code=303)


async def request_review(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(requesting, request, identifier, name, form)


def requesting(request: Request, identifier: UUID, name: str, form: dict[str, str]) -> Response:
    reviewer = form.get("reviewer", "")[:100]
    try:
        site(request).app.request_review(identifier, reviewer, name)
    except TextbookError as error:
        page = proposal_page(request, identifier)
        return refused(request, "proposal.html", error, **page | {"ask_error": error.message})
    return RedirectResponse(f"/proposals/{identifier}#review-requests", status_code=303)


# The private feed: a link that names the person and is signed with the site's key.


def feed_token(request: Request, name: str, generation: int) -> str:
    return f"{generation}.{name}.{_signature(request, name, generation)}"


def _signature(request: Request, name: str, generation: int) -> str:
    key = str(site(request).settings.session_secret()).encode()
    message = f"textbook inbox feed\n{name}\n{generation}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def feed_url(request: Request, name: str) -> str:
    generation = site(request).queries().feed_generation(name)
    return f"/inbox/feed.atom?token={quote(feed_token(request, name, generation), safe='')}"


def feed_owner(request: Request, token: str) -> str:
    """The person a valid token names; else 403 (a link replaced by a new one is no longer)."""
    refused_link = WebError(
        HTTPStatus.FORBIDDEN,
        "This feed link is not valid: it may have been replaced by a new one. Copy the link "
        "from your inbox again.",
    )
    generation, _, rest = token[:MAX_TOKEN].partition(".")
    name, _, signature = rest.rpartition(".")
    if not (generation.isascii() and generation.isdigit()) or len(generation) > 9 or not name:
        raise refused_link
    expected = _signature(request, name, int(generation))
    if not hmac.compare_digest(expected, signature):
        raise refused_link
    if site(request).queries().feed_generation(name) != int(generation):
        raise refused_link
    return name


def feed(request: Request) -> Response:
    name = feed_owner(request, request.query_params.get("token", ""))
    items = site(request).queries().inbox(name, limit=FEED_ITEMS)
    base = site(request).settings.public_url or str(request.base_url).rstrip("/")
    since = site(request).queries().inbox_since(name) or datetime.now(UTC).isoformat()
    xml = atom(base, name, items, str(request.url), since)
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


def atom(base: str, name: str, items: list[InboxItem], self_url: str, since: str) -> bytes:
    """The inbox as Atom; an empty one was last updated when its link began (`since`)."""
    generator = FeedGenerator()
    generator.id(f"urn:uuid:{uuid5(NAMESPACE_URL, f'{base}/inbox/{name}')}")
    generator.title(f"{name}'s inbox · textbook")
    generator.subtitle("What happened to the proposals and books you follow.")
    generator.author({"name": "textbook"})
    generator.link(href=f"{base}/inbox", rel="alternate", type="text/html")
    generator.link(href=self_url, rel="self", type="application/atom+xml")
    generator.language("en")
    generator.updated(items[0].at if items else since)
    for item in reversed(items):  # feedgen lists entries newest first when prepended
        entry = generator.add_entry()
        entry.id(f"urn:uuid:{uuid5(NAMESPACE_URL, f'{base}/inbox/items/{item.id}')}")
        entry.title(item.title)
        entry.updated(item.at)
        entry.published(item.at)
        entry.link(href=f"{base}{item.link}", rel="alternate")
        entry.author({"name": item.actor or "A reader"})
        entry.summary(f"{item.title} ({item.book_title or item.book_slug})")
    result: bytes = generator.atom_str(pretty=True)
    return result


routes = [
    Route("/inbox", inbox, methods=["GET"]),
    Route("/inbox/read", mark_read, methods=["POST"]),
    Route("/inbox/feed-key", new_feed_key, methods=["POST"]),
    Route("/inbox/feed.atom", feed, methods=["GET"]),
    Route("/watching", watching, methods=["GET"]),
    Route("/watch", watch, methods=["POST"]),
    Route("/proposals/{proposal}/review-requests", request_review, methods=["POST"]),
]
