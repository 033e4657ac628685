"""A book's community page (how long proposals wait, who carries the load, where help is
needed) and a person's public profile."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from textbook.projections.community import Community, Load
from textbook.web.errors import WebError
from textbook.web.feeds import feed_links
from textbook.web.pages import render
from textbook.web.site import site

LONGEST_NAME = 64  # longer than any user name can be (40): answered 404 without a look-up


@dataclass(frozen=True)
class Bar:
    """One month of the chart: its label and each bar's height, in per cent of the tallest."""

    label: str
    first_review: float
    decision: float


def chart(figures: Community) -> tuple[list[Bar], float]:
    """The median waits of each month, scaled to the tallest median (returned with them)."""
    values = [
        value
        for month in figures.months
        for value in (month.first_review.median, month.decision.median)
        if value is not None
    ]
    tallest = max(values, default=0.0) or 1.0

    def height(value: float | None) -> float:
        return round(100 * (value or 0.0) / tallest, 1)

    bars = [
        Bar(m.start.strftime("%b"), height(m.first_review.median), height(m.decision.median))
        for m in figures.months
    ]
    return bars, max(values, default=0.0)


def load_sentence(load: Load, work: str, verb: str, stops: str) -> str:
    """The bus factor, said plainly: how much the busiest person did, and what it means
    (`stops`: what stops with them, "reviews stop")."""
    busiest = load.busiest
    if busiest is None or load.busiest_share is None:
        return f"Nobody {verb} any {work} in the last 90 days."
    if load.busiest_share >= 0.5:
        rest = stops if load.percent == 100 else f"most {stops}"
        return (
            f"One person, {busiest.name}, {verb} {load.percent} % of the {work} in the last"
            f" 90 days: if {busiest.name} stops, {rest}."
        )
    return (
        f"The busiest, {busiest.name}, {verb} {load.percent} % of the {work} in the last 90 days;"
        f" half of it took {load.half_by} people."
    )


def community(request: Request) -> Response:
    slug = request.path_params["slug"]
    queries = site(request).queries()
    queries.standing(slug)  # a deleted book has no page
    book = queries.outline(slug)
    now = site(request).app.clock()
    figures = queries.community(slug, now)
    bars, tallest = chart(figures)
    return render(
        request,
        "community.html",
        book=book,
        community=figures,
        chart=bars,
        tallest=tallest,
        reviews_said=load_sentence(figures.reviewers, "reviews", "did", "reviews stop"),
        writing_said=load_sentence(figures.authors, "approved text", "wrote", "new text stops"),
        feeds=feed_links(slug, book.title),
        needs=queries.open_needs(slug, now),
    )


def person(request: Request) -> Response:
    name = request.path_params["name"]
    if len(name) > LONGEST_NAME:
        raise WebError(HTTPStatus.NOT_FOUND, "There is no user by that name.")
    pages = {key: page_asked(request, key) for key in ("contributions", "reviews")}
    found = site(request).queries().person(name, pages["contributions"], pages["reviews"])
    for key, pages_there in (
        ("contributions", found.contributions_pages),
        ("reviews", found.reviews_pages),
    ):
        if pages[key] > pages_there:
            raise WebError(
                HTTPStatus.NOT_FOUND,
                f"There is no page {pages[key]} of {key}: the pages are 1 to {pages_there}.",
            )
    return render(request, "person.html", person=found)


def page_asked(request: Request, key: str) -> int:
    """The page of a profile's list asked for with ?contributions=N or ?reviews=N (1 if none)."""
    value = request.query_params.get(key, "1")
    if not value.isdigit() or len(value) > 6 or int(value) < 1:
        raise WebError(HTTPStatus.NOT_FOUND, f"There is no page “{value[:20]}” of {key}.")
    return int(value)


routes = [
    Route("/books/{slug}/community", community, name="community"),
    Route("/people/{name}", person, name="person"),
]
