"""Forks on the web: the fork form, a fork's upstream page (what changed there, taken as
proposals, conflicts resolved by a person) and its offers page (changes sent back upstream)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.details import checked_slug
from textbook.domain.errors import InvalidInput, TextbookError
from textbook.domain.sync import NotAFork
from textbook.web.diffs import word_diff
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.security import current_user, read_form
from textbook.web.signin import signed_in
from textbook.web.site import site
from textbook.web.statuses import WebError

FORK_WINDOW = 3600.0  # seconds: TEXTBOOK_FORK_RATE forks per person in this window


def fork_context(request: Request, slug: str) -> dict[str, Any]:
    """What the book page shows of forks: where it came from (a link to the upstream as it was
    at that moment), the books forked from it, and why it cannot be forked, if it cannot."""
    the_site = site(request)
    queries = the_site.queries()
    upstream = queries.upstream(slug)
    href = ""
    if upstream is not None:
        href = f"/books/{upstream.slug}?{urlencode({'as_of': upstream.forked_at})}"
    return {
        "upstream": upstream,
        "upstream_href": href,
        "forks": queries.forks(slug),
        "fork_refusal": the_site.app.fork_refused(slug),
    }


def check_fork_rate(request: Request, name: str) -> None:
    """Refuse (429) a fork over the person's rate; counts the ones allowed."""
    the_site = site(request)
    wait = the_site.throttle.hit("fork:" + name, the_site.settings.fork_rate, FORK_WINDOW)
    if wait is not None:
        minutes = int(wait // 60) + 1
        raise WebError(
            HTTPStatus.TOO_MANY_REQUESTS,
            f"You have made {the_site.settings.fork_rate} forks in the last hour; "
            f"try again in {minutes} minute{'s' * (minutes > 1)}.",
            headers={"Retry-After": str(int(wait) + 1)},
        )


# The fork form.


def fork_form(request: Request) -> Response:
    slug = request.path_params["slug"]
    signed_in(request)
    return render(request, "fork.html", **fork_page(request, slug), values={})


def fork_page(request: Request, slug: str) -> dict[str, Any]:
    the_site = site(request)
    return {"book": the_site.queries().outline(slug), "refusal": the_site.app.fork_refused(slug)}


async def fork(request: Request) -> Response:
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(forking, request, name, form)


def forking(request: Request, name: str, form: dict[str, str]) -> Response:
    slug = request.path_params["slug"]
    values = {"slug": form.get("slug", "").strip(), "title": form.get("title", "").strip()}
    try:
        if not values["slug"]:
            raise InvalidInput("Give the fork an address, such as 'my-course'.")
        checked_slug(values["slug"])  # a fork that cannot be made is not counted
        check_fork_rate(request, name)
        report = site(request).app.fork_book(slug, values["slug"], name, values["title"] or None)
    except (TextbookError, WebError) as error:
        return refused(request, "fork.html", error, **fork_page(request, slug), values=values)
    return RedirectResponse(f"/books/{report.slug}", status_code=303)


# Upstream to fork.


def fork_info(request: Request, slug: str) -> dict[str, Any]:
    """The fork's outline and its upstream (404 for a book that is no fork)."""
    the_site = site(request)
    queries = the_site.queries()
    outline, upstream = queries.outline(slug), queries.upstream(slug)
    if upstream is None:
        raise WebError(HTTPStatus.NOT_FOUND, NotAFork(slug).message)
    return {
        "book": outline,
        "upstream": upstream,
        "upstream_href": f"/books/{upstream.slug}?{urlencode({'as_of': upstream.forked_at})}",
    }


def upstream(request: Request) -> Response:
    slug, user = request.path_params["slug"], current_user(request)
    info = fork_info(request, slug)
    app = site(request).app
    changes = app.upstream_changes(slug)
    return render(
        request,
        "upstream.html",
        **info,
        changes=[shown_change(change) for change in changes],
        may_take=user is not None and app.may_take_upstream(slug, user),
        taken=taken_summary(request),
    )


def shown_change(change: Any) -> dict[str, Any]:
    return {
        "change": change,
        "upstream_diff": word_diff(change.base, change.upstream),
        "fork_diff": word_diff(change.base, change.fork) if change.fork_changed else None,
    }


def taken_summary(request: Request) -> dict[str, int]:
    """What the last "take" did, as the redirect after it said (whole numbers only)."""
    said = {}
    for key in ("proposed", "recorded", "conflicts", "refused"):
        value = request.query_params.get(key, "")
        if value.isdigit() and len(value) < 6:
            said[key] = int(value)
    return said


def resolve(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    user = current_user(request)
    return render(request, "resolve.html", **resolve_page(request, slug, section_id, user))


def resolve_page(request: Request, slug: str, section_id: str, user: str | None) -> dict[str, Any]:
    info = fork_info(request, slug)
    app = site(request).app
    try:
        change = app.upstream_change(slug, section_id)
    except InvalidInput as none:
        raise WebError(HTTPStatus.NOT_FOUND, none.message) from None
    text = change.with_markers if change.conflict else change.merged or ""
    return {
        **info,
        **shown_change(change),
        "text": text,
        "first_clash": next(
            (n for n, line in enumerate(text.split("\n"), 1) if line.startswith("<<<<<<<")), 0
        ),
        "may_take": user is not None and app.may_take_upstream(slug, user),
        "error": None,
    }


async def take(request: Request) -> Response:
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(taking, request, name, form)


def taking(request: Request, name: str, form: dict[str, str]) -> Response:
    slug, section_id = request.path_params["slug"], form.get("section", "")
    app = site(request).app
    if "resolution" not in form:
        proposal = app.take_upstream(slug, section_id, name)
    else:
        try:
            proposal = app.take_upstream(slug, section_id, name, form["resolution"])
        except TextbookError as error:
            page = resolve_page(request, slug, section_id, name)
            return refused(request, "resolve.html", error, **page | {"text": form["resolution"]})
    if proposal is None:
        return RedirectResponse(f"/books/{slug}/upstream?recorded=1", status_code=303)
    return RedirectResponse(f"/proposals/{proposal}", status_code=303)


async def take_all(request: Request) -> Response:
    name = signed_in(request)
    await read_form(request)
    return await run_in_threadpool(taking_all, request, name)


def taking_all(request: Request, name: str) -> Response:
    slug = request.path_params["slug"]
    report = site(request).app.sync_upstream(slug, name)
    counts = {
        "proposed": len(report.proposed),
        "recorded": len(report.recorded),
        "conflicts": len(report.conflicts),
        "refused": len(report.refused),
    }
    return RedirectResponse(f"/books/{slug}/upstream?{urlencode(counts)}", status_code=303)


# Fork to upstream.


def offers(request: Request) -> Response:
    slug, user = request.path_params["slug"], current_user(request)
    info = fork_info(request, slug)
    app = site(request).app
    found = [
        {"offer": offer, "diff": word_diff(offer.base, offer.fork)} for offer in app.offers(slug)
    ]
    return render(
        request,
        "offers.html",
        **info,
        offers=found,
        may_offer=user is not None and app.may_offer_upstream(slug, user),
    )


async def offer(request: Request) -> Response:
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(offering, request, name, form)


def offering(request: Request, name: str, form: dict[str, str]) -> Response:
    slug = request.path_params["slug"]
    proposal = site(request).app.offer_upstream(slug, form.get("section", ""), name)
    return RedirectResponse(f"/proposals/{proposal}", status_code=303)


routes = [
    Route("/books/{slug}/fork", fork_form, methods=["GET"]),
    Route("/books/{slug}/fork", fork, methods=["POST"]),
    Route("/books/{slug}/upstream", upstream, methods=["GET"]),
    Route("/books/{slug}/upstream/take", take, methods=["POST"]),
    Route("/books/{slug}/upstream/take-all", take_all, methods=["POST"]),
    Route("/books/{slug}/upstream/{section}/resolve", resolve, methods=["GET"]),
    Route("/books/{slug}/offers", offers, methods=["GET"]),
    Route("/books/{slug}/offers", offer, methods=["POST"]),
]
