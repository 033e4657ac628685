"""A book's settings page: its members and their roles, and whether anyone may propose."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.web.pages import render
from textbook.web.security import read_form
from textbook.web.signin import signed_in
from textbook.web.site import site


def settings(request: Request) -> Response:
    slug = request.path_params["slug"]
    user = signed_in(request)
    queries, app = site(request).queries(), site(request).app
    return render(
        request,
        "settings.html",
        book=queries.outline(slug),
        members=queries.members(slug),
        open_to_all=app.book(slug).open_to_all,
        may_maintain=app.may_maintain(slug, user),
        archived=app.book(slug).is_archived,
        may_delete=app.may_delete(slug, user),
    )


async def change(request: Request) -> Response:
    user = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(changing, request, user, form)


def changing(request: Request, user: str, form: dict[str, str]) -> Response:
    slug = request.path_params["slug"]
    app = site(request).app
    action = form.get("action", "")
    if action == "grant":
        app.grant(slug, form.get("name", "").strip(), form.get("role", ""), user)
    elif action == "revoke":
        app.revoke(slug, form.get("name", ""), user)
    elif action == "access":
        app.set_open_to_all(slug, form.get("open") == "yes", user)
    return RedirectResponse(f"/books/{slug}/settings", status_code=303)


routes = [
    Route("/books/{slug}/settings", settings, methods=["GET"]),
    Route("/books/{slug}/settings", change, methods=["POST"]),
]
