"""A book's images page: see them, and propose a new or replaced image for review.

Nothing uploaded here is published at once: the image travels with a proposal to change the
section that is to show it (its text as it stands, or as the author edits it), and reaches the
book only when an editor approves that proposal.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput, TooManyOpenProposals
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.security import read_form_with_files
from textbook.web.signin import signed_in
from textbook.web.site import site
from textbook.web.statuses import WebError


def images(request: Request) -> Response:
    values = {"section": request.query_params.get("section", "")}
    return render(request, "images.html", **images_page(request, values))


def images_page(request: Request, values: dict[str, str]) -> dict[str, Any]:
    """The page's context, with what was typed in the form (after a refusal)."""
    slug = request.path_params["slug"]
    queries = site(request).queries()
    return {
        "book": queries.outline(slug),
        "images": queries.book_state(slug).images,
        "section": values.get("section", ""),
        "values": values,
        "error": None,
    }


async def propose_image(request: Request) -> Response:
    user = signed_in(request)
    form, files = await read_form_with_files(request, max_files=1)
    if not files:
        raise WebError(HTTPStatus.UNPROCESSABLE_ENTITY, "Choose an image to upload.")
    return await run_in_threadpool(proposing_image, request, user, form, files[0])


def proposing_image(
    request: Request, user: str, form: dict[str, str], file: tuple[str, bytes]
) -> Response:
    """Open a proposal of the chosen section, its text unchanged, carrying the image."""
    slug = request.path_params["slug"]
    filename, data = file
    name = (form.get("name") or filename).strip()
    section_id, message = form.get("section", ""), form.get("message", "")
    the_site = site(request)
    try:
        section = the_site.queries().section(slug, section_id)
        created = the_site.app.propose_edit(
            slug,
            section_id,
            section.text,
            message or f"Image {name[:80]}",
            user,
            section.revision,
            [(name, data)],
            the_site.blobs.put,
        )
    except (InvalidInput, TooManyOpenProposals) as error:
        typed = {"name": form.get("name", ""), "section": section_id, "message": message}
        page = images_page(request, typed)
        return refused(request, "images.html", error, said=f"{name[:80]}: {error.message}", **page)
    return RedirectResponse(f"/proposals/{created}", status_code=303)


routes = [
    Route("/books/{slug}/images", images, methods=["GET"]),
    Route("/books/{slug}/images", propose_image, methods=["POST"]),
]
