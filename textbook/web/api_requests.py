"""The API's requests: who sends them (a bearer token), what they name, and what their JSON
bodies hold once they conform to the schemas of textbook.web.bodies."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from uuid import UUID

from starlette.requests import Request

from textbook.domain.errors import (
    BookNotFound,
    InvalidInput,
    ProposalNotFound,
    SectionNotFound,
    TokenRefused,
)
from textbook.web.site import site
from textbook.web.statuses import WebError

MAX_TOKEN = 200  # tokens are "tb_" and 43 characters; longer ones are not worth hashing


@dataclass(frozen=True)
class EditProposal:
    base_revision: int
    text: str
    message: str
    images: list[dict[str, str]]
    needs: list[str]

    def need_ids(self) -> list[UUID]:
        return [UUID(need) for need in self.needs]

    def uploads(self) -> list[tuple[str, bytes]]:
        return [(image["name"], decoded(image["data"])) for image in self.images]


def decoded(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("'data' is not base64.") from None


@dataclass(frozen=True)
class NewProposal:
    """A new section or chapter: its text, and where it goes."""

    text: str
    message: str
    after: str
    images: list[dict[str, str]]
    needs: list[str]

    def need_ids(self) -> list[UUID]:
        return [UUID(need) for need in self.needs]

    def uploads(self) -> list[tuple[str, bytes]]:
        return [(image["name"], decoded(image["data"])) for image in self.images]


def chapter_in(request: Request) -> tuple[str, str]:
    slug, chapter_id = book_in(request), request.path_params["chapter"]
    if "\x00" in chapter_id:
        raise SectionNotFound(slug, chapter_id[:60])
    return slug, chapter_id


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
    needs: list[str]

    def need_ids(self) -> list[UUID]:
        return [UUID(need) for need in self.needs]


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
        if schema["items"]["type"] == "string":
            return [checked_field(name, item, schema["items"]) for item in value]
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
    if len(value) < schema.get("minLength", 0):
        raise InvalidInput(f"'{name}' needs at least {schema['minLength']} characters.")
    if "pattern" in schema and not re.fullmatch(schema["pattern"], value):
        raise InvalidInput(f"'{name}' does not have the form the API document gives it.")
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
