"""The one place that turns errors into HTTP statuses: a page for people, JSON under /api/."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from eventsourcing.persistence import OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Mount, Route

from textbook.domain.errors import (
    BreaksReferences,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    ProposalChanged,
    RateLimited,
    StaleBaseRevision,
    TextbookError,
    TextProblems,
    TokenRefused,
)

log = logging.getLogger("textbook.web")

STATUS = {
    NotFound: HTTPStatus.NOT_FOUND,
    NotAllowed: HTTPStatus.FORBIDDEN,
    Conflict: HTTPStatus.CONFLICT,
    InvalidInput: HTTPStatus.UNPROCESSABLE_ENTITY,
    RateLimited: HTTPStatus.TOO_MANY_REQUESTS,
    TokenRefused: HTTPStatus.UNAUTHORIZED,
}


class WebError(Exception):
    """An error of the request itself, found before the domain is asked (400, 401, 413, 415)."""

    def __init__(self, status: HTTPStatus, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


def status_of(error: TextbookError) -> HTTPStatus:
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return HTTPStatus.BAD_REQUEST


def retry_after(error: RateLimited) -> dict[str, str]:
    """The Retry-After header for a refusal that lifts at `error.until`."""
    seconds = math.ceil((error.until - datetime.now(UTC)).total_seconds())
    return {"Retry-After": str(max(seconds, 1))}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: HTTPStatus, message: str, **extra: Any) -> Response:
    if wants_json(request):
        body = {"error": {"type": extra.pop("type", status.phrase), "message": message, **extra}}
        headers = {"WWW-Authenticate": "Bearer"} if status == HTTPStatus.UNAUTHORIZED else None
        return JSONResponse(body, status_code=status, headers=headers)
    from textbook.web.pages import render  # pages need sessions, which need these errors

    return render(
        request, "error.html", int(status), phrase=status.phrase, message=message, code=int(status)
    )


async def textbook_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TextbookError)
    extra: dict[str, Any] = {"type": type(exc).__name__}
    if isinstance(exc, StaleBaseRevision):
        extra["current_revision"] = exc.current_revision
    if isinstance(exc, TextProblems):
        extra["problems"] = [vars(problem) for problem in exc.problems]
    if isinstance(exc, BreaksReferences):
        extra["references"] = [vars(reference) for reference in exc.references]
    if isinstance(exc, ProposalChanged):
        extra["read_version"] = exc.read_version
        extra["current_version"] = exc.current_version
    response = error_response(request, status_of(exc), exc.message, **extra)
    if isinstance(exc, RateLimited):
        response.headers.update(retry_after(exc))
    return response


async def web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    extra = {"type": exc.kind} if exc.kind else {}
    return error_response(request, exc.status, exc.message, **extra)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = HTTPStatus(exc.status_code)
    message = exc.detail if exc.detail != status.phrase else default_message(status)
    response = error_response(request, status, message)
    response.headers.update(exc.headers or {})  # such as Allow, which Starlette sets on a 405
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        response.headers["Allow"] = allowed_methods(request) or response.headers.get("Allow", "")
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


async def store_busy(request: Request, exc: Exception) -> Response:
    """The database did not answer in time (a lock held too long, a restart): nothing changed."""
    log.warning("store busy on %s %s: %s", request.method, request.url.path, exc)
    response = error_response(
        request,
        HTTPStatus.SERVICE_UNAVAILABLE,
        "The store is busy; nothing was changed. Please try again in a moment.",
    )
    response.headers["Retry-After"] = "2"
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(
        request, HTTPStatus.INTERNAL_SERVER_ERROR, "Something went wrong on our side."
    )


def default_message(status: HTTPStatus) -> str:
    return {
        HTTPStatus.NOT_FOUND: "There is no page at this address.",
        HTTPStatus.METHOD_NOT_ALLOWED: "This address does not accept that method.",
    }.get(status, status.description)


HANDLERS = {
    TextbookError: textbook_error,
    WebError: web_error,
    HTTPException: http_error,
    OperationalError: store_busy,
    Exception: server_error,
}
