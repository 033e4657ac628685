"""The API of forks: fork a book (POST /api/books/{slug}/forks), and what changed in a fork's
upstream since it took each section (GET /api/books/{slug}/upstream)."""

from __future__ import annotations

import difflib
from http import HTTPStatus
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from textbook.domain.details import checked_slug
from textbook.domain.sync import ChangeKind, UpstreamChange
from textbook.web.api_requests import bearer, book_in, checked, json_body
from textbook.web.bodies import FORK_BODY
from textbook.web.forks import check_fork_rate
from textbook.web.site import site


async def fork(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    slug = book_in(request)
    body = checked(await json_body(request), FORK_BODY)
    return await run_in_threadpool(forking, request, name, slug, body["slug"], body["title"])


def forking(request: Request, name: str, slug: str, new_slug: str, title: str) -> Response:
    checked_slug(new_slug)  # a request that cannot succeed is not counted
    check_fork_rate(request, name)
    report = site(request).app.fork_book(slug, new_slug, name, title.strip() or None)
    outline = site(request).queries().outline(report.slug)
    return JSONResponse(
        {
            "slug": report.slug,
            "title": outline.title,
            "upstream": report.upstream,
            "sections": report.sections,
            "images": report.images,
        },
        HTTPStatus.CREATED,
        {"Location": f"/api/books/{report.slug}"},
    )


def upstream(request: Request) -> Response:
    slug = book_in(request)
    the_site = site(request)
    origin = the_site.queries().upstream(slug)
    if origin is None:
        return JSONResponse({"upstream": None, "changes": []})
    changes = the_site.app.upstream_changes(slug)
    return JSONResponse(
        {
            "upstream": {
                "slug": origin.slug,
                "title": origin.title,
                "licence": origin.licence,
                "forked_by": origin.forked_by,
                "forked_at": origin.forked_at,
            },
            "changes": [change_json(origin.slug, change) for change in changes],
        }
    )


def change_json(origin: str, change: UpstreamChange) -> dict[str, Any]:
    taken = f"{origin}/{change.section_id}@{change.taken_revision}"
    current = f"{origin}/{change.section_id}@{change.upstream_revision}"
    lines = difflib.unified_diff(
        change.base.splitlines(),
        change.upstream.splitlines(),
        fromfile=taken if change.kind is not ChangeKind.ADDED else "/dev/null",
        tofile=current if change.kind is not ChangeKind.REMOVED else "/dev/null",
        lineterm="",
    )
    return {
        "section": change.section_id,
        "kind": str(change.kind),
        "title": change.title,
        "taken_revision": change.taken_revision,
        "upstream_revision": change.upstream_revision,
        "fork_changed": change.fork_changed,
        "conflict": change.conflict,
        "diff": "".join(line + "\n" for line in lines),
    }


routes = [
    Route("/api/books/{slug}/forks", fork, methods=["POST"]),
    Route("/api/books/{slug}/upstream", upstream, methods=["GET"]),
]
