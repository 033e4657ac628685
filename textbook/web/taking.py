"""Text from other books on the platform: taking one of their chapters or sections into this
book as a proposal (reviewed as any other), and marking a proposal's text as taken from one,
which the copy check asks of an author whose text copies another book's."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import LicenceRefused, TextbookError
from textbook.web.forms import proposal_id, refused
from textbook.web.pages import render
from textbook.web.security import read_form
from textbook.web.signin import signed_in
from textbook.web.site import site
from textbook.web.writing import keeps_text

MAX_FIELD = 200


def take_page(request: Request, slug: str, source: str, **typed: Any) -> dict[str, Any]:
    """The form's context: this book, the other books, and the one picked (if any)."""
    queries = site(request).queries()
    others = [book for book in queries.books() if book.slug != slug]
    picked = next((book for book in others if book.slug == source), None)
    return {
        "book": queries.outline(slug),
        "others": others,
        "source": picked,
        "piece": "",
        "place": "",
        "message": "",
        "error": None,
    } | typed


def take_form(request: Request) -> Response:
    slug = request.path_params["slug"]
    signed_in(request)
    source = request.query_params.get("from", "")[:MAX_FIELD]
    return render(request, "take.html", **take_page(request, slug, source))


async def take(request: Request) -> Response:
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(taking, request, name, form)


def taking(request: Request, name: str, form: dict[str, str]) -> Response:
    slug = request.path_params["slug"]
    source, piece = form.get("from", "")[:MAX_FIELD], form.get("piece", "")[:MAX_FIELD]
    place, message = form.get("place", "")[: 2 * MAX_FIELD], form.get("message", "")
    chapter, _, after = place.partition("/")
    try:
        created = site(request).app.take_into(slug, source, piece, name, chapter, after, message)
    except TextbookError as error:
        if not (keeps_text(error) or isinstance(error, LicenceRefused)):
            raise
        typed = {"piece": piece, "place": place, "message": message}
        return refused(request, "take.html", error, **take_page(request, slug, source, **typed))
    return RedirectResponse(f"/proposals/{created}", status_code=303)


async def mark(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    form = await read_form(request)
    book, section = form.get("book", "")[:MAX_FIELD], form.get("section", "")[:MAX_FIELD]
    app = site(request).app
    await run_in_threadpool(app.mark_source, identifier, book, section, name)
    return RedirectResponse(f"/proposals/{identifier}#copies", status_code=303)


routes = [
    Route("/books/{slug}/take", take_form, methods=["GET"]),
    Route("/books/{slug}/take", take, methods=["POST"]),
    Route("/proposals/{proposal}/sources", mark, methods=["POST"]),
]
