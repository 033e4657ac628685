"""Forms: reading what a request names, and showing a refused form again, with why and with
what the person typed."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from textbook.domain.errors import ProposalNotFound, TextbookError
from textbook.web.pages import render
from textbook.web.statuses import WebError, headers_of, status_of


def refused(
    request: Request,
    template: str,
    error: TextbookError | WebError,
    /,
    *,
    status: int | None = None,
    said: str | None = None,
    **typed: Any,
) -> Response:
    """The form in `template` again, saying why it was refused (`said` may word it for the
    form), with the status the error handler would answer (unless `status` says otherwise) and
    what the person typed (`typed`, with the rest of the page's context): nothing is lost."""
    said = error.message if said is None else said
    response = render(request, template, status or int(status_of(error)), **typed | {"error": said})
    response.headers.update(headers_of(error))
    return response


def proposal_id(request: Request) -> UUID:
    try:
        return UUID(request.path_params["proposal"])
    except ValueError:
        raise ProposalNotFound(request.path_params["proposal"][:60]) from None


def parse_revision(value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:  # else int() may raise
        raise WebError(HTTPStatus.BAD_REQUEST, "The base revision must be a whole number.")
    return int(value)


def parse_version(value: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise WebError(HTTPStatus.BAD_REQUEST, "The version must be a whole number.")
    return int(value)
