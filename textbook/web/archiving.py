"""Archiving, unarchiving and deleting a book: buttons on its settings page, each asked again
on a page of its own. The domain decides who may (textbook.domain.book)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.web.pages import render
from textbook.web.security import read_form
from textbook.web.signin import signed_in
from textbook.web.site import site

STEPS = {
    "archive": (
        "Archive this book?",
        "An archived book stays readable, with its whole history, but takes no proposals and "
        "no reviews; it is listed apart from the others. A maintainer may unarchive it.",
        "Archive the book",
    ),
    "unarchive": (
        "Unarchive this book?",
        "It takes proposals and reviews again, and is listed with the other books.",
        "Unarchive the book",
    ),
    "delete": (
        "Delete this book?",
        "Nobody else has taken part in it, so you may delete it: it disappears from the lists "
        "and its pages say it was deleted. Its record stays, and its address can never be "
        "taken by another book. This cannot be undone.",
        "Delete the book",
    ),
}


def confirm(request: Request) -> Response:
    slug, step = request.path_params["slug"], step_of(request)
    signed_in(request)
    question, consequence, button = STEPS[step]
    return render(
        request, "book_confirm.html", book=site(request).queries().outline(slug),
        step=step, question=question, consequence=consequence, button=button,
    )  # fmt: skip


async def act(request: Request) -> Response:
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(acting, request, name, form)


def acting(request: Request, name: str, form: dict[str, str]) -> Response:
    slug, step = request.path_params["slug"], step_of(request)
    site(request).queries().outline(slug)  # 404, or 410 for a book deleted already
    if form.get("confirmed") != "yes":
        return confirm(request)
    app = site(request).app
    if step == "archive":
        app.archive_book(slug, name)
    elif step == "unarchive":
        app.unarchive_book(slug, name)
    else:
        app.delete_book(slug, name)
        return RedirectResponse("/?deleted=" + slug, status_code=303)
    return RedirectResponse(f"/books/{slug}", status_code=303)


def step_of(request: Request) -> str:
    return request.url.path.rsplit("/", 1)[1]


routes = [
    route
    for step in STEPS
    for route in (
        Route(f"/books/{{slug}}/{step}", confirm, methods=["GET"]),
        Route(f"/books/{{slug}}/{step}", act, methods=["POST"]),
    )
]
