"""The JSON API under /api/: reads for anyone, writes with a bearer token; /openapi.json."""

from __future__ import annotations

import base64
import binascii
import difflib
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from textbook.domain.errors import (
    BookNotFound,
    InvalidInput,
    ProposalNotFound,
    SectionNotFound,
    TokenRefused,
)
from textbook.domain.state import ImageRef
from textbook.projections.queries import BookOutline, ProposalSummary, ProposalView
from textbook.storage import blob_store
from textbook.web.errors import WebError
from textbook.web.openapi import (
    IMAGE_BODY,
    OPENAPI,
    PROPOSAL_BODY,
    REVIEW_BODY,
    REVISION_BODY,
    STATUSES,
)
from textbook.web.site import site

MAX_TOKEN = 200  # tokens are "tb_" and 43 characters; longer ones are not worth hashing


@dataclass(frozen=True)
class EditProposal:
    base_revision: int
    text: str
    message: str
    images: list[dict[str, str]]

    def uploads(self) -> list[tuple[str, bytes]]:
        return [(image["name"], decoded(image["data"])) for image in self.images]


def decoded(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("'data' is not base64.") from None


@dataclass(frozen=True)
class Review:
    verdict: str
    comment: str
    version: int | None
    break_references: bool


@dataclass(frozen=True)
class Revision:
    text: str
    message: str
    base_revision: int | None


def books(request: Request) -> Response:
    return JSONResponse([book_json(book) for book in site(request).queries().books()])


def book(request: Request) -> Response:
    outline = site(request).queries().outline(book_in(request))
    chapters = [
        {
            "id": chapter.id,
            "title": chapter.title,
            "sections": [
                {"id": s.id, "title": s.title, "revision": s.revision} for s in chapter.sections
            ],
        }
        for chapter in outline.chapters
    ]
    summary = book_json(outline)
    del summary["updated_at"]
    return JSONResponse({**summary, "chapters": chapters})


def section(request: Request) -> Response:
    slug, section_id = section_in(request)
    found = site(request).queries().section(slug, section_id)
    return JSONResponse(
        {
            "id": found.id,
            "title": found.title,
            "chapter": found.chapter,
            "revision": found.revision,
            "text": found.text,
        }
    )


def history(request: Request) -> Response:
    slug, section_id = section_in(request)
    revisions = site(request).queries().history(slug, section_id)
    return JSONResponse(
        [
            {
                "revision": r.revision,
                "kind": r.kind,
                "author": r.author,
                "approver": r.approver,
                "proposal_id": r.proposal_id,
                "message": r.message,
                "at": r.at,
            }
            for r in revisions
        ]
    )


def proposals(request: Request) -> Response:
    status = request.query_params.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"'{status[:40]}' is not a status; use one of {', '.join(STATUSES)}.")
    found = site(request).queries().proposals(book_in(request), status)
    return JSONResponse([summary_json(p) for p in found])


def proposal(request: Request) -> Response:
    identifier = proposal_in(request)
    queries = site(request).queries()
    found = queries.proposal(str(identifier))
    base = ""
    if found.kind == "edit":
        base = queries.revision_text(found.book_slug, found.section_id, found.base_revision) or ""
    reviews = [
        {"kind": t.kind, "by": t.by, "comment": t.comment, "at": t.at}
        for t in queries.thread(str(identifier))
    ]
    images = [image_json(image) for image in queries.proposal_images(str(identifier))]
    return JSONResponse(
        {
            **proposal_json(found),
            "diff": unified_diff(base, found),
            "reviews": reviews,
            "images": images,
        }
    )


def image_json(image: ImageRef) -> dict[str, Any]:
    return {
        "name": image.name,
        "sha256": image.sha256,
        "media_type": image.media_type,
        "size": image.size,
    }


# Writes.


