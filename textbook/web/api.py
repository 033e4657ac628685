"""The JSON API under /api/: reads for anyone, writes with a bearer token; /openapi.json."""

from __future__ import annotations

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

from textbook.domain.errors import BookNotFound, InvalidInput, ProposalNotFound, SectionNotFound
from textbook.domain.markdown import MAX_SECTION_BYTES
from textbook.domain.proposal import MAX_COMMENT, MAX_MESSAGE, VERDICTS
from textbook.projections.queries import BookOutline, ProposalSummary, ProposalView
from textbook.web.errors import WebError
from textbook.web.site import site

STATUSES = ("open", "approved", "rejected", "withdrawn", "changes_requested")
MAX_REVISION = 2**31 - 1
MAX_TOKEN = 200  # tokens are "tb_" and 43 characters; longer ones are not worth hashing

# Request bodies: the schemas published in /openapi.json are the ones enforced below.
PROPOSAL_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "base_revision": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_REVISION,
            "description": "The section's revision the text was written against.",
        },
        "text": {
            "type": "string",
            "maxLength": MAX_SECTION_BYTES,
            "description": "The whole section in Markdown, from its heading on (at most 512 KB).",
        },
        "message": {"type": "string", "maxLength": MAX_MESSAGE, "default": ""},
    },
    "required": ["base_revision", "text"],
    "additionalProperties": False,
}
REVIEW_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": list(VERDICTS)},
        "comment": {"type": "string", "maxLength": MAX_COMMENT, "default": ""},
    },
    "required": ["verdict"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class EditProposal:
    base_revision: int
    text: str
    message: str


@dataclass(frozen=True)
class Review:
    verdict: str
    comment: str


# Reads.


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
    return JSONResponse(
        {**proposal_json(found), "diff": unified_diff(base, found), "reviews": reviews}
    )


# Writes.


async def propose(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    slug, section_id = section_in(request)
    body = EditProposal(**checked(await json_body(request), PROPOSAL_BODY))
    app = site(request).app
    created = await run_in_threadpool(
        app.propose_edit, slug, section_id, body.text, body.message, name, body.base_revision
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
    status = await run_in_threadpool(app.review, identifier, body.verdict, body.comment, name)
    return JSONResponse(
        {"proposal": str(identifier), "verdict": body.verdict, "status": status},
        HTTPStatus.CREATED,
        {"Location": f"/api/proposals/{identifier}"},
    )


# Requests: who sends them, and what they hold.


def bearer(request: Request) -> str:
    """The name of the user whose token the request carries; 401 without a valid one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise WebError(
            HTTPStatus.UNAUTHORIZED, "This needs a token: send 'Authorization: Bearer <token>'."
        )
    user = site(request).app.user_for_token(token) if len(token) <= MAX_TOKEN else None
    if user is None:
        raise WebError(HTTPStatus.UNAUTHORIZED, "The token is unknown or has been revoked.")
    return user.name


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
    for name, given in value.items():
        check_field(name, given, fields[name])
    return {name: value.get(name, field.get("default")) for name, field in fields.items()}


def check_field(name: str, value: object, schema: dict[str, Any]) -> None:
    if schema["type"] == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"'{name}' must be a whole number.")
        if not schema["minimum"] <= value <= schema["maximum"]:
            raise InvalidInput(
                f"'{name}' must be between {schema['minimum']} and {schema['maximum']}."
            )
        return
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
    return {
        "id": found.id,
        "status": found.status,
        "book": found.book_slug,
        "section": found.section_id,
        "kind": found.kind,
        "author": found.author,
        "base_revision": found.base_revision,
        "message": found.message,
        "opened_at": found.opened_at,
        "updated_at": found.updated_at,
    }


def proposal_json(found: ProposalView) -> dict[str, Any]:
    return {
        "id": found.id,
        "status": found.status,
        "book": found.book_slug,
        "section": found.section_id,
        "kind": found.kind,
        "author": found.author,
        "base_revision": found.base_revision,
        "message": found.message,
        "text": found.text,
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


# The OpenAPI 3.1 document, written by hand; tests check it against the routes and responses.


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_of(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def refusals(*statuses: int) -> dict[str, Any]:
    return {str(status): json_of(REFUSALS[status], ref("Error")) for status in statuses}


def strings(*names: str) -> dict[str, Any]:
    return {name: {"type": "string"} for name in names}


def record(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these properties, all present."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def path_parameter(name: str, description: str) -> dict[str, Any]:
    schema = {"type": "string"}
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


REFUSALS = {
    400: "The body is not valid JSON.",
    401: "No valid token: the response carries 'WWW-Authenticate: Bearer'.",
    403: "Not allowed: not a member or editor of the book, or approving one's own proposal.",
    404: "No such book, section or proposal.",
    409: "A conflict: the section moved on (`current_revision`), or the proposal is closed.",
    413: "The body is over the server's limit.",
    415: "The body is not sent as application/json.",
    422: "The body or a parameter has the wrong shape, or the domain refuses the input.",
}
SLUG = path_parameter("slug", "The book's slug.")
SECTION = path_parameter("section", "The section's id, as in its heading's {#id}.")
PROPOSAL = path_parameter("proposal", "The proposal's UUID; anything else is 404.")
STATUS = {
    "name": "status",
    "in": "query",
    "required": False,
    "description": "Only proposals in this state; 'open' includes those with changes requested.",
    "schema": {"type": "string", "enum": list(STATUSES)},
}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
BOOK = {
    **strings("slug", "title", "subtitle", "language", "license", "description"),
    "updated_at": {"type": "string", "format": "date-time"},
}
PROPOSAL_FIELDS = {
    **strings("id", "book", "section", "author", "message", "text"),
    "status": {"type": "string", "enum": list(STATUSES)},
    "kind": {"type": "string"},
    "base_revision": {"type": "integer"},
    "opened_at": {"type": "string", "format": "date-time"},
}
NULLABLE = {"type": ["string", "null"]}
SCHEMAS: dict[str, Any] = {
    "Error": record(
        {
            "error": {
                "type": "object",
                "properties": {
                    **strings("type", "message"),
                    "current_revision": {"type": "integer"},
                },
                "required": ["type", "message"],
                "additionalProperties": False,
            }
        }
    ),
    "Book": record(BOOK),
    "Outline": record(
        {
            **{key: value for key, value in BOOK.items() if key != "updated_at"},
            "chapters": {"type": "array", "items": ref("Chapter")},
        }
    ),
    "Chapter": record(
        {
            **strings("id", "title"),
            "sections": {"type": "array", "items": ref("SectionSummary")},
        }
    ),
    "SectionSummary": record({**strings("id", "title"), "revision": {"type": "integer"}}),
    "Section": record(
        {
            **strings("id", "title", "chapter"),
            "revision": {"type": "integer"},
            "text": {"type": "string", "description": "The approved Markdown."},
        }
    ),
    "Revision": record(
        {
            **strings("kind", "author", "approver", "message"),
            "revision": {"type": "integer"},
            "proposal_id": NULLABLE,
            "at": {"type": "string", "format": "date-time"},
        }
    ),
    "Proposal": record(PROPOSAL_FIELDS),
    "ProposalSummary": record(
        {
            **{key: value for key, value in PROPOSAL_FIELDS.items() if key != "text"},
            "updated_at": {"type": "string", "format": "date-time"},
        }
    ),
    "ProposalDetail": record(
        {
            **PROPOSAL_FIELDS,
            "diff": {"type": "string", "description": "Unified diff, base text to proposed text."},
            "reviews": {"type": "array", "items": ref("ThreadEntry")},
        }
    ),
    "ThreadEntry": record(
        {**strings("kind", "by", "comment"), "at": {"type": "string", "format": "date-time"}}
    ),
    "ReviewResult": record(
        {
            **strings("proposal", "verdict"),
            "status": {"type": "string", "enum": list(STATUSES)},
        }
    ),
    "EditProposalRequest": PROPOSAL_BODY,
    "ReviewRequest": REVIEW_BODY,
}
LOCATION = {"Location": {"description": "The proposal's address.", "schema": {"type": "string"}}}
OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "textbook",
        "version": "1",
        "description": "Read open textbooks; propose and review changes with a bearer token.",
    },
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "paths": {
        "/api/books": {
            "get": {
                "summary": "The books, by slug.",
                "responses": {
                    "200": json_of("The books.", {"type": "array", "items": ref("Book")})
                },
            }
        },
        "/api/books/{slug}": {
            "get": {
                "summary": "A book's outline: chapters and their sections.",
                "parameters": [SLUG],
                "responses": {"200": json_of("The outline.", ref("Outline")), **refusals(404)},
            }
        },
        "/api/books/{slug}/sections/{section}": {
            "get": {
                "summary": "A section's approved text.",
                "parameters": [SLUG, SECTION],
                "responses": {"200": json_of("The section.", ref("Section")), **refusals(404)},
            }
        },
        "/api/books/{slug}/sections/{section}/history": {
            "get": {
                "summary": "A section's approved revisions, oldest first.",
                "parameters": [SLUG, SECTION],
                "responses": {
                    "200": json_of("The revisions.", {"type": "array", "items": ref("Revision")}),
                    **refusals(404),
                },
            }
        },
        "/api/books/{slug}/sections/{section}/proposals": {
            "post": {
                "summary": "Propose a new text for a section.",
                "security": BEARER,
                "parameters": [SLUG, SECTION],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("EditProposalRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of("The proposal, opened.", ref("Proposal")),
                        "headers": LOCATION,
                    },
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422),
                },
            }
        },
        "/api/books/{slug}/proposals": {
            "get": {
                "summary": "A book's proposals, oldest first; ?status=open is the review queue.",
                "parameters": [SLUG, STATUS],
                "responses": {
                    "200": json_of(
                        "The proposals.", {"type": "array", "items": ref("ProposalSummary")}
                    ),
                    **refusals(404, 422),
                },
            }
        },
        "/api/proposals/{proposal}": {
            "get": {
                "summary": "A proposal, its diff against its base revision, and its thread.",
                "parameters": [PROPOSAL],
                "responses": {
                    "200": json_of("The proposal.", ref("ProposalDetail")),
                    **refusals(404),
                },
            }
        },
        "/api/proposals/{proposal}/reviews": {
            "post": {
                "summary": "Approve, request changes, reject or comment.",
                "security": BEARER,
                "parameters": [PROPOSAL],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ReviewRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of("The review, recorded.", ref("ReviewResult")),
                        "headers": LOCATION,
                    },
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document.",
                "responses": {"200": json_of("OpenAPI 3.1.", {"type": "object"})},
            }
        },
    },
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token from `textbook token create NAME`.",
            }
        },
    },
}

routes = [
    Route("/api/books", books, methods=["GET"]),
    Route("/api/books/{slug}", book, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}", section, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}/history", history, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}/proposals", propose, methods=["POST"]),
    Route("/api/books/{slug}/proposals", proposals, methods=["GET"]),
    Route("/api/proposals/{proposal}", proposal, methods=["GET"]),
    Route("/api/proposals/{proposal}/reviews", review, methods=["POST"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]
