"""A book's task board: its open needs, taken ("I'm on it"), released and closed; the form
that marks a need; and a reader's report of an error in a paragraph, which becomes one."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput, NeedNotFound, SectionNotFound
from textbook.domain.vocabulary import NeedKind
from textbook.projections.queries.needs import NEED_STATES
from textbook.web.feeds import needs_feed_link
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.reports import report_routes
from textbook.web.security import current_user, read_form
from textbook.web.signin import signed_in
from textbook.web.site import site
from textbook.web.statuses import WebError

AGES = {"7": "a week", "30": "a month", "90": "three months"}
MARKED = [kind for kind in NeedKind if kind not in (NeedKind.ERROR, NeedKind.IMPORT_PROBLEM)]


def need_id(request: Request) -> UUID:
    try:
        return UUID(request.path_params["need"])
    except ValueError:
        raise NeedNotFound(request.path_params["need"][:60]) from None


def filters(request: Request) -> dict[str, str]:
    """The board's filters as asked (unknown values are a 400, never a silent default)."""
    asked = {key: request.query_params.get(key, "") for key in ("kind", "chapter", "age", "state")}
    if asked["kind"] and asked["kind"] not in set(NeedKind):
        raise WebError(HTTPStatus.BAD_REQUEST, f"'{asked['kind'][:40]}' is not a kind of need.")
    if asked["state"] and asked["state"] not in NEED_STATES:
        raise WebError(HTTPStatus.BAD_REQUEST, "Show needs that are 'free' or 'taken'.")
    if asked["age"] and asked["age"] not in AGES:
        raise WebError(HTTPStatus.BAD_REQUEST, "The age is 7, 30 or 90 days.")
    if len(asked["chapter"]) > 200:
        raise WebError(HTTPStatus.BAD_REQUEST, "That is not a chapter of this book.")
    return asked


def board(request: Request) -> Response:
    slug = request.path_params["slug"]
    the_site, user = site(request), current_user(request)
    asked = filters(request)
    queries = the_site.queries()
    outline = queries.outline(slug)
    now = the_site.app.clock()
    needs = queries.needs(
        slug,
        kind=asked["kind"] or None,
        chapter=asked["chapter"] or None,
        state=asked["state"] or None,
        older_than_days=int(asked["age"]) if asked["age"] else None,
        now=now,
    )
    return render(
        request,
        "needs.html",
        book=outline,
        needs=needs,
        total=queries.open_need_count(slug),
        asked=asked,
        kinds=list(NeedKind),
        ages=AGES,
        now=now,
        may_take=the_site.app.may_take_needs(slug),
        may_close=user is not None and the_site.app.may_close_need(slug, user),
        may_mark=user is not None and the_site.app.may_mark_need(slug, user),
        filtered=any(asked.values()),
        feeds=[needs_feed_link(slug, outline.title)],
    )


async def take(request: Request) -> Response:
    return await act(request, "take")


async def release(request: Request) -> Response:
    return await act(request, "release")


async def close(request: Request) -> Response:
    return await act(request, "close")


async def act(request: Request, action: str) -> Response:
    user = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(acting, request, user, action, form)


def acting(request: Request, user: str, action: str, form: dict[str, str]) -> Response:
    slug, need = request.path_params["slug"], need_id(request)
    app = site(request).app
    if site(request).queries().need(need).book_slug != slug:
        raise NeedNotFound(str(need))
    if action == "take":
        app.take_need(need, user)
    elif action == "release":
        app.release_need(need, user)
    else:
        app.close_need(need, form.get("reason", ""), user)
    return RedirectResponse(f"{back_to(slug, form.get('back', ''))}#need-{need}", status_code=303)


def back_to(slug: str, back: str) -> str:
    """The board as it was filtered, but taken or free alike: the need just changed hands."""
    parts = urlsplit(back)
    if parts.path != f"/books/{slug}/needs" or len(back) > 500:
        return f"/books/{slug}/needs"
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "state"]
    return parts.path + (f"?{urlencode(query)}" if query else "")


# Marking a need.


def places(request: Request, slug: str) -> list[dict[str, Any]]:
    """Where a need may be marked: each chapter (as a whole) and each of its sections."""
    outline = site(request).queries().outline(slug)
    found = []
    for number, chapter in outline.numbered():
        named = f"{number}. {chapter.title}" if number else chapter.title
        found.append(
            {
                "value": f"chapter:{chapter.id}",
                "label": f"{named} (the whole chapter)",
            }
        )
        for index, section in enumerate(chapter.sections, start=1):
            where = f"{number}.{index} " if number else ""
            label = (
                f"{where}{section.title}"
                if section.id != chapter.id
                else f"{named}: its introduction"
            )
            found.append({"value": f"section:{section.id}", "label": label})
    return found


def mark_page(request: Request, slug: str, **typed: Any) -> dict[str, Any]:
    return {
        "book": site(request).queries().outline(slug),
        "places": places(request, slug),
        "kinds": MARKED,
        "place": "",
        "kind": "",
        "reason": "",
        "error": None,
        **typed,
    }


def mark(request: Request) -> Response:
    slug = request.path_params["slug"]
    user = signed_in(request)
    site(request).app.book(slug).check_may_mark_need(site(request).app.user(user).id, user)
    section, chapter = (
        request.query_params.get("section", ""),
        request.query_params.get("chapter", ""),
    )
    place = f"section:{section}" if section else f"chapter:{chapter}" if chapter else ""
    return render(request, "need_form.html", **mark_page(request, slug, place=place[:300]))


async def marking(request: Request) -> Response:
    user = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(marked, request, user, form)


def marked(request: Request, user: str, form: dict[str, str]) -> Response:
    slug = request.path_params["slug"]
    place, kind, reason = form.get("place", ""), form.get("kind", ""), form.get("reason", "")
    what, _, target = place.partition(":")
    try:
        if what not in ("section", "chapter") or not target:
            raise InvalidInput("Choose the section or chapter that needs it.")
        section, chapter = (target, None) if what == "section" else (None, target)
        site(request).app.mark_need(slug, section, kind, reason, user, chapter)
    except (SectionNotFound, InvalidInput) as error:
        page = mark_page(request, slug, place=place[:300], kind=kind[:40], reason=reason)
        return refused(request, "need_form.html", error, **page)
    query = urlencode({"chapter": chapter}) if chapter else ""
    return RedirectResponse(f"/books/{slug}/needs{'?' + query if query else ''}", status_code=303)


routes = [
    Route("/books/{slug}/needs", board, methods=["GET"]),
    Route("/books/{slug}/needs", marking, methods=["POST"]),
    Route("/books/{slug}/needs/new", mark, methods=["GET"]),
    Route("/books/{slug}/needs/{need}/take", take, methods=["POST"]),
    Route("/books/{slug}/needs/{need}/release", release, methods=["POST"]),
    Route("/books/{slug}/needs/{need}/close", close, methods=["POST"]),
    *report_routes,
]
