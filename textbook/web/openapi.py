"""The API's OpenAPI 3.1 document, written by hand; its request bodies are in
textbook.web.bodies, the schemas the API enforces."""

from __future__ import annotations

from typing import Any

from textbook.projections.queries.needs import NEED_STATES
from textbook.web.bodies import ASK_REVIEW_BODY as ASK_REVIEW_BODY
from textbook.web.bodies import BOOK_BODY as BOOK_BODY
from textbook.web.bodies import DETAILS_BODY as DETAILS_BODY
from textbook.web.bodies import FORK_BODY as FORK_BODY
from textbook.web.bodies import IMAGE_BODY as IMAGE_BODY
from textbook.web.bodies import KINDS, NEED_KINDS, STATUSES, VERDICTS
from textbook.web.bodies import NEED_BODY as NEED_BODY
from textbook.web.bodies import NEW_CHAPTER_BODY as NEW_CHAPTER_BODY
from textbook.web.bodies import NEW_SECTION_BODY as NEW_SECTION_BODY
from textbook.web.bodies import PROPOSAL_BODY as PROPOSAL_BODY
from textbook.web.bodies import REVIEW_BODY as REVIEW_BODY
from textbook.web.bodies import REVISION_BODY as REVISION_BODY

# The OpenAPI 3.1 document; tests check it against the routes and responses.

