"""The JSON API under /api/: reads for anyone, writes with a bearer token; /openapi.json."""

from __future__ import annotations

import difflib
from http import HTTPStatus
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from textbook.domain.editions import NOW
from textbook.domain.errors import (
    InvalidInput,
)
from textbook.domain.state import ImageRef
from textbook.domain.vocabulary import ProposalKind
from textbook.projections.queries import BookOutline, ProposalSummary, ProposalView
from textbook.web import fork_api, need_api
from textbook.web.api_requests import (
    EditProposal,
    NewProposal,
    Review,
    Revision,
    bearer,
    book_in,
    chapter_in,
    decoded,
    json_body,
    proposal_in,
    section_in,
)
from textbook.web.api_requests import (
    checked as checked,
)
from textbook.web.bodies import (
    ASK_REVIEW_BODY,
    IMAGE_BODY,
    NEW_CHAPTER_BODY,
    NEW_SECTION_BODY,
    PROPOSAL_BODY,
    REVIEW_BODY,
    REVISION_BODY,
    STATUSES,
)
from textbook.web.edition_pages import compare_href, downloads_of
from textbook.web.openapi import OPENAPI
from textbook.web.site import site

MAX_TOKEN = 200  # tokens are "tb_" and 43 characters; longer ones are not worth hashing


def books(request: Request) -> Response:
    return JSONResponse([book_json(book) for book in site(request).queries().books()])


def book(request: Request) -> Response:
    outline = site(request).queries().outline(book_in(request))
    chapters = [
        {
            "id": chapter.id,
            "title": chapter.title,
            "sections": [
                {"id": s.id, "title": s.title, "revision": s.revision} for s in chapter.sections
            ],
        }
        for chapter in outline.chapters
    ]
    summary = book_json(outline)
    del summary["updated_at"]
    return JSONResponse({**summary, "chapters": chapters})


def section(request: Request) -> Response:
    slug, section_id = section_in(request)
    found = site(request).queries().section(slug, section_id)
    return JSONResponse(
        {
            "id": found.id,
            "title": found.title,
            "chapter": found.chapter,
            "revision": found.revision,
            "text": found.text,
        }
    )


def history(request: Request) -> Response:
    slug, section_id = section_in(request)
    revisions = site(request).queries().history(slug, section_id)
    return JSONResponse(
        [
            {
                "revision": r.revision,
                "kind": r.kind,
                "author": r.author,
                "approver": r.approver,
                "proposal_id": r.proposal_id,
                "message": r.message,
                "at": r.at,
            }
            for r in revisions
        ]
    )


def editions(request: Request) -> Response:
    """A book's named editions, oldest first, each with the downloads built so far."""
    slug = request.path_params["slug"]
    found = site(request).queries().editions(slug)
    return JSONResponse(
        [
            {
                "name": e.name,
                "slug": e.slug,
                "at": e.at,
                "by": e.by,
                "downloads": {d["format"]: d["href"] for d in downloads_of(request, slug, e)},
                "changes_since": compare_href(slug, e.slug, NOW),
            }
            for e in found
        ]
    )


def proposals(request: Request) -> Response:
    status = request.query_params.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"'{status[:40]}' is not a status; use one of {', '.join(STATUSES)}.")
    found = site(request).queries().proposals(book_in(request), status)
    return JSONResponse([summary_json(p) for p in found])


def proposal(request: Request) -> Response:
    identifier = proposal_in(request)
    queries = site(request).queries()
    found = queries.proposal(str(identifier))
    base = ""
    if found.kind == ProposalKind.EDIT:
        base = queries.revision_text(found.book_slug, found.section_id, found.base_revision) or ""
    reviews = [
        {"kind": t.kind, "by": t.by, "comment": t.comment, "at": t.at}
        for t in queries.thread(str(identifier))
    ]
    images = [image_json(image) for image in queries.proposal_images(str(identifier))]
    return JSONResponse(
        {
            **proposal_json(found),
            "diff": unified_diff(base, found),
            "reviews": reviews,
            "images": images,
        }
    )


