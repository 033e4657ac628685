"""Security headers, body size limits, sessions and CSRF tokens for forms."""

from __future__ import annotations

import hmac
import json
import secrets
from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from textbook.domain.images import MAX_IMAGE
from textbook.domain.markdown import MAX_SECTION_BYTES
from textbook.domain.proposal import MAX_ATTACHED
from textbook.web.sessions import USER_KEY
from textbook.web.statuses import WebError

CSP = (
    "default-src 'self'; script-src 'self'; style-src-elem 'self'; style-src-attr 'unsafe-inline';"
    " img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none';"
    " base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# A form field may hold 4 times the largest section: percent-encoding triples a byte at most, so
# every text within the domain's limit, and well past it, reaches the domain, whose refusal keeps
# the author's text in the form. Only a field larger still is refused here, with 413.
MAX_FIELD = 4 * MAX_SECTION_BYTES
MAX_FILES = MAX_ATTACHED
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
PRIVATE = (b"cache-control", b"no-store")
SHARED_PATHS = ("/static/", "/assets/")  # the same for everyone: cacheable even when signed in


class SecurityHeaders:
    """Adds the security headers to every response; over HTTPS (`https`, or a request that
    came in as https, as uvicorn reports it from a trusted proxy's X-Forwarded-Proto) also
    HSTS and a Secure session cookie. Pages for a signed-in person are never stored."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.https or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                extra = [header for header in HEADERS if header[0] not in names]
                if https:
                    extra.append(HSTS)
                    headers = [secure_cookie(header) for header in headers]
                private = scope.get(USER_KEY) is not None
                shared = scope["path"].startswith(SHARED_PATHS)
                if private and not shared and b"cache-control" not in names:
                    extra.append(PRIVATE)
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses request bodies over the limit with 413, before anything reads them whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self.refuse(scope, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise WebError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE, self.message(), "PayloadTooLarge"
                )
            return message

        await self.app(scope, limited, send)

    def message(self) -> str:
        mib = 1024 * 1024
        if self.limit >= mib and self.limit % mib == 0:
            return f"The request body is over the limit of {self.limit // mib} MB."
        return f"The request body is over the limit of {self.limit:,} bytes."

    async def refuse(self, scope: Scope, send: Send) -> None:
        status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
        if scope["path"].startswith("/api/"):
            body = json.dumps({"error": {"type": "PayloadTooLarge", "message": self.message()}})
            content_type = b"application/json"
        else:
            body = f"{int(status)} {status.phrase}: {self.message()}"
            content_type = b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": int(status),
                "headers": [(b"content-type", content_type), *HEADERS],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def current_user(request: Request) -> str | None:
    """The signed-in user, once ServerSessions has found their session still open."""
    user = request.scope.get(USER_KEY)
    return user if isinstance(user, str) else None


def sign_in(request: Request, name: str) -> None:
    """Start a new session (a new id and CSRF token: nothing from before carries over)."""
    session_id = request.app.state.site.sessions.start(name)
    request.session.clear()
    request.session["sid"] = session_id
    request.scope[USER_KEY] = name
    csrf_token(request)


def sign_out(request: Request) -> None:
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        request.app.state.site.sessions.end(session_id)
    request.session.clear()
    request.scope[USER_KEY] = None


def secure_cookie(header: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
    name, value = header
    if name.lower() == b"set-cookie" and b"; secure" not in value.lower():
        return name, value + b"; secure"
    return name, value


async def read_form(request: Request) -> dict[str, str]:
    """A form's fields as text, once its CSRF token has been checked."""
    fields, _ = await read_form_with_files(request, max_files=0)
    return fields


async def read_form_with_files(
    request: Request, max_files: int = MAX_FILES
) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """A form's fields as text and its files as (file name, bytes), once its CSRF token has
    been checked; file inputs left empty are left out."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise WebError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send this form as a web form.")
    try:  # max_part_size bounds the text fields; files are bounded as they are read
        async with request.form(
            max_files=max_files, max_fields=50, max_part_size=MAX_FIELD
        ) as form:
            fields, files = await fields_and_files(form, max_files)
    except WebError:
        raise
    except HTTPException as error:  # Starlette's 400 for a field over max_part_size, and others
        if "maximum size" in str(error.detail):
            raise WebError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"A field of this form is over the limit of {MAX_FIELD // (1024 * 1024)} MB "
                f"(a section holds at most {MAX_SECTION_BYTES // 1024} KB); nothing was saved.",
                "PayloadTooLarge",
            ) from None
        raise WebError(HTTPStatus.BAD_REQUEST, "The form could not be read.") from None
    except Exception:  # the multipart parser's own errors: the form is malformed
        raise WebError(HTTPStatus.BAD_REQUEST, "The form could not be read.") from None
    expected = request.session.get("csrf")
    given = fields.pop("csrf", "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, str(given)):
        raise WebError(
            HTTPStatus.FORBIDDEN, "This form has expired or came from elsewhere: reload the page."
        )
    return {key: str(value) for key, value in fields.items()}, files


async def fields_and_files(
    form: FormData, max_files: int
) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    fields: dict[str, Any] = {}
    files: list[tuple[str, bytes]] = []
    for key, value in form.multi_items():
        if not isinstance(value, UploadFile):
            fields[key] = value
        elif not max_files:
            raise WebError(HTTPStatus.BAD_REQUEST, "This form takes no files.")
        elif value.filename:  # an input left empty sends a part without a file name
            data = await value.read(MAX_IMAGE + 1)
            if len(data) > MAX_IMAGE:
                raise WebError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"{value.filename[:80]} is over the limit of {MAX_IMAGE:,} bytes.",
                )
            files.append((PurePosixPath(value.filename.replace("\\", "/")).name, data))
    return fields, files
