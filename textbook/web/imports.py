"""Bring a book: a signed-in person uploads a .docx, .epub, .tex or a .zip of a book folder
(ours, an mdBook, a Quarto or a LaTeX book) and becomes the maintainer of the book it makes.

The file is read by textbook.importing (checked zips, pandoc sandboxed and bounded) and recorded
by the application's import_book, which credits its first revisions to the person and refuses
a book someone else maintains. The page then shows what came through and every warning.
"""

from __future__ import annotations

import tempfile
from http import HTTPStatus
from pathlib import Path, PurePosixPath
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from textbook.domain.errors import NotAllowed, TextbookError
from textbook.domain.images import MAX_IMAGE
from textbook.importing import UPLOADS, LicenceNeeded, figures, read_source
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.security import read_form_with_files
from textbook.web.signin import signed_in
from textbook.web.site import site
from textbook.web.statuses import WebError

FIELDS = ("slug", "license", "language", "source")


def import_page(request: Request) -> Response:
    return render(request, "import.html", **form_page(request, {}))


def form_page(request: Request, values: dict[str, str], needed: bool = False) -> dict[str, Any]:
    """The form's context, with what was typed (after a refusal)."""
    limit = min(site(request).settings.max_body, MAX_IMAGE)
    said = f"{limit // (1024 * 1024)} MB" if limit % (1024 * 1024) == 0 else f"{limit:,} bytes"
    return {"values": values, "error": None, "licence_needed": needed, "limit": said}


async def import_upload(request: Request) -> Response:
    user = signed_in(request)
    form, files = await read_form_with_files(request, max_files=1)
    values = {key: form.get(key, "").strip()[:2000] for key in FIELDS}
    if not files:
        error = WebError(HTTPStatus.UNPROCESSABLE_ENTITY, "Choose a file to import.")
        return refused(request, "import.html", error, **form_page(request, values))
    filename, data = files[0]
    if PurePosixPath(filename).suffix.lower() not in UPLOADS:
        error = WebError(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            f"{filename[:80]} is not a book textbook can import: choose a .docx, .epub, .tex or "
            ".zip file.",
        )
        return refused(request, "import.html", error, **form_page(request, values))
    return await run_in_threadpool(importing, request, user, values, filename, data)


def importing(
    request: Request, user: str, values: dict[str, str], filename: str, data: bytes
) -> Response:
    """Read the uploaded book, then record it as imported by `user`."""
    suffix = PurePosixPath(filename).suffix.lower()
    try:
        with tempfile.TemporaryDirectory(prefix="textbook-upload-") as folder:
            path = Path(folder) / f"upload{suffix}"
            path.write_bytes(data)
            imported = read_source(
                path,
                name=filename,
                slug=values["slug"] or None,
                license=values["license"] or None,
                language=values["language"] or None,
                source=values["source"] or None,
            )
        book = imported.book
        report = site(request).app.import_book(
            book.state, by=user, problems=book.problems, blobs=book.blobs
        )
    except (NotAllowed, TextbookError) as error:
        said = f"{filename[:80]}: {error.message}"
        if isinstance(error, NotAllowed):
            said = (
                f"{error.message} A book with this slug exists and you do not maintain it: "
                "choose another slug."
            )
        needed = isinstance(error, LicenceNeeded)
        page = form_page(request, values, needed)
        return refused(request, "import.html", error, said=said, **page)
    context: dict[str, Any] = {
        "report": report,
        "summary": imported.summary,
        "figures": figures(imported.summary),
        "filename": filename,
        "title": book.state.title,
    }
    return render(request, "imported.html", **context)


routes = [
    Route("/import", import_page, methods=["GET"]),
    Route("/import", import_upload, methods=["POST"]),
]
