"""Pages that need a person: who is signed in, or the way to sign in and come back."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from textbook.web.destinations import signin_url
from textbook.web.security import current_user


def signed_in(request: Request) -> str:
    name = current_user(request)
    if name is None:
        raise SignInFirst(where_from(request))
    return name


def where_from(request: Request) -> str:
    """The page to return to after signing in: this one, or for a form sent while signed out
    (a session that ended), the page the form was on."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc:
        return ""
    return referer.path + (f"?{referer.query}" if referer.query else "")


class SignInFirst(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def sign_in_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInFirst)
    return RedirectResponse(signin_url(exc.path), status_code=303)