def image_json(image: ImageRef) -> dict[str, Any]:
    return {
        "name": image.name,
        "sha256": image.sha256,
        "media_type": image.media_type,
        "size": image.size,
    }


# Writes.


async def propose(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    slug, section_id = section_in(request)
    body = EditProposal(**checked(await json_body(request), PROPOSAL_BODY))
    return await run_in_threadpool(proposing, request, name, slug, section_id, body)


def proposing(
    request: Request, name: str, slug: str, section_id: str, body: EditProposal
) -> Response:
    the_site = site(request)
    created = the_site.app.propose_edit(
        slug,
        section_id,
        body.text,
        body.message,
        name,
        body.base_revision,
        body.uploads(),
        the_site.blobs.put,
        body.need_ids(),
    )
    return proposal_created(request, created)


async def propose_section(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    slug, chapter_id = chapter_in(request)
    body = NewProposal(**checked(await json_body(request), NEW_SECTION_BODY))
    return await run_in_threadpool(proposing_new, request, name, slug, chapter_id, body)


async def propose_chapter(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    slug = book_in(request)
    body = NewProposal(**checked(await json_body(request), NEW_CHAPTER_BODY))
    return await run_in_threadpool(proposing_new, request, name, slug, None, body)


def proposing_new(
    request: Request, name: str, slug: str, chapter_id: str | None, body: NewProposal
) -> Response:
    """A new section in the chapter `chapter_id`, or (None) a new chapter."""
    the_site = site(request)
    app, store = the_site.app, the_site.blobs.put
    if chapter_id is None:
        created = app.propose_chapter(
            slug, body.after, body.text, body.message, name, body.uploads(), store, body.need_ids()
        )
    else:
        created = app.propose_section(
            slug, chapter_id, body.after, body.text, body.message, name, body.uploads(), store,
            body.need_ids(),
        )  # fmt: skip
    return proposal_created(request, created)


def proposal_created(request: Request, identifier: UUID) -> Response:
    found = site(request).queries().proposal(str(identifier))
    location = {"Location": f"/api/proposals/{identifier}"}
    return JSONResponse(proposal_json(found), HTTPStatus.CREATED, location)


async def review(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    identifier = proposal_in(request)
    body = Review(**checked(await json_body(request), REVIEW_BODY))
    return await run_in_threadpool(reviewing, request, name, identifier, body)


def reviewing(request: Request, name: str, identifier: UUID, body: Review) -> Response:
    status = site(request).app.review(
        identifier, body.verdict, body.comment, name, body.version, body.break_references
    )
    return JSONResponse(
        {"proposal": str(identifier), "verdict": body.verdict, "status": status},
        HTTPStatus.CREATED,
        {"Location": f"/api/proposals/{identifier}"},
    )


async def ask_review(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    identifier = proposal_in(request)
    body = checked(await json_body(request), ASK_REVIEW_BODY)
    return await run_in_threadpool(asking_review, request, name, identifier, str(body["reviewer"]))


def asking_review(request: Request, name: str, identifier: UUID, reviewer: str) -> Response:
    site(request).app.request_review(identifier, reviewer, name)
    asked = [
        found
        for found in site(request).queries().review_requests(str(identifier))
        if found.reviewer.lower() == reviewer.lower() and not found.answered
    ]
    return JSONResponse(
        {"proposal": str(identifier), "reviewer": asked[-1].reviewer, "by": asked[-1].by,
         "at": asked[-1].at},
        HTTPStatus.CREATED,
        {"Location": f"/api/proposals/{identifier}"},
    )  # fmt: skip


async def revise(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    identifier = proposal_in(request)
    body = Revision(**checked(await json_body(request), REVISION_BODY))
    return await run_in_threadpool(revising, request, name, identifier, body)


def revising(request: Request, name: str, identifier: UUID, body: Revision) -> Response:
    site(request).app.revise_proposal(
        identifier, body.text, body.message, name, body.base_revision, needs=body.need_ids()
    )
    return proposal_created(request, identifier)


async def withdraw(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    return await run_in_threadpool(withdrawing, request, name, proposal_in(request))


def withdrawing(request: Request, name: str, identifier: UUID) -> Response:
    site(request).app.withdraw(identifier, name)
    return JSONResponse(proposal_json(site(request).queries().proposal(str(identifier))))


async def attach(request: Request) -> Response:
    name = await run_in_threadpool(bearer, request)
    identifier = proposal_in(request)
    body = checked(await json_body(request), IMAGE_BODY)
    data = decoded(body["data"])
    return await run_in_threadpool(attaching, request, name, identifier, body["name"], data)


def attaching(request: Request, name: str, identifier: UUID, image: str, data: bytes) -> Response:
    the_site = site(request)
    attached = the_site.app.attach_image(identifier, image, data, name, the_site.blobs.put)
    return JSONResponse(image_json(attached), HTTPStatus.CREATED)


# Responses.


def book_json(outline: BookOutline) -> dict[str, Any]:
    return {
        "slug": outline.slug,
        "title": outline.title,
        "subtitle": outline.subtitle,
        "language": outline.language,
        "license": outline.license,
        "license_name": outline.licence.name,
        "description": outline.description,
        "authors": list(outline.authors),
        "editors": list(outline.editors),
        "publisher": outline.publisher,
        "isbn": outline.isbn,
        "updated_at": outline.updated_at,
    }


def summary_json(found: ProposalSummary) -> dict[str, Any]:
    return {**proposal_fields(found), "updated_at": found.updated_at}


def proposal_json(found: ProposalView) -> dict[str, Any]:
    return {**proposal_fields(found), "text": found.text}


def proposal_fields(found: ProposalSummary | ProposalView) -> dict[str, Any]:
    """What a proposal in a list and a proposal on its own both show."""
    return {
        "id": found.id,
        "status": found.status,
        "book": found.book_slug,
        "section": found.section_id,
        "kind": found.kind,
        "author": found.author,
        "base_revision": found.base_revision,
        "version": found.version,
        "message": found.message,
        "opened_at": found.opened_at,
    }


def unified_diff(base: str, found: ProposalView) -> str:
    """The proposal as a unified diff of the base revision's text to the proposed text."""
    lines = difflib.unified_diff(
        base.splitlines(),
        found.text.splitlines(),
        fromfile=f"{found.section_id}@{found.base_revision}" if base else "/dev/null",
        tofile=f"{found.section_id}@proposal",
        lineterm="",
    )
    return "".join(line + "\n" for line in lines)


def openapi(request: Request) -> Response:
    return JSONResponse(OPENAPI)


routes = [
    Route("/api/books", books, methods=["GET"]),
    Route("/api/books/{slug}", book, methods=["GET"]),
    Route("/api/books/{slug}/editions", editions, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}", section, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}/history", history, methods=["GET"]),
    Route("/api/books/{slug}/sections/{section}/proposals", propose, methods=["POST"]),
    Route("/api/books/{slug}/chapters", propose_chapter, methods=["POST"]),
    Route("/api/books/{slug}/chapters/{chapter}/sections", propose_section, methods=["POST"]),
    Route("/api/books/{slug}/proposals", proposals, methods=["GET"]),
    Route("/api/proposals/{proposal}", proposal, methods=["GET"]),
    Route("/api/proposals/{proposal}/reviews", review, methods=["POST"]),
    Route("/api/proposals/{proposal}/review-requests", ask_review, methods=["POST"]),
    Route("/api/proposals/{proposal}/revisions", revise, methods=["POST"]),
    Route("/api/proposals/{proposal}/withdraw", withdraw, methods=["POST"]),
    Route("/api/proposals/{proposal}/images", attach, methods=["POST"]),
    *need_api.routes,
    *fork_api.routes,
    Route("/openapi.json", openapi, methods=["GET"]),
]
