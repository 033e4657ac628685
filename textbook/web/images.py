"""A book's images, served from the image store with a policy that keeps SVG inert."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from textbook.domain.errors import NotFound
from textbook.domain.images import passes_today
from textbook.domain.state import ImageRef
from textbook.web.site import site

# An SVG opened directly must not run script on our origin.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def image(request: Request) -> Response:
    slug, name = request.path_params["slug"], request.path_params["name"]
    found = site(request).queries().image(slug, name)
    if found is None:
        raise NotFound(f"The book '{slug}' has no image '{name[:80]}'.")
    return served(request, *found)


def proposal_image(request: Request) -> Response:
    """An image a proposal carries: shown on its page, before any approval puts it in a book."""
    identifier, name = request.path_params["proposal"], request.path_params["name"]
    images = site(request).queries().proposal_images(identifier)
    found: ImageRef | None = next((i for i in images if i.name == name), None)
    if found is None:
        raise NotFound(f"The proposal carries no image '{name[:80]}'.")
    # no-cache: the author may attach a new image under the same name; the reviewer sees it.
    return served(request, found.sha256, found.media_type, "no-cache")


def served(
    request: Request, sha256: str, media_type: str, cache: str = "public, max-age=300"
) -> Response:
    data = site(request).blobs.get(sha256)
    name = request.path_params["name"]
    if not passes_today(name, sha256, data):  # stored before today's checks, and fails them
        raise NotFound(f"The image '{name[:80]}' cannot be shown: it fails the image checks.")
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Security-Policy": IMAGE_POLICY,
            "Cache-Control": cache,
            "ETag": f'"{sha256}"',
        },
    )
