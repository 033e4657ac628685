"""The API of needs: a book's open needs, and marking one on a section with a bearer token."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput
from textbook.projections.queries.needs import NEED_STATES, NeedView
from textbook.web.api_requests import bearer, book_in, checked, json_body, section_in
from textbook.web.bodies import NEED_BODY, NEED_KINDS
from textbook.web.site import site

MAX_DAYS = 36500


def asked(request: Request) -> dict[str, Any]:
    """The list's filters from the query string, each checked (InvalidInput: 422)."""
    params = request.query_params
    kind, chapter, state = params.get("kind"), params.get("chapter"), params.get("state")
    days = params.get("older_than_days")
    if kind is not None and kind not in NEED_KINDS:
        raise InvalidInput(f"'{kind[:40]}' is not a kind; use one of {', '.join(NEED_KINDS)}.")
    if state is not None and state not in NEED_STATES:
        raise InvalidInput("'state' is 'free' or 'taken'.")
    if chapter is not None and (len(chapter) > 200 or "\x00" in chapter):
        raise InvalidInput("'chapter' is a chapter's id: at most 200 characters.")
    older = None
    if days is not None:
        if not (days.isascii() and days.isdigit()) or int(days[:9]) > MAX_DAYS:
            raise InvalidInput(f"'older_than_days' is a whole number from 0 to {MAX_DAYS}.")
        older = int(days)
    return {"kind": kind, "chapter": chapter, "state": state, "older_than_days": older}


def needs(request: Request) -> Response:
    slug = book_in(request)
    found = site(request).queries().needs(slug, **asked(request), now=site(request).app.clock())
    return JSONResponse([need_json(need) for need in found])


async def mark(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    slug, section_id = section_in(request)
    body = checked(await json_body(request), NEED_BODY)
    return await run_in_threadpool(marking, request, name, slug, section_id, body)


def marking(
    request: Request, name: str, slug: str, section_id: str, body: dict[str, Any]
) -> Response:
    the_site = site(request)
    created: UUID = the_site.app.mark_need(slug, section_id, body["kind"], body["reason"], name)
    found = the_site.queries().need(created, now=the_site.app.clock())
    return JSONResponse(need_json(found), HTTPStatus.CREATED)


def need_json(need: NeedView) -> dict[str, Any]:
    return {
        "id": str(need.id),
        "book": need.book_slug,
        "chapter": need.chapter_id,
        "section": need.section_id,
        "kind": need.kind.value,
        "reason": need.reason,
        "opened_by": need.opened_by,
        "quote": need.quote,
        "opened_at": need.opened_at.isoformat(),
        "holder": need.holder,
        "taken_until": need.taken_until.isoformat() if need.taken_until else None,
        "is_open": need.is_open,
        "answers": [str(proposal) for proposal in need.answers],
    }


routes = [
    Route("/api/books/{slug}/needs", needs, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}/needs", mark, methods=["POST"]),
]
