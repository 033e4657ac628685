"""A book's images, served from the image store with a policy that keeps SVG inert."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from textbook.domain.errors import NotFound
from textbook.storage import blob_store
from textbook.web.site import site

# An SVG opened directly must not run script on our origin.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def image(request: Request) -> Response:
    slug, name = request.path_params["slug"], request.path_params["name"]
    found = site(request).queries().image(slug, name)
    if found is None:
        raise NotFound(f"The book '{slug}' has no image '{name[:80]}'.")
    sha256, media_type = found
    data = blob_store(site(request).app).get(sha256)
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Security-Policy": IMAGE_POLICY,
            "Cache-Control": "public, max-age=300",
            "ETag": f'"{sha256}"',
        },
    )
