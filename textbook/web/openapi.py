"""The API's OpenAPI 3.1 document, written by hand, and the request body schemas it enforces."""

from __future__ import annotations

from typing import Any

from textbook.domain.markdown import MAX_SECTION_BYTES
from textbook.domain.proposal import MAX_COMMENT, MAX_MESSAGE, VERDICTS

STATUSES = ("open", "approved", "rejected", "withdrawn", "changes_requested")
MAX_REVISION = 2**31 - 1

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


# Reads.


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
