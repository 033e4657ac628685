"""What waits for review: a book's queue, and a person's own proposals."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from http import HTTPStatus
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from textbook.projections.queue import QueueEntry
from textbook.web.feeds import feed_links
from textbook.web.pages import render
from textbook.web.security import current_user
from textbook.web.signin import signed_in
from textbook.web.site import site
from textbook.web.statuses import WebError

QUEUE_FILTERS = {
    "": "All",
    "mine": "Mine",
    "waiting": "Waiting for me",
    "asked": "Asked of me",
    "stale": "Stale",
}


def mine(request: Request) -> Response:
    name = signed_in(request)
    return render(request, "mine.html", proposals=site(request).queries().proposals_by(name))


@dataclass(frozen=True)
class Queued:
    """A queue entry with what approving it would do now: for a stale one, merge or clash."""

    entry: QueueEntry
    merge: str  # "" (not stale), "clean", "clash", or "redo" (a stale move or removal)


def queued(request: Request, entry: QueueEntry) -> Queued:
    if not entry.stale:  # the read model says which to ask about; the domain says what they do
        return Queued(entry, "")
    return Queued(entry, site(request).app.approval_preview(UUID(entry.proposal.id)).merge)


def waiting_for(
    request: Request, slug: str, user: str | None, entries: list[Queued]
) -> list[Queued]:
    """The entries `user` may decide on (four eyes: not their own)."""
    app = site(request).app
    if user is None or not app.may_review(slug, user):
        return []
    return [q for q in entries if app.may_decide(UUID(q.entry.proposal.id), user)]


def queue(request: Request) -> Response:
    slug = request.path_params["slug"]
    show = request.query_params.get("show", "")
    if show not in QUEUE_FILTERS:
        shown = show[:40]
        raise WebError(HTTPStatus.BAD_REQUEST, f"The queue has no filter “{shown}”.")
    user = signed_in(request) if show in ("mine", "waiting", "asked") else current_user(request)
    queries = site(request).queries()
    entries = [queued(request, e) for e in queries.queue(slug)]
    asked = queries.asked_of(user, slug) if user is not None else set()
    chosen = {
        "": entries,
        "mine": [q for q in entries if q.entry.proposal.author == user],
        "waiting": waiting_for(request, slug, user, entries),
        "stale": [q for q in entries if q.entry.stale],
        "asked": [q for q in entries if q.entry.proposal.id in asked],
    }
    delays = queries.review_delays(slug)
    book = queries.outline(slug)
    return render(
        request,
        "queue.html",
        book=book,
        feeds=feed_links(slug, book.title),
        entries=chosen[show],
        counts={name: len(found) for name, found in chosen.items()},
        show=show,
        filters=QUEUE_FILTERS,
        total=len(entries),
        median=statistics.median(delays) if delays else None,
        reviewed=len(delays),
        asked=asked,
    )
