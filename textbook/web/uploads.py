"""A book's images page: see them, and upload a new one (checked for type, size and safety)."""

from __future__ import annotations

import hashlib
import hmac
from http import HTTPStatus

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput, SlugTaken
from textbook.domain.images import MAX_IMAGE
from textbook.storage import blob_store
from textbook.web.errors import WebError
from textbook.web.pages import render
from textbook.web.proposals import signed_in
from textbook.web.site import site


def images(request: Request) -> Response:
    slug = request.path_params["slug"]
    queries = site(request).queries()
    state = queries.book_state(slug)
    return render(
        request, "images.html", book=queries.outline(slug), images=state.images, error=None
    )


async def upload(request: Request) -> Response:
    slug = request.path_params["slug"]
    user = signed_in(request)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise WebError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Upload the image with the form.")
    try:
        async with request.form(max_files=1, max_fields=5, max_part_size=MAX_IMAGE) as form:
            token, upload_file = form.get("csrf"), form.get("image")
            if not isinstance(token, str) or not hmac.compare_digest(
                str(request.session.get("csrf", "")), token
            ):
                raise WebError(HTTPStatus.FORBIDDEN, "This form has expired: reload the page.")
            if not isinstance(upload_file, UploadFile) or not upload_file.filename:
                raise WebError(HTTPStatus.UNPROCESSABLE_ENTITY, "Choose an image to upload.")
            data = await upload_file.read(MAX_IMAGE + 1)
            name = str(form.get("name") or upload_file.filename).strip()
    except WebError:
        raise
    except Exception:
        raise WebError(HTTPStatus.BAD_REQUEST, "The upload could not be read.") from None
    app = site(request).app
    try:
        blob_store(app).put({hashlib.sha256(data).hexdigest(): data})
        await run_in_threadpool(app.add_image, slug, name, data, user)
    except (InvalidInput, SlugTaken) as error:
        queries = site(request).queries()
        return render(
            request, "images.html", 422 if isinstance(error, InvalidInput) else 409,
            book=queries.outline(slug), images=queries.book_state(slug).images,
            error=f"{name[:80]}: {error.message}",
        )  # fmt: skip
    return RedirectResponse(f"/books/{slug}/images", status_code=303)


routes = [
    Route("/books/{slug}/images", images, methods=["GET"]),
    Route("/books/{slug}/images", upload, methods=["POST"]),
]
