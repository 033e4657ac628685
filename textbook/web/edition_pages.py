"""A book's named editions: the list with each one's downloads (kept for good), the form an
editor marks one with, and what changed between two editions (or an edition and now), as a page
and as a printable change list. The domain decides who may mark one (Book.mark_edition)."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.editions import NOW
from textbook.domain.errors import TextbookError
from textbook.domain.state import BookState
from textbook.projections.changelist import Comparison, compare
from textbook.projections.publishing.editions import named_folder
from textbook.projections.queries import NamedEdition, Queries
from textbook.web.book_pages import DOWNLOADS, not_yet, zip_folder
from textbook.web.diffs import word_diff
from textbook.web.errors import WebError
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.security import current_user, read_form
from textbook.web.signin import signed_in
from textbook.web.site import site

MAX_PARAM = 200  # characters of an edition's name or slug in an address


def editions_page(request: Request) -> Response:
    return render(request, "editions.html", **editions_context(request))


def editions_context(request: Request) -> dict[str, Any]:
    slug = request.path_params["slug"]
    queries = site(request).queries()
    outline = queries.outline(slug)
    found = list(reversed(queries.editions(slug)))  # newest first
    user = current_user(request)
    may_mark = bool(user) and site(request).app.may_review(slug, str(user))
    listed = []
    for n, named in enumerate(found):
        previous = found[n + 1] if n + 1 < len(found) else None
        listed.append(
            {
                "edition": named,
                "downloads": downloads_of(request, slug, named),
                "previous": previous,
                "since_previous": compare_href(slug, previous.slug, named.slug) if previous else "",
                "to_now": compare_href(slug, named.slug, NOW),
            }
        )
    return {"book": outline, "editions": listed, "may_mark": may_mark, "name": ""}


def compare_href(slug: str, start: str, end: str) -> str:
    return f"/books/{slug}/editions/compare?" + urlencode({"from": start, "to": end})


def downloads_of(request: Request, slug: str, named: NamedEdition) -> list[dict[str, str]]:
    folder = named_folder(site(request).publisher.editions, slug, named.slug)
    if not (folder / ".published").exists():
        return []
    return [
        {"format": kind, "href": f"/books/{slug}/editions/{named.slug}/download/{kind}"}
        for kind, (_, suffix) in DOWNLOADS.items()
        if (folder / (slug if kind == "html" else f"{slug}{suffix}")).exists()
    ]


async def mark(request: Request) -> Response:
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(marking, request, name, form.get("name", ""))


def marking(request: Request, user: str, name: str) -> Response:
    slug = request.path_params["slug"]
    try:
        edition_slug = site(request).app.mark_edition(slug, name, user)
    except TextbookError as error:
        context = editions_context(request)
        return refused(request, "editions.html", error, **context | {"name": name[:200]})
    return RedirectResponse(f"/books/{slug}/editions#edition-{edition_slug}", status_code=303)


def download(request: Request) -> Response:
    slug, kind = request.path_params["slug"], request.path_params["format"]
    if kind not in DOWNLOADS:
        raise WebError(
            HTTPStatus.NOT_FOUND,
            f"There is no '{kind[:20]}' edition: use {', '.join(DOWNLOADS)}.",
        )
    named = edition_of(site(request).queries(), slug, request.path_params["edition"])
    folder = named_folder(site(request).publisher.editions, slug, named.slug)
    if not (folder / ".published").exists():
        return not_yet(request)
    media_type, suffix = DOWNLOADS[kind]
    filename = f"{slug}-{named.slug}{suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if kind == "html":
        return Response(zip_folder(folder / slug, slug), media_type=media_type, headers=headers)
    return FileResponse(folder / f"{slug}{suffix}", media_type=media_type, filename=filename)


def edition_of(queries: Queries, slug: str, wanted: str) -> NamedEdition:
    if len(wanted) > MAX_PARAM or "\x00" in wanted:
        raise WebError(HTTPStatus.BAD_REQUEST, "That is too long to be the name of an edition.")
    return queries.named_edition(slug, wanted)


@dataclass(frozen=True)
class Between:
    """Two moments of a book and what changed between them."""

    start: NamedEdition
    end: NamedEdition | None  # None: now
    comparison: Comparison

    @property
    def from_label(self) -> str:
        return f"{self.start.name} ({self.start.date})"

    @property
    def to_label(self) -> str:
        return f"{self.end.name} ({self.end.date})" if self.end else "the book now"


def between(request: Request) -> tuple[Any, Between]:
    """The book's outline and the comparison that ?from=EDITION&to=EDITION|now ask for."""
    slug = request.path_params["slug"]
    start_name = request.query_params.get("from", "")
    end_name = request.query_params.get("to", NOW) or NOW
    if not start_name:
        raise WebError(
            HTTPStatus.BAD_REQUEST,
            "Say which edition to compare from: ?from=EDITION (and &to=EDITION or &to=now).",
        )
    app, queries = site(request).app, site(request).queries()
    outline = queries.outline(slug)
    start = edition_of(queries, slug, start_name)
    end = None if end_name.strip().lower() == NOW else edition_of(queries, slug, end_name)
    if end is not None and end.at < start.at:
        raise WebError(
            HTTPStatus.BAD_REQUEST,
            f"'{start.name}' came after '{end.name}': compare from the earlier edition.",
        )
    before: BookState = app.book_state(slug, start.moment)
    after = app.book_state(slug, end.moment) if end else queries.book_state(slug)
    changes = queries.approved_changes(slug, start.moment, end.moment if end else None)
    return outline, Between(start, end, compare(before, after, changes))


async def compare_page(request: Request) -> Response:
    return await run_in_threadpool(comparing, request)


def comparing(request: Request) -> Response:
    outline, found = between(request)
    diffs = {
        (chapter.id, s.id): word_diff(s.before, s.after)
        for chapter in found.comparison.chapters
        for s in chapter.sections
        if s.kind != "moved"
    }
    pdf = f"/books/{outline.slug}/editions/compare.pdf?" + urlencode(
        {"from": found.start.slug, "to": found.end.slug if found.end else NOW}
    )
    return render(
        request, "edition_compare.html", book=outline, between=found, diffs=diffs, pdf_href=pdf
    )


async def compare_pdf(request: Request) -> Response:
    return await run_in_threadpool(comparing_pdf, request)


def comparing_pdf(request: Request) -> Response:
    from textbook.projections.publishing.handout import change_list_pdf

    outline, found = between(request)
    pdf = change_list_pdf(
        outline.title, outline.language, found.from_label, found.to_label, found.comparison
    )
    end = found.end.slug if found.end else NOW
    filename = f"{outline.slug}-changes-{found.start.slug}-to-{end}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


routes = [
    Route("/books/{slug}/editions", editions_page, methods=["GET"], name="editions"),
    Route("/books/{slug}/editions", mark, methods=["POST"]),
    Route("/books/{slug}/editions/compare", compare_page, name="editions_compare"),
    Route("/books/{slug}/editions/compare.pdf", compare_pdf, name="editions_compare_pdf"),
    Route("/books/{slug}/editions/{edition}/download/{format}", download, name="edition_download"),
]
