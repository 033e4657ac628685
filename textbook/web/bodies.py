"""The API's request bodies: the JSON Schemas that /openapi.json publishes and that the API
enforces (textbook.web.api_requests), one source for both. Enums come from the domain's
vocabulary."""

from __future__ import annotations

from typing import Any

from textbook.domain.details import (
    LANGUAGE,
    LIMITS,
    MAX_AUTHOR,
    MAX_AUTHORS,
    MAX_SLUG,
    MIN_SLUG,
    SLUG,
)
from textbook.domain.images import MAX_IMAGE, NAME
from textbook.domain.markdown import MAX_SECTION_BYTES
from textbook.domain.need import MAX_REASON
from textbook.domain.proposal import MAX_ATTACHED, MAX_COMMENT, MAX_MESSAGE, MAX_NEEDS
from textbook.domain.user import NAME as USER_NAME
from textbook.domain.vocabulary import NeedKind, ProposalKind, ProposalStatus, Verdict, choices

STATUSES = choices(ProposalStatus)
KINDS = choices(ProposalKind)
VERDICTS = choices(Verdict)
MAX_REVISION = 2**31 - 1
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
NEED_KINDS = choices(NeedKind)
# The kinds a person marks (a reader's report and an import's problem come their own ways).
MARKED_KINDS = [kind for kind in NEED_KINDS if kind not in ("error", "import_problem")]
TEXT = "^[^\\x00]*$"  # no NUL, which PostgreSQL cannot store (lone surrogates are refused too)

