"""Starting a book: the "Start a book" page, and POST /api/books. Any signed-in person may
start one, at a bounded rate; they become its maintainer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.application.starting import NewBook
from textbook.domain.details import InvalidDetails, authors_from_lines
from textbook.domain.errors import Conflict, InvalidInput, RateLimited
from textbook.web.api import book_json
from textbook.web.api_requests import bearer, checked, json_body
from textbook.web.bodies import BOOK_BODY
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.security import read_form
from textbook.web.signin import signed_in
from textbook.web.site import site

START_LIMIT = 10  # books one person may start in START_WINDOW: enough for a teacher's term
START_WINDOW = 24 * 3600.0
# Licences offered first on the form (any SPDX expression is accepted).
LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "CC-BY-NC-SA-4.0", "MIT")
FIELDS = ("slug", "title", "subtitle", "language", "license", "authors", "description")


def check_rate(request: Request, name: str) -> None:
    """Refuse a start over the person's limit (RateLimited: 429, saying when to try again)."""
    wait = site(request).throttle.hit("start-book:" + name.lower(), START_LIMIT, START_WINDOW)
    if wait is not None:
        hours = int(wait // 3600) + 1
        raise RateLimited(
            f"You have started {START_LIMIT} books in the last day, the most one person may; "
            f"try again in {hours} hour{'s' if hours > 1 else ''}.",
            datetime.now(UTC) + timedelta(seconds=wait),
        )


def start_form(request: Request) -> Response:
    name = signed_in(request)
    values = {"language": "en", "license": "CC-BY-4.0", "authors": name}
    return render(request, "start.html", values=values, licences=LICENCES, field="")


async def start(request: Request) -> Response:
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(starting, request, name, form)


def starting(request: Request, name: str, form: dict[str, str]) -> Response:
    values = {key: form.get(key, "") for key in FIELDS}
    new = NewBook(
        slug=values["slug"].strip(),
        title=values["title"],
        language=values["language"],
        license=values["license"],
        authors=authors_from_lines(values["authors"]),
        description=values["description"],
        subtitle=values["subtitle"],
    )
    app = site(request).app
    try:
        app.checked_new_book(new)  # before the rate: a refused form costs no start
        check_rate(request, name)
        slug = app.start_book(new, name)
    except (InvalidInput, Conflict, RateLimited) as error:
        field = error.field if isinstance(error, InvalidDetails) else ""
        field = "slug" if isinstance(error, Conflict) else field
        return refused(request, "start.html", error, values=values, licences=LICENCES, field=field)
    return RedirectResponse(f"/books/{slug}?started=1", status_code=303)


# The API.


async def start_api(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    body = checked(await json_body(request), BOOK_BODY)
    return await run_in_threadpool(starting_api, request, name, body)


def starting_api(request: Request, name: str, body: dict[str, Any]) -> Response:
    new = NewBook(
        slug=body["slug"],
        title=body["title"],
        language=body["language"],
        license=body["license"],
        authors=body["authors"],
        description=body["description"],
        subtitle=body["subtitle"],
    )
    the_site = site(request)
    the_site.app.checked_new_book(new)  # before the rate: a refused request costs no start
    check_rate(request, name)
    slug = the_site.app.start_book(new, name)
    outline = the_site.queries().outline(slug)
    return JSONResponse(book_json(outline), HTTPStatus.CREATED, {"Location": f"/api/books/{slug}"})


routes = [
    Route("/start", start_form, methods=["GET"], name="start"),
    Route("/start", start, methods=["POST"]),
    Route("/api/books", start_api, methods=["POST"]),
]
