"""A book's settings page: its members and their roles, and whether anyone may propose."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.web.pages import render
from textbook.web.proposals import signed_in
from textbook.web.security import read_form
from textbook.web.site import site


def settings(request: Request) -> Response:
    slug = request.path_params["slug"]
    user = signed_in(request)
    queries = site(request).queries()
    book = site(request).app.book(slug)
    return render(
        request,
        "settings.html",
        book=queries.outline(slug),
        members=queries.members(slug),
        open_to_all=book.open_to_all,
        may_maintain=book.role_of(site(request).app.user(user).id) == "maintainer",
    )


async def change(request: Request) -> Response:
    slug = request.path_params["slug"]
    user = signed_in(request)
    form = await read_form(request)
    app = site(request).app
    action = form.get("action", "")
    if action == "grant":
        await run_in_threadpool(
            app.grant, slug, form.get("name", "").strip(), form.get("role", ""), user
        )
    elif action == "revoke":
        await run_in_threadpool(app.revoke, slug, form.get("name", ""), user)
    elif action == "access":
        await run_in_threadpool(app.set_open_to_all, slug, form.get("open") == "yes", user)
    return RedirectResponse(f"/books/{slug}/settings", status_code=303)


routes = [
    Route("/books/{slug}/settings", settings, methods=["GET"]),
    Route("/books/{slug}/settings", change, methods=["POST"]),
]