# Request bodies: the schemas published in /openapi.json are the ones enforced below.
IMAGE_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {
            "type": "string",
            "maxLength": 105,
            "pattern": NAME.pattern,
            "description": "The image's name in the book, as the text shows it: images/NAME.",
        },
        "data": {
            "type": "string",
            "contentEncoding": "base64",
            "maxLength": (MAX_IMAGE + 2) // 3 * 4,
            "pattern": "^[A-Za-z0-9+/]*={0,2}$",
            "description": (
                "The image's bytes in base64: PNG, JPEG or SVG, at most 10 MiB (and the server's"
                " body limit), 10,000 pixels a side and 40 megapixels; SVG without script,"
                " animation, links, outside styles or foreign markup."
            ),
        },
    },
    "required": ["name", "data"],
    "additionalProperties": False,
    "examples": [
        {
            "name": "square.svg",
            "data": "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAx"
            "MCAxMCI+PHJlY3Qgd2lkdGg9IjEwIiBoZWlnaHQ9IjEwIi8+PC9zdmc+",
        }
    ],
}
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
            # A bound in characters, which no text within the domain's limit (in bytes) passes;
            # the domain's own check (check_section_size) refuses the rest, in its words.
            "maxLength": MAX_SECTION_BYTES,
            "pattern": TEXT,
            "description": (
                "The whole section in Markdown, from its heading on, which keeps the section's id;"
                " at most 512 KiB of UTF-8, without NUL characters."
            ),
        },
        "message": {
            "type": "string",
            "maxLength": MAX_MESSAGE,
            "pattern": TEXT,
            "default": "",
            "description": "What the change is for; without NUL characters.",
        },
        "images": {
            "type": "array",
            "maxItems": MAX_ATTACHED,
            "items": IMAGE_BODY,
            "default": [],
            "description": (
                "Images the proposal carries: every image the text shows as images/NAME must be"
                " in the book or here. Approving the proposal puts them in the book."
            ),
        },
        "needs": {
            "type": "array",
            "maxItems": MAX_NEEDS,
            "items": {"type": "string", "maxLength": 36, "pattern": UUID_PATTERN},
            "default": [],
            "description": (
                "The ids of open needs of the book (GET /api/books/{slug}/needs) the proposal"
                " answers: approving it closes them. A need of another book, or closed, is"
                " refused."
            ),
        },
    },
    "required": ["base_revision", "text"],
    "additionalProperties": False,
    "examples": [
        {
            "base_revision": 1,
            "text": "## Bisection {#bisection}\n\nHalve the bracket until it is small enough.\n",
            "message": "A shorter introduction",
        }
    ],
}
NEW_SECTION_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {
            **PROPOSAL_BODY["properties"]["text"],
            "description": (
                "The new section in Markdown, from its heading '## Title {#new-id}' on: the id"
                " is permanent and new to the book; at most 512 KiB of UTF-8, without NUL"
                " characters."
            ),
        },
        "message": PROPOSAL_BODY["properties"]["message"],
        "after": {
            "type": "string",
            "maxLength": 200,
            "pattern": TEXT,
            "default": "",
            "description": "The section of the chapter it follows; empty: first, after the intro.",
        },
        "images": PROPOSAL_BODY["properties"]["images"],
        "needs": {
            **PROPOSAL_BODY["properties"]["needs"],
            "description": (
                "The ids of open needs of the book the proposal answers, such as a chapter's"
                " stub to write: approving it closes them."
            ),
        },
    },
    "required": ["text"],
    "additionalProperties": False,
    "examples": [
        {
            "text": "## Regula falsi {#regula-falsi}\n\nKeep the bracket; cut it at the secant.\n",
            "message": "A section on the false position method",
        }
    ],
}
NEW_CHAPTER_BODY: dict[str, Any] = {
    **NEW_SECTION_BODY,
    "properties": {
        **NEW_SECTION_BODY["properties"],
        "text": {
            **PROPOSAL_BODY["properties"]["text"],
            "description": (
                "The new chapter's introduction in Markdown, from its heading '# Title {#new-id}'"
                " on: the id is permanent and new to the book; at most 512 KiB of UTF-8, without"
                " NUL characters."
            ),
        },
        "after": {
            **NEW_SECTION_BODY["properties"]["after"],
            "description": "The chapter it follows; empty: first, before chapter 1.",
        },
    },
    "examples": [
        {
            "text": "# Optimization {#optimization}\n\nFinding where a function is least.\n",
            "message": "A chapter on optimization",
            "after": "odes",
        }
    ],
}
NEED_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": MARKED_KINDS},
        "reason": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_REASON,
            "pattern": TEXT,
            "description": "Why, and what would answer it; not blank, without NUL characters.",
        },
    },
    "required": ["kind", "reason"],
    "additionalProperties": False,
    "examples": [{"kind": "example", "reason": "A worked example of a bracket halved."}],
}
REVIEW_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": list(VERDICTS)},
        "comment": {
            "type": "string",
            "maxLength": MAX_COMMENT,
            "pattern": TEXT,
            "default": "",
            "description": (
                "Without NUL characters; the verdicts 'comment' and 'request_changes' need one"
                " that is not blank."
            ),
        },
        "version": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_REVISION,
            "description": (
                "The proposal's version the reviewer read (`version` of GET /api/proposals/{id})."
                " Required to approve; approving any other than the current version is refused"
                " with 409 ProposalChanged. Not checked for the other verdicts."
            ),
        },
        "break_references": {
            "type": "boolean",
            "default": False,
            "description": (
                "Approve even though the change removes ids that other sections link to;"
                " without it, such an approval is refused with 409 BreaksReferences, which lists"
                " the links."
            ),
        },
    },
    "required": ["verdict"],
    "if": {"properties": {"verdict": {"const": Verdict.APPROVE.value}}, "required": ["verdict"]},
    "then": {"required": ["version"]},
    "additionalProperties": False,
    "examples": [
        {"verdict": "request_changes", "comment": "Say when to stop."},
        {"verdict": "approve", "comment": "Clear.", "version": 2},
    ],
}
REVISION_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {
            **PROPOSAL_BODY["properties"]["text"],
            "description": (
                "The proposal's whole new text in Markdown, heading included; at most 512 KiB of"
                " UTF-8, without NUL characters."
            ),
        },
        "message": {
            **PROPOSAL_BODY["properties"]["message"],
            "description": (
                "What changed in this revision, for the discussion; the proposal keeps its title."
            ),
        },
        "base_revision": {
            **PROPOSAL_BODY["properties"]["base_revision"],
            "description": (
                "For a change to a section: the section's revision the text was written against;"
                " by default, its current revision. Ignored for other kinds of proposal."
            ),
        },
        "needs": {
            **PROPOSAL_BODY["properties"]["needs"],
            "description": (
                "More open needs of the book the proposal answers (those it answers already"
                " stay): approving it closes them."
            ),
        },
    },
    "required": ["text"],
    "additionalProperties": False,
    "examples": [
        {
            "text": "## Bisection {#bisection}\n\nHalve the bracket until it is small enough.\n",
            "message": "Say when to stop",
        }
    ],
}
LINE = "^[^\\x00-\\x1f]*$"  # one line of text: no NUL, no line break
NAMES_BODY: dict[str, Any] = {
    "type": "array",
    "maxItems": MAX_AUTHORS,
    "items": {"type": "string", "maxLength": MAX_AUTHOR, "pattern": LINE},
    "default": [],
    "description": "The authors' names, as the book's page and editions show them.",
}
DETAIL_PROPERTIES: dict[str, Any] = {
    "title": {"type": "string", "minLength": 1, "maxLength": LIMITS["title"], "pattern": LINE},
    "subtitle": {
        "type": "string", "maxLength": LIMITS["subtitle"], "pattern": LINE, "default": "",
    },
    "authors": NAMES_BODY,
    "description": {
        "type": "string",
        "maxLength": LIMITS["description"],
        "pattern": TEXT,
        "default": "",
        "description": "What the book is about, in a few sentences.",
    },
    "license": {
        "type": "string",
        "maxLength": LIMITS["license"],
        "pattern": LINE,
        "description": "An SPDX licence expression on the SPDX list: CC-BY-4.0, MIT OR Apache-2.0.",
    },
}  # fmt: skip
BOOK_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "slug": {
            "type": "string",
            "minLength": MIN_SLUG,
            "maxLength": MAX_SLUG,
            "pattern": SLUG.pattern,
            "description": (
                "The book's address, /books/SLUG: lowercase letters, digits and single hyphens."
                " Words that name pages (new, start, import...) are refused, and so is a slug"
                " any book ever had."
            ),
        },
        "language": {
            "type": "string",
            "maxLength": 35,
            "pattern": LANGUAGE.pattern,
            "description": "A BCP 47 language tag: en, fr, pt-BR.",
        },
        **DETAIL_PROPERTIES,
    },
    "required": ["slug", "title", "language", "license"],
    "additionalProperties": False,
    "examples": [
        {
            "slug": "linear-algebra",
            "title": "Linear Algebra",
            "language": "en",
            "license": "CC-BY-4.0",
            "authors": ["Ada Lovelace"],
            "description": "Vectors, matrices and what they do.",
        }
    ],
}
DETAILS_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        **DETAIL_PROPERTIES,
        "cover": {
            "type": "string",
            "maxLength": LIMITS["cover"],
            "pattern": "^(images/[A-Za-z0-9][A-Za-z0-9._-]*)?$",
            "default": "",
            "description": (
                "The cover: one of the book's images, or the one this proposal carries, as"
                " images/NAME; empty for none."
            ),
        },
        "bibliography": {
            "type": "string",
            "enum": ["", "chapter", "book"],
            "default": "",
            "description": (
                "Where the works cited are listed: 'chapter' (or empty: at the end of each"
                " chapter) or 'book' (one list after the last chapter)."
            ),
        },
        "message": {**PROPOSAL_BODY["properties"]["message"]},
        "images": {
            **PROPOSAL_BODY["properties"]["images"],
            "maxItems": 1,
            "description": "The new cover's image, if the book does not have it yet.",
        },
    },
    "required": ["title", "license"],
    "additionalProperties": False,
    "examples": [
        {
            "title": "Numerical Methods",
            "subtitle": "A Second Course",
            "authors": ["The textbook contributors"],
            "license": "CC-BY-SA-4.0",
            "message": "ShareAlike, as our sources ask",
        }
    ],
}
FORK_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "slug": {
            "type": "string",
            "minLength": MIN_SLUG,
            "maxLength": MAX_SLUG,
            "pattern": SLUG.pattern,
            "description": (
                "The fork's address, /books/SLUG: lowercase letters, digits and single hyphens;"
                " a slug a book has (or had) is 409."
            ),
        },
        "title": {
            "type": "string",
            "maxLength": 300,
            "pattern": TEXT,
            "default": "",
            "description": "The fork's title; by default the upstream's.",
        },
    },
    "required": ["slug"],
    "additionalProperties": False,
    "examples": [{"slug": "numerical-methods-course", "title": "Numerical Methods, a Course"}],
}

ASK_REVIEW_BODY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reviewer": {
            "type": "string",
            "minLength": 3,
            "maxLength": 40,
            "pattern": USER_NAME.pattern,
            "description": (
                "The user name of an editor of the proposal's book, not its author, who has not"
                " already been asked and not yet answered."
            ),
        },
    },
    "required": ["reviewer"],
    "additionalProperties": False,
    "examples": [{"reviewer": "emmy"}],
}
