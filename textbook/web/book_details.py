"""A book's details: proposing a change to them (reviewed like text), the proposal's page,
who changed each of them ("blame"), and the API's POST /api/books/{slug}/details/proposals."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import yaml
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.details import (
    FIELDS,
    LABELS,
    Details,
    InvalidDetails,
    authors_from_lines,
    details_of,
)
from textbook.domain.errors import Conflict, InvalidInput, TooManyOpenProposals
from textbook.domain.vocabulary import ProposalKind, ProposalStatus
from textbook.projections.queries import ProposalView
from textbook.web.api import proposal_created
from textbook.web.api_requests import bearer, book_in, checked, decoded, json_body
from textbook.web.bodies import DETAILS_BODY
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.security import read_form_with_files
from textbook.web.signin import signed_in
from textbook.web.site import site

Files = list[tuple[str, bytes]]
TEXT_FIELDS = ("title", "subtitle", "description", "license", "cover", "bibliography")


def shown(details: Details) -> dict[str, str]:
    """The details as a form shows them: the authors one a line."""
    values = {key: str(value) for key, value in details.as_dict().items() if key != "authors"}
    return {**values, "authors": "\n".join(details.authors)}


def from_form(form: dict[str, str], files: Files) -> Details:
    """The details typed; an uploaded cover becomes the cover (checked by the domain)."""
    cover = form.get("cover", "")
    if files:
        cover = f"images/{files[0][0]}"
    return Details(
        title=form.get("title", ""),
        subtitle=form.get("subtitle", ""),
        authors=tuple(authors_from_lines(form.get("authors", ""))),
        description=form.get("description", ""),
        license=form.get("license", ""),
        cover=cover,
        bibliography=form.get("bibliography", ""),
    )


def form_page(request: Request, slug: str, revising: ProposalView | None = None) -> dict[str, Any]:
    queries = site(request).queries()
    state = queries.book_state(slug)
    details = details_of(state.metadata)
    if revising is not None:
        details = read_details(revising.text, details)
    return {
        "book": queries.outline(slug),
        "values": shown(details),
        "message": "",
        "images": [image.name for image in state.images],
        "revising": revising,
        "field": "",
    }


def read_details(text: str, fallback: Details) -> Details:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return fallback
    if not isinstance(data, dict):
        return fallback
    values = {key: data.get(key) or "" for key in TEXT_FIELDS}
    authors = data.get("authors") or []
    return Details(
        **{key: str(value) for key, value in values.items()},
        authors=tuple(str(name) for name in authors if isinstance(authors, list)),
    )


def propose_form(request: Request) -> Response:
    slug = request.path_params["slug"]
    signed_in(request)
    revising = None
    if "revise" in request.query_params:
        revising = site(request).queries().proposal(request.query_params["revise"][:60])
        if revising.kind != ProposalKind.DETAILS or revising.book_slug != slug:
            return RedirectResponse(f"/proposals/{revising.id}", status_code=303)
    return render(request, "details_form.html", **form_page(request, slug, revising))


async def propose(request: Request) -> Response:
    name = signed_in(request)
    form, files = await read_form_with_files(request, max_files=1)
    return await run_in_threadpool(proposing, request, name, form, files)


def proposing(request: Request, name: str, form: dict[str, str], files: Files) -> Response:
    slug = request.path_params["slug"]
    the_site = site(request)
    details, message = from_form(form, files), form.get("message", "")
    revise = form.get("revise", "")
    try:
        if revise:
            identifier = UUID(revise) if is_uuid(revise) else None
            if identifier is None:
                raise InvalidInput("There is no such proposal to revise.")
            the_site.app.revise_details(
                identifier, details, message, name, files, the_site.blobs.put
            )
        else:
            identifier = the_site.app.propose_details(
                slug, details, message, name, files, the_site.blobs.put
            )
    except (InvalidInput, Conflict, TooManyOpenProposals) as error:
        page = form_page(request, slug)
        if revise and is_uuid(revise):
            page["revising"] = the_site.queries().proposal(revise)
        field = error.field if isinstance(error, InvalidDetails) else ""
        values = shown(details) | {"cover": form.get("cover", "")}
        return refused(
            request, "details_form.html", error,
            **page | {"values": values, "message": message, "field": field},
        )  # fmt: skip
    return RedirectResponse(f"/proposals/{identifier}", status_code=303)


def is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


# The proposal's page shows the details it changes, field by field.


def details_proposal_page(request: Request, found: ProposalView) -> dict[str, Any]:
    """What the proposal page shows of a proposal of details: each field it changes, before
    and after (once approved, as the book's record has it), and whether it is stale."""
    queries, app = site(request).queries(), site(request).app
    if found.status == ProposalStatus.APPROVED:
        history = queries.details_history(found.book_slug)
        change = next((c for c in history if c.proposal_id == found.id), None)
        if change is not None:
            rows = [(f.label, f.old, f.new) for f in change.changes]
            return {"fields": rows, "details_stale": False}
    current = details_of(queries.book_state(found.book_slug).metadata)
    proposed = read_details(found.text, current)
    now, then = current.as_dict(), proposed.as_dict()
    rows = [
        (LABELS[field], as_text(now[field]), as_text(then[field]))
        for field in FIELDS
        if now[field] != then[field]
    ]
    revision = app.book(found.book_slug).details_revision
    stale = ProposalStatus(found.status).is_open and revision != found.base_revision
    return {
        "fields": rows,
        "details_stale": stale,
        "conflict": "the details changed since" if stale else None,  # no Approve button
    }


def as_text(value: object) -> str:
    return "; ".join(value) if isinstance(value, list) else str(value)


# Who changed the details.


def details_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    queries = site(request).queries()
    return render(
        request,
        "details.html",
        book=queries.outline(slug),
        blame=queries.details_blame(slug),
        changes=list(reversed(queries.details_history(slug))),
    )


# The API.


async def propose_api(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    slug = book_in(request)
    body = checked(await json_body(request), DETAILS_BODY)
    images = [(image["name"], decoded(image["data"])) for image in body["images"]]
    return await run_in_threadpool(proposing_api, request, name, slug, body, images)


def proposing_api(
    request: Request, name: str, slug: str, body: dict[str, Any], images: Files
) -> Response:
    details = Details(
        title=body["title"],
        subtitle=body["subtitle"],
        authors=tuple(body["authors"]),
        description=body["description"],
        license=body["license"],
        cover=body["cover"],
        bibliography=body.get("bibliography", ""),
    )
    the_site = site(request)
    identifier = the_site.app.propose_details(
        slug, details, body["message"], name, images, the_site.blobs.put
    )
    return proposal_created(request, identifier)


routes = [
    Route("/books/{slug}/details", details_page, methods=["GET"]),
    Route("/books/{slug}/details/propose", propose_form, methods=["GET"]),
    Route("/books/{slug}/details/propose", propose, methods=["POST"]),
    Route("/api/books/{slug}/details/proposals", propose_api, methods=["POST"]),
]
