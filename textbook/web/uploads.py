"""A book's images page: see them, and propose a new or replaced image for review.

Nothing uploaded here is published at once: the image travels with a proposal to change the
section that is to show it (its text as it stands, or as the author edits it), and reaches the
book only when an editor approves that proposal.
"""

from __future__ import annotations

from http import HTTPStatus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput, TooManyOpenProposals
from textbook.storage import blob_store
from textbook.web.errors import WebError, status_of
from textbook.web.pages import render
from textbook.web.proposals import signed_in
from textbook.web.security import read_form_with_files
from textbook.web.site import site


def images(
    request: Request,
    error: str | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    """The page; after a refused proposal, with its error and what was typed in the form."""
    slug = request.path_params["slug"]
    values = values or {"section": request.query_params.get("section", "")}
    queries = site(request).queries()
    state = queries.book_state(slug)
    return render(
        request,
        "images.html",
        status,
        book=queries.outline(slug),
        images=state.images,
        section=values.get("section", ""),
        values=values,
        error=error,
    )


async def propose_image(request: Request) -> Response:
    """Open a proposal of the chosen section, its text unchanged, carrying the image."""
    slug = request.path_params["slug"]
    user = signed_in(request)
    form, files = await read_form_with_files(request, max_files=1)
    if not files:
        raise WebError(HTTPStatus.UNPROCESSABLE_ENTITY, "Choose an image to upload.")
    filename, data = files[0]
    name = (form.get("name") or filename).strip()
    section_id, message = form.get("section", ""), form.get("message", "")
    app = site(request).app
    try:
        section = await run_in_threadpool(site(request).queries().section, slug, section_id)
        created = await run_in_threadpool(
            lambda: app.propose_edit(
                slug,
                section_id,
                section.text,
                message or f"Image {name[:80]}",
                user,
                section.revision,
                [(name, data)],
                blob_store(app).put,
            )
        )
    except (InvalidInput, TooManyOpenProposals) as error:
        typed = {"name": form.get("name", ""), "section": section_id, "message": message}
        return images(request, f"{name[:80]}: {error.message}", int(status_of(error)), typed)
    return RedirectResponse(f"/proposals/{created}", status_code=303)


routes = [
    Route("/books/{slug}/images", images, methods=["GET"]),
    Route("/books/{slug}/images", propose_image, methods=["POST"]),
]