async def propose(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    slug, section_id = section_in(request)
    body = EditProposal(**checked(await json_body(request), PROPOSAL_BODY))
    app = site(request).app
    created = await run_in_threadpool(
        lambda: app.propose_edit(
            slug,
            section_id,
            body.text,
            body.message,
            name,
            body.base_revision,
            body.uploads(),
            blob_store(app).put,
        )
    )
    found = await run_in_threadpool(lambda: site(request).queries().proposal(str(created)))
    return JSONResponse(
        proposal_json(found), HTTPStatus.CREATED, {"Location": f"/api/proposals/{created}"}
    )


async def review(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    identifier = proposal_in(request)
    body = Review(**checked(await json_body(request), REVIEW_BODY))
    app = site(request).app
    status = await run_in_threadpool(
        app.review,
        identifier,
        body.verdict,
        body.comment,
        name,
        body.version,
        body.break_references,
    )
    return JSONResponse(
        {"proposal": str(identifier), "verdict": body.verdict, "status": status},
        HTTPStatus.CREATED,
        {"Location": f"/api/proposals/{identifier}"},
    )


async def revise(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    identifier = proposal_in(request)
    body = Revision(**checked(await json_body(request), REVISION_BODY))
    app = site(request).app
    await run_in_threadpool(
        app.revise_proposal, identifier, body.text, body.message, name, body.base_revision
    )
    found = await run_in_threadpool(lambda: site(request).queries().proposal(str(identifier)))
    return JSONResponse(
        proposal_json(found), HTTPStatus.CREATED, {"Location": f"/api/proposals/{identifier}"}
    )


async def withdraw(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    identifier = proposal_in(request)
    await run_in_threadpool(site(request).app.withdraw, identifier, name)
    found = await run_in_threadpool(lambda: site(request).queries().proposal(str(identifier)))
    return JSONResponse(proposal_json(found))


async def attach(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    identifier = proposal_in(request)
    body = checked(await json_body(request), IMAGE_BODY)
    data = decoded(body["data"])
    app = site(request).app
    image = await run_in_threadpool(
        app.attach_image, identifier, body["name"], data, name, blob_store(app).put
    )
    return JSONResponse(image_json(image), HTTPStatus.CREATED)


# Requests: who sends them, and what they hold.


def bearer(request: Request) -> str:
    """The name of the user whose token the request carries; 401 without a valid one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise WebError(
            HTTPStatus.UNAUTHORIZED, "This needs a token: send 'Authorization: Bearer <token>'."
        )
    if len(token) > MAX_TOKEN:
        raise WebError(HTTPStatus.UNAUTHORIZED, "The token is unknown or has been revoked.")
    try:
        return site(request).app.user_for_token(token).name
    except TokenRefused as refused:
        kind = "TokenExpired" if refused.expired else None
        raise WebError(HTTPStatus.UNAUTHORIZED, refused.message, kind) from None


def book_in(request: Request) -> str:
    slug: str = request.path_params["slug"]
    if "\x00" in slug:  # PostgreSQL refuses NUL even in a query's parameters
        raise BookNotFound(slug[:60])
    return slug


def section_in(request: Request) -> tuple[str, str]:
    slug, section_id = book_in(request), request.path_params["section"]
    if "\x00" in section_id:
        raise SectionNotFound(slug, section_id[:60])
    return slug, section_id


def proposal_in(request: Request) -> UUID:
    try:
        return UUID(request.path_params["proposal"])
    except ValueError:
        raise ProposalNotFound(request.path_params["proposal"][:60]) from None


async def json_body(request: Request) -> object:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise WebError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "Send the body as JSON, with 'Content-Type: application/json'.",
        )
    body = await request.body()
    try:
        return json.loads(body, parse_constant=not_json)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise WebError(HTTPStatus.BAD_REQUEST, "The body is not valid JSON.") from None


def not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def checked(value: object, schema: dict[str, Any]) -> dict[str, Any]:
    """The body's fields, with defaults, once they conform to `schema` (InvalidInput if not)."""
    if not isinstance(value, dict):
        raise InvalidInput("The body must be a JSON object.")
    fields: dict[str, Any] = schema["properties"]
    unknown = [key[:40] for key in value if key not in fields]
    if unknown:
        raise InvalidInput(f"Unknown field '{unknown[0]}': this takes only {', '.join(fields)}.")
    for name in schema["required"]:
        if name not in value:
            raise InvalidInput(f"The field '{name}' is missing.")
    sent = {name: checked_field(name, given, fields[name]) for name, given in value.items()}
    return {name: sent.get(name, field.get("default")) for name, field in fields.items()}


def checked_field(name: str, value: object, schema: dict[str, Any]) -> object:
    if schema["type"] == "integer":
        return checked_integer(name, value, schema)
    if schema["type"] == "boolean":
        if not isinstance(value, bool):
            raise InvalidInput(f"'{name}' must be true or false.")
        return value
    if schema["type"] == "array":
        if not isinstance(value, list):
            raise InvalidInput(f"'{name}' must be an array.")
        if len(value) > schema["maxItems"]:
            raise InvalidInput(f"'{name}' has {len(value)} items; at most {schema['maxItems']}.")
        return [checked(item, schema["items"]) for item in value]
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string.")
    if "enum" in schema and value not in schema["enum"]:
        raise InvalidInput(
            f"'{value[:40]}' is not a {name}; use one of {', '.join(schema['enum'])}."
        )
    if len(value) > schema.get("maxLength", len(value)):
        raise InvalidInput(
            f"'{name}' has {len(value):,} characters; at most {schema['maxLength']:,}."
        )
    # Lone surrogates cannot be stored as UTF-8, nor NUL in a PostgreSQL text column.
    if "\x00" in value or not encodable(value):
        raise InvalidInput(f"'{name}' holds characters that are not text (NUL or lone surrogates).")
    return value


def checked_integer(name: str, value: object, schema: dict[str, Any]) -> int:
    """JSON Schema's integer: 2 and 2.0 alike, never true or 2.5."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"'{name}' must be a whole number.")
    if not schema["minimum"] <= value <= schema["maximum"]:
        raise InvalidInput(f"'{name}' must be between {schema['minimum']} and {schema['maximum']}.")
    return value


def encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


# Responses.


def book_json(outline: BookOutline) -> dict[str, Any]:
    return {
        "slug": outline.slug,
        "title": outline.title,
        "subtitle": outline.subtitle,
        "language": outline.language,
        "license": outline.license,
        "description": outline.description,
        "updated_at": outline.updated_at,
    }


def summary_json(found: ProposalSummary) -> dict[str, Any]:
    return {**proposal_fields(found), "updated_at": found.updated_at}


def proposal_json(found: ProposalView) -> dict[str, Any]:
    return {**proposal_fields(found), "text": found.text}


def proposal_fields(found: ProposalSummary | ProposalView) -> dict[str, Any]:
    """What a proposal in a list and a proposal on its own both show."""
    return {
        "id": found.id,
        "status": found.status,
        "book": found.book_slug,
        "section": found.section_id,
        "kind": found.kind,
        "author": found.author,
        "base_revision": found.base_revision,
        "version": found.version,
        "message": found.message,
        "opened_at": found.opened_at,
    }


def unified_diff(base: str, found: ProposalView) -> str:
    """The proposal as a unified diff of the base revision's text to the proposed text."""
    lines = difflib.unified_diff(
        base.splitlines(),
        found.text.splitlines(),
        fromfile=f"{found.section_id}@{found.base_revision}" if base else "/dev/null",
        tofile=f"{found.section_id}@proposal",
        lineterm="",
    )
    return "".join(line + "\n" for line in lines)


def openapi(request: Request) -> Response:
    return JSONResponse(OPENAPI)


routes = [
    Route("/api/books", books, methods=["GET"]),
    Route("/api/books/{slug}", book, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}", section, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}/history", history, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}/proposals", propose, methods=["POST"]),
    Route("/api/books/{slug}/proposals", proposals, methods=["GET"]),
    Route("/api/proposals/{proposal}", proposal, methods=["GET"]),
    Route("/api/proposals/{proposal}/reviews", review, methods=["POST"]),
    Route("/api/proposals/{proposal}/revisions", revise, methods=["POST"]),
    Route("/api/proposals/{proposal}/withdraw", withdraw, methods=["POST"]),
    Route("/api/proposals/{proposal}/images", attach, methods=["POST"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]
