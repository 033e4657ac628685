"""The one place that answers errors: each error's status (from textbook.web.statuses) picks
the answer, a page for people, JSON under /api/ (and for a page's script)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from eventsourcing.persistence import OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Mount, Route

from textbook.domain.errors import (
    BreaksReferences,
    ProposalChanged,
    StaleBaseRevision,
    TextbookError,
    TextProblems,
)
from textbook.web.pages import render
from textbook.web.signin import SignInFirst, sign_in_first
from textbook.web.statuses import WebError as WebError
from textbook.web.statuses import headers_of
from textbook.web.statuses import retry_after as retry_after
from textbook.web.statuses import status_of as status_of

log = logging.getLogger("textbook.web")
BUSY = "The store is busy; nothing was changed. Please try again in a moment."


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: HTTPStatus, message: str, **extra: Any) -> Response:
    if wants_json(request):
        body = {"error": {"type": extra.pop("type", status.phrase), "message": message, **extra}}
        headers = {"WWW-Authenticate": "Bearer"} if status == HTTPStatus.UNAUTHORIZED else None
        return JSONResponse(body, status_code=status, headers=headers)
    return render(
        request, "error.html", int(status), phrase=status.phrase, message=message, code=int(status)
    )


def answer(exc: Exception, request: Request) -> tuple[HTTPStatus, str, dict[str, Any]]:
    """The status, message and extra fields (for JSON) that answer `exc`."""
    if isinstance(exc, TextbookError):
        return status_of(exc), exc.message, {"type": type(exc).__name__, **details(exc)}
    if isinstance(exc, WebError):
        return exc.status, exc.message, {"type": exc.kind} if exc.kind else {}
    if isinstance(exc, HTTPException):
        status = HTTPStatus(exc.status_code)
        return status, exc.detail if exc.detail != status.phrase else default_message(status), {}
    if isinstance(exc, OperationalError):
        # The database did not answer in time (a lock held too long, a restart).
        log.warning("store busy on %s %s: %s", request.method, request.url.path, exc)
        return HTTPStatus.SERVICE_UNAVAILABLE, BUSY, {}
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return HTTPStatus.INTERNAL_SERVER_ERROR, "Something went wrong on our side.", {}


def details(exc: TextbookError) -> dict[str, Any]:
    """What a program needs beyond the message to act on a refusal."""
    if isinstance(exc, StaleBaseRevision):
        return {"current_revision": exc.current_revision}
    if isinstance(exc, TextProblems):
        return {"problems": [vars(problem) for problem in exc.problems]}
    if isinstance(exc, BreaksReferences):
        return {"references": [vars(reference) for reference in exc.references]}
    if isinstance(exc, ProposalChanged):
        return {"read_version": exc.read_version, "current_version": exc.current_version}
    return {}


async def handle(request: Request, exc: Exception) -> Response:
    """The one handler: every error, answered by its status."""
    status, message, extra = answer(exc, request)
    if isinstance(exc, WebError) and exc.for_script:
        response: Response = JSONResponse({"error": message}, status_code=status)
    else:
        response = error_response(request, status, message, **extra)
    if isinstance(exc, TextbookError | WebError):
        response.headers.update(headers_of(exc))
    elif isinstance(exc, HTTPException):
        response.headers.update(exc.headers or {})  # such as Allow, which Starlette sets on a 405
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            response.headers["Allow"] = allowed_methods(request) or response.headers.get(
                "Allow", ""
            )
    elif isinstance(exc, OperationalError):
        response.headers["Retry-After"] = "2"
    return response


def allowed_methods(request: Request) -> str:
    """Every method some route accepts at this path.

    Starlette's 405 names only the methods of the first route that matched the path, and a page
    with a form has one route for GET and another for POST.
    """
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.NONE:
            continue
        if isinstance(route, Route):
            methods |= route.methods or set()
        elif isinstance(route, Mount):  # static files
            methods |= {"GET", "HEAD"}
    return ", ".join(sorted(methods))


def default_message(status: HTTPStatus) -> str:
    return {
        HTTPStatus.NOT_FOUND: "There is no page at this address.",
        HTTPStatus.METHOD_NOT_ALLOWED: "This address does not accept that method.",
    }.get(status, status.description)


HANDLERS = {
    TextbookError: handle,
    WebError: handle,
    HTTPException: handle,
    OperationalError: handle,
    Exception: handle,
    SignInFirst: sign_in_first,  # not an error: the way to a page that needs a person
}
