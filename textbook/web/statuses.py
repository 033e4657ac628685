"""What each error means over HTTP: its status, its message and its headers. Every answer to an
error, a page, JSON or a form shown again, takes them from here."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from http import HTTPStatus

from textbook.domain.errors import (
    BookDeleted,
    Conflict,
    InvalidInput,
    LinkRefused,
    NotAllowed,
    NotFound,
    RateLimited,
    TextbookError,
    TokenRefused,
)

STATUS = {
    BookDeleted: HTTPStatus.GONE,  # before NotFound: the first class that matches answers
    LinkRefused: HTTPStatus.GONE,  # a mail's link used, expired or forged: gone for good
    NotFound: HTTPStatus.NOT_FOUND,
    NotAllowed: HTTPStatus.FORBIDDEN,
    Conflict: HTTPStatus.CONFLICT,
    InvalidInput: HTTPStatus.UNPROCESSABLE_ENTITY,
    RateLimited: HTTPStatus.TOO_MANY_REQUESTS,
    TokenRefused: HTTPStatus.UNAUTHORIZED,
}


class WebError(Exception):
    """An error of the request itself, found before the domain is asked (400, 401, 413, 415),
    or of the web's own services (a preview too soon, or busy: 429, 503)."""

    def __init__(
        self,
        status: HTTPStatus,
        message: str,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        for_script: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.headers = headers or {}
        self.for_script = for_script  # answered {"error": message}, for a page's script


def status_of(error: TextbookError | WebError) -> HTTPStatus:
    if isinstance(error, WebError):
        return error.status
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return HTTPStatus.BAD_REQUEST


def headers_of(error: TextbookError | WebError) -> dict[str, str]:
    """The headers an answer to the error carries: when to try again, after a refusal that
    lifts."""
    if isinstance(error, WebError):
        return error.headers
    if isinstance(error, RateLimited):
        return retry_after(error)
    return {}


def retry_after(error: RateLimited) -> dict[str, str]:
    """The Retry-After header for a refusal that lifts at `error.until`."""
    seconds = math.ceil((error.until - datetime.now(UTC)).total_seconds())
    return {"Retry-After": str(max(seconds, 1))}
