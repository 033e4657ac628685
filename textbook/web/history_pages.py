"""Pages of a book's past: its changes, the history of a section (or the whole book), one
revision at its permanent address, and who wrote each line (blame)."""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from textbook.projections.queries import Revision
from textbook.web.diffs import word_diff
from textbook.web.errors import WebError
from textbook.web.feeds import feed_links
from textbook.web.pages import render
from textbook.web.site import site

HISTORY_PAGE = 50  # revisions on one page of a history
IMPORT_RUN = 5.0  # seconds: imported revisions closer than this were one import


def changes(request: Request) -> Response:
    slug = request.path_params["slug"]
    queries = site(request).queries()
    outline = queries.outline(slug)
    revisions = [r for r in reversed(queries.history(slug)) if r.proposal_id or r.kind != "created"]
    return render(
        request,
        "changes.html",
        book=outline,
        revisions=revisions[:200],
        feeds=feed_links(slug, outline.title),
    )


def history(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params.get("section")
    queries = site(request).queries()
    outline = queries.outline(slug)
    moments = shown_at(queries.history(slug))
    entries = list(reversed(history_entries(queries.history(slug, section_id), moments)))
    pages = max(1, -(-len(entries) // HISTORY_PAGE))
    number = page_number(request, pages)
    return render(
        request,
        "history.html",
        book=outline,
        section_id=section_id,
        removed=bool(section_id) and entries[0]["revision"].kind == "removed",
        entries=entries[(number - 1) * HISTORY_PAGE : number * HISTORY_PAGE],
        page=number,
        pages=pages,
        total=len(entries),
        **forked_from(request, slug),
        details=[] if section_id else list(reversed(queries.details_history(slug)))[:5],
        feeds=feed_links(slug, outline.title),
    )


def forked_from(request: Request, slug: str) -> dict[str, Any]:
    """Where the book was forked from, for the history's first line: the upstream as it was."""
    upstream = site(request).queries().upstream(slug)
    if upstream is None:
        return {"upstream": None}
    moment = urlencode({"as_of": upstream.forked_at})
    return {"upstream": upstream, "upstream_href": f"/books/{upstream.slug}?{moment}"}


def revision(request: Request) -> Response:
    """One revision of a section, at its permanent address."""
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    queries = site(request).queries()
    outline = queries.outline(slug)
    wanted = request.path_params["revision"]
    entries = [
        e
        for e in history_entries(queries.history(slug, section_id), shown_at(queries.history(slug)))
        if str(e["revision"].revision) == wanted and e["revision"].kind != "removed"
    ]
    if not entries:
        raise WebError(
            HTTPStatus.NOT_FOUND, f"The section '{section_id}' has no revision {wanted[:20]}."
        )
    return render(request, "revision.html", book=outline, section_id=section_id, entry=entries[0])


def history_entries(revisions: list[Revision], moments: dict[str, str]) -> list[dict[str, Any]]:
    """Each revision with its word diff against the one before it, oldest first, and the
    moment whose book shows it (`moment`)."""
    previous: dict[str, str] = {}
    entries = []
    for revision in revisions:
        before = previous.get(revision.section_id, "")
        diff = word_diff(before, revision.text)
        moment = moments.get(key_of(revision), revision.at)
        entries.append({"revision": revision, "diff": diff, "moment": moment})
        previous[revision.section_id] = revision.text
    return entries


def key_of(revision: Revision) -> str:
    return f"{revision.section_id} {revision.revision} {revision.kind}"


def shown_at(revisions: list[Revision]) -> dict[str, str]:
    """When the book first shows each revision (oldest first): its own moment, except that an
    import (or a fork, or a remix) records its sections one after another in one go, and the
    book it made is whole only at the last of them (earlier, later chapters had no text yet)."""
    moments = [r.at for r in revisions]
    for n in range(len(revisions) - 2, -1, -1):
        this, after = revisions[n], revisions[n + 1]
        if imported(this) and imported(after) and seconds_between(this.at, after.at) < IMPORT_RUN:
            moments[n] = moments[n + 1]
    return {key_of(r): moment for r, moment in zip(revisions, moments, strict=True)}


def imported(revision: Revision) -> bool:
    """Made without a proposal, section after section in one go: an import, a fork, a remix."""
    return revision.proposal_id is None


def seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def page_number(request: Request, pages: int) -> int:
    value = request.query_params.get("page", "1")
    if not value.isdigit() or not 1 <= int(value) <= pages:
        raise WebError(
            HTTPStatus.NOT_FOUND, f"There is no page {value[:20]}: the pages are 1 to {pages}."
        )
    return int(value)


def blame(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    queries = site(request).queries()
    return render(
        request,
        "blame.html",
        book=queries.outline(slug),
        section=queries.section(slug, section_id),
        lines=queries.blame(slug, section_id),
    )


routes = [
    Route("/books/{slug}/changes", changes, name="changes"),
    Route("/books/{slug}/history", history, name="history"),
    Route("/books/{slug}/sections/{section}/history", history, name="section_history"),
    Route("/books/{slug}/sections/{section}/blame", blame, name="blame"),
    Route("/books/{slug}/sections/{section}/revisions/{revision}", revision, name="revision"),
]
