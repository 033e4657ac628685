"""The one place that turns errors into HTTP statuses: a page for people, JSON under /api/."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from textbook.domain.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleBaseRevision,
    TextbookError,
)

log = logging.getLogger("textbook.web")

STATUS = {
    NotFound: HTTPStatus.NOT_FOUND,
    NotAllowed: HTTPStatus.FORBIDDEN,
    Conflict: HTTPStatus.CONFLICT,
    InvalidInput: HTTPStatus.UNPROCESSABLE_ENTITY,
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
    return error_response(request, status_of(exc), exc.message, **extra)


async def web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    extra = {"type": exc.kind} if exc.kind else {}
    return error_response(request, exc.status, exc.message, **extra)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = HTTPStatus(exc.status_code)
    message = exc.detail if exc.detail != status.phrase else default_message(status)
    return error_response(request, status, message)


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
    Exception: server_error,
}