# The OpenAPI 3.1 document, written by hand; tests check it against the routes and responses.


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_of(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def refusals(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {**json_of(REFUSALS[status], ref("Error")), **REFUSAL_HEADERS.get(status, {})}
        for status in statuses
    }


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


def path_parameter(name: str, description: str, example: str, **schema: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", **schema},
        "example": example,
    }


REFUSALS = {
    400: "The body is not valid JSON.",
    401: "No valid token: the response carries 'WWW-Authenticate: Bearer'.",
    403: "Not allowed: not a member or editor of the book, or deciding on one's own proposal.",
    404: "No such book, section or proposal.",
    409: (
        "A conflict: the section moved on (`current_revision`), the proposal changed since the"
        " reviewer read it (`read_version`, `current_version`), approving would break links"
        " elsewhere (`references`), or the proposal is closed."
    ),
    410: "The book was deleted by the person who started it; its address stays taken.",
    413: "The body is over the server's limit.",
    415: "The body is not sent as application/json.",
    422: (
        "The body or a parameter has the wrong shape, or the domain refuses the input (text that"
        " would publish broken lists its `problems`, each with its line)."
    ),
    429: (
        "Too many books started (a day) or forked (an hour) by this person: retry after"
        " `Retry-After` seconds."
    ),
    503: "The store is busy (a lock held too long); nothing changed: retry after `Retry-After`.",
}
CHALLENGE = {"description": "Always 'Bearer'.", "required": True, "schema": {"const": "Bearer"}}
RETRY = {"description": "Seconds to wait.", "required": True, "schema": {"type": "string"}}
REFUSAL_HEADERS = {
    401: {"headers": {"WWW-Authenticate": CHALLENGE}},
    429: {"headers": {"Retry-After": RETRY}},
    503: {"headers": {"Retry-After": RETRY}},
}
SLUG = path_parameter("slug", "The book's slug.", "numerical-methods")
SECTION = path_parameter("section", "The section's id, as in its heading's {#id}.", "bisection")
CHAPTER = path_parameter("chapter", "The chapter's id, as in its heading's {#id}.", "root-finding")
PROPOSAL = path_parameter(
    "proposal",
    "The proposal's UUID; anything else is 404.",
    "5b0c6f9e-3c1a-4d2b-9e8f-7a6b5c4d3e2f",
    format="uuid",
)
STATUS = {
    "name": "status",
    "in": "query",
    "required": False,
    "description": "Only proposals in this state; 'open' includes those with changes requested.",
    "schema": {"type": "string", "enum": list(STATUSES)},
}
NEED_FILTERS = [
    {
        "name": "kind",
        "in": "query",
        "required": False,
        "description": "Only needs of this kind.",
        "schema": {"type": "string", "enum": list(NEED_KINDS)},
    },
    {
        "name": "chapter",
        "in": "query",
        "required": False,
        "description": "Only needs in this chapter (its id).",
        "schema": {"type": "string", "maxLength": 200, "pattern": "^[^\\x00]*$"},
    },
    {
        "name": "state",
        "in": "query",
        "required": False,
        "description": "'free': nobody is on it; 'taken': someone is.",
        "schema": {"type": "string", "enum": list(NEED_STATES)},
    },
    {
        "name": "older_than_days",
        "in": "query",
        "required": False,
        "description": "Only needs open for at least this many days.",
        "schema": {"type": "integer", "minimum": 0, "maximum": 36500},
    },
]
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
NAMES = {"type": "array", "items": {"type": "string"}}
BOOK = {
    **strings("slug", "title", "subtitle", "language", "license", "description"),
    "license_name": {
        "type": "string",
        "description": "The licence in words: 'Creative Commons Attribution 4.0 International"
        " (CC BY 4.0)'.",
    },
    **strings("publisher", "isbn"),
    "authors": NAMES,
    "editors": NAMES,
    "updated_at": {"type": "string", "format": "date-time"},
}
UUID = {"type": "string", "format": "uuid"}
PROPOSAL_FIELDS = {
    **strings("book", "section", "author", "message", "text"),
    "id": UUID,
    "status": {"type": "string", "enum": list(STATUSES)},
    "kind": {"type": "string", "enum": list(KINDS)},
    "base_revision": {"type": "integer"},
    "version": {
        "type": "integer",
        "minimum": 1,
        "description": "1 when opened; each revision adds one. Approving names it.",
    },
    "opened_at": {"type": "string", "format": "date-time"},
}
SCHEMAS: dict[str, Any] = {
    "Error": record(
        {
            "error": {
                "type": "object",
                "properties": {
                    **strings("type", "message"),
                    "current_revision": {"type": "integer"},
                    "read_version": {"type": "integer"},
                    "current_version": {"type": "integer"},
                    "problems": {
                        "type": "array",
                        "description": "TextProblems: what would publish broken, line by line.",
                        "items": record(
                            {**strings("kind", "subject", "message"), "line": {"type": "integer"}}
                        ),
                    },
                    "references": {
                        "type": "array",
                        "description": (
                            "BreaksReferences: the links elsewhere in the book that approving"
                            " would break; send `break_references: true` to approve anyway."
                        ),
                        "items": record(
                            {
                                **strings("id", "chapter_id", "section_id"),
                                "line": {"type": "integer"},
                            }
                        ),
                    },
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
            **strings("author", "approver", "message"),
            "kind": {"type": "string", "enum": ["created", "revised", "removed"]},
            "revision": {"type": "integer"},
            "proposal_id": {"type": ["string", "null"], "format": "uuid"},
            "at": {"type": "string", "format": "date-time"},
        }
    ),
    "Edition": record(
        {
            **strings("name", "by"),
            "slug": {"type": "string", "description": "The edition's, in its addresses."},
            "at": {"type": "string", "format": "date-time", "description": "The moment it froze."},
            "downloads": {
                "type": "object",
                "description": "Each format built so far (html, epub, pdf), to its address.",
                "additionalProperties": {"type": "string"},
            },
            "changes_since": {
                "type": "string",
                "description": "The page of what changed from this edition to now.",
            },
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
            "images": {"type": "array", "items": ref("Image")},
        }
    ),
    "Image": record({**strings("name", "sha256", "media_type"), "size": {"type": "integer"}}),
    "ThreadEntry": record(
        {**strings("kind", "by", "comment"), "at": {"type": "string", "format": "date-time"}}
    ),
    "ReviewResult": record(
        {
            "proposal": UUID,
            "verdict": {"type": "string", "enum": list(VERDICTS)},
            "status": {"type": "string", "enum": list(STATUSES)},
        }
    ),
    "EditProposalRequest": PROPOSAL_BODY,
    "NewSectionRequest": NEW_SECTION_BODY,
    "NewChapterRequest": NEW_CHAPTER_BODY,
    "ReviewRequest": REVIEW_BODY,
    "AskReviewRequest": ASK_REVIEW_BODY,
    "ReviewAsked": record(
        {
            "proposal": UUID,
            **strings("reviewer", "by"),
            "at": {"type": "string", "format": "date-time"},
        }
    ),
    "RevisionRequest": REVISION_BODY,
    "ImageRequest": IMAGE_BODY,
    "ForkRequest": FORK_BODY,
    "Fork": record(
        {
            **strings("slug", "title", "upstream"),
            "sections": {"type": "integer", "description": "The sections copied."},
            "images": {"type": "integer", "description": "The images copied."},
        }
    ),
    "UpstreamChanges": record(
        {
            "upstream": {
                "anyOf": [
                    record(
                        {
                            **strings("slug", "title", "licence", "forked_by"),
                            "forked_at": {"type": "string", "format": "date-time"},
                        }
                    ),
                    {"type": "null"},
                ],
                "description": "The book this one was forked from; null for a book no fork.",
            },
            "changes": {"type": "array", "items": ref("UpstreamChange")},
        }
    ),
    "UpstreamChange": record(
        {
            **strings("section", "title"),
            "kind": {"type": "string", "enum": ["changed", "added", "removed"]},
            "taken_revision": {
                "type": "integer",
                "description": "The upstream's revision the fork took (0: never taken).",
            },
            "upstream_revision": {
                "type": "integer",
                "description": "The upstream's current revision (0: removed there).",
            },
            "fork_changed": {"type": "boolean", "description": "The fork changed it too."},
            "conflict": {
                "type": "boolean",
                "description": "Both changed the same lines: a person resolves it on the web.",
            },
            "diff": {"type": "string", "description": "Unified diff of the upstream's change."},
        }
    ),
    "Need": record(
        {
            **strings("book", "chapter", "reason", "quote"),
            "id": UUID,
            "section": {
                "type": ["string", "null"],
                "description": "The section; null for a need of the whole chapter.",
            },
            "kind": {"type": "string", "enum": list(NEED_KINDS)},
            "opened_by": {
                "type": ["string", "null"],
                "description": "Who marked it; null for a reader's report or an import's problem.",
            },
            "opened_at": {"type": "string", "format": "date-time"},
            "holder": {
                "type": ["string", "null"],
                "description": 'Who is on it ("I\'m on it"), while their take holds; else null.',
            },
            "taken_until": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When the take lapses, unless a proposal of the holder answers it.",
            },
            "is_open": {"type": "boolean"},
            "answers": {
                "type": "array",
                "items": UUID,
                "description": "The proposals that say they answer it.",
            },
        }
    ),
    "NeedRequest": NEED_BODY,
    "BookRequest": BOOK_BODY,
    "DetailsProposalRequest": DETAILS_BODY,
}
LOCATION = {
    "Location": {
        "description": "The proposal's address.",
        "required": True,
        "schema": {"type": "string", "pattern": "^/api/proposals/[0-9a-f-]{36}$"},
    }
}
BOOK_LOCATION = {
    "Location": {
        "description": "The book's address in the API.",
        "required": True,
        "schema": {"type": "string", "pattern": "^/api/books/[a-z0-9-]+$"},
    }
}
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
                    "200": json_of("The books.", {"type": "array", "items": ref("Book")}),
                    **refusals(503),
                },
            },
            "post": {
                "summary": "Start a book: empty, with the sender as its maintainer.",
                "description": (
                    "Any person with a token may start a book, up to 10 a day. Its chapters are"
                    " then proposed and reviewed like any change; its details (title, authors,"
                    " licence...) change through POST /api/books/{slug}/details/proposals."
                ),
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("BookRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of("The book, started.", ref("Book")),
                        "headers": BOOK_LOCATION,
                    },
                    **refusals(400, 401, 409, 413, 415, 422, 429, 503),
                },
            },
        },
        "/api/books/{slug}": {
            "get": {
                "summary": "A book's outline: chapters and their sections.",
                "parameters": [SLUG],
                "responses": {
                    "200": json_of("The outline.", ref("Outline")),
                    **refusals(404, 410, 503),
                },
            }
        },
        "/api/books/{slug}/editions": {
            "get": {
                "summary": "A book's named editions, oldest first, with their downloads.",
                "parameters": [SLUG],
                "responses": {
                    "200": json_of("The editions.", {"type": "array", "items": ref("Edition")}),
                    **refusals(404, 410, 503),
                },
            }
        },
        "/api/books/{slug}/sections/{section}": {
            "get": {
                "summary": "A section's approved text.",
                "parameters": [SLUG, SECTION],
                "responses": {"200": json_of("The section.", ref("Section")), **refusals(404, 503)},
            }
        },
        "/api/books/{slug}/sections/{section}/history": {
            "get": {
                "summary": "A section's approved revisions, oldest first.",
                "parameters": [SLUG, SECTION],
                "responses": {
                    "200": json_of("The revisions.", {"type": "array", "items": ref("Revision")}),
                    **refusals(404, 503),
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
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422, 503),
                },
            }
        },
        "/api/books/{slug}/chapters": {
            "post": {
                "summary": "Propose a new chapter (its introduction); it may answer needs.",
                "security": BEARER,
                "parameters": [SLUG],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("NewChapterRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of("The proposal, opened.", ref("Proposal")),
                        "headers": LOCATION,
                    },
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422, 503),
                },
            }
        },
        "/api/books/{slug}/chapters/{chapter}/sections": {
            "post": {
                "summary": "Propose a new section in a chapter; it may answer needs.",
                "security": BEARER,
                "parameters": [SLUG, CHAPTER],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("NewSectionRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of("The proposal, opened.", ref("Proposal")),
                        "headers": LOCATION,
                    },
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422, 503),
                },
            }
        },
        "/api/books/{slug}/needs": {
            "get": {
                "summary": "A book's open needs, oldest first: its task board.",
                "parameters": [SLUG, *NEED_FILTERS],
                "responses": {
                    "200": json_of("The open needs.", {"type": "array", "items": ref("Need")}),
                    **refusals(404, 422, 503),
                },
            }
        },
        "/api/books/{slug}/sections/{section}/needs": {
            "post": {
                "summary": "Mark what a section needs (an author or editor of the book).",
                "security": BEARER,
                "parameters": [SLUG, SECTION],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("NeedRequest")}},
                },
                "responses": {
                    "201": json_of("The need, opened.", ref("Need")),
                    **refusals(400, 401, 403, 404, 413, 415, 422, 503),
                },
            }
        },
        "/api/books/{slug}/details/proposals": {
            "post": {
                "summary": "Propose new details for a book: title, subtitle, authors,"
                " description, licence, cover. An editor other than the author reviews it.",
                "security": BEARER,
                "parameters": [SLUG],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("DetailsProposalRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of(
                            "The proposal, opened; its text is the details as YAML.",
                            ref("Proposal"),
                        ),
                        "headers": LOCATION,
                    },
                    **refusals(400, 401, 403, 404, 409, 410, 413, 415, 422, 503),
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
                    **refusals(404, 422, 503),
                },
            }
        },
        "/api/proposals/{proposal}": {
            "get": {
                "summary": "A proposal, its diff against its base revision, and its thread.",
                "parameters": [PROPOSAL],
                "responses": {
                    "200": json_of("The proposal.", ref("ProposalDetail")),
                    **refusals(404, 503),
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
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422, 503),
                },
            }
        },
        "/api/proposals/{proposal}/review-requests": {
            "post": {
                "summary": "Ask an editor of the book to review the proposal: its author or an"
                " editor of the book asks; the editor sees it in their inbox and review queue.",
                "security": BEARER,
                "parameters": [PROPOSAL],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("AskReviewRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of("The request, recorded.", ref("ReviewAsked")),
                        "headers": LOCATION,
                    },
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422, 503),
                },
            }
        },
        "/api/proposals/{proposal}/revisions": {
            "post": {
                "summary": "Revise one's own open proposal: a new version of its text.",
                "security": BEARER,
                "parameters": [PROPOSAL],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("RevisionRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of("The proposal at its new version.", ref("Proposal")),
                        "headers": LOCATION,
                    },
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422, 503),
                },
            }
        },
        "/api/proposals/{proposal}/images": {
            "post": {
                "summary": "Attach an image to one's own open proposal (a new one, or a new version"
                " of one of the book's); the reviewer sees it, and approving publishes it.",
                "security": BEARER,
                "parameters": [PROPOSAL],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ImageRequest")}},
                },
                "responses": {
                    "201": json_of("The image, attached.", ref("Image")),
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422, 503),
                },
            }
        },
        "/api/proposals/{proposal}/withdraw": {
            "post": {
                "summary": "Withdraw one's own open proposal; it closes. No body is needed.",
                "security": BEARER,
                "parameters": [PROPOSAL],
                "responses": {
                    "200": json_of("The proposal, withdrawn.", ref("Proposal")),
                    **refusals(401, 403, 404, 409, 413, 503),
                },
            }
        },
        "/api/books/{slug}/forks": {
            "post": {
                "summary": "Fork the book's approved state as a new book that the sender"
                " maintains; refused (403, with the reason) when its licence allows no"
                " derivatives.",
                "security": BEARER,
                "parameters": [SLUG],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("ForkRequest")}},
                },
                "responses": {
                    "201": {
                        **json_of("The fork, made.", ref("Fork")),
                        "headers": {
                            "Location": {
                                "description": "The fork's address in the API.",
                                "required": True,
                                "schema": {"type": "string", "pattern": "^/api/books/[a-z0-9-]+$"},
                            }
                        },
                    },
                    **refusals(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
                },
            }
        },
        "/api/books/{slug}/upstream": {
            "get": {
                "summary": "What changed in a fork's upstream since the fork took each section,"
                " with each change's diff.",
                "parameters": [SLUG],
                "responses": {
                    "200": json_of("The changes.", ref("UpstreamChanges")),
                    **refusals(404, 503),
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
