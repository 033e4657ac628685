"""Pages for readers of a book: the list of books, a book's contents, its chapters (now or as
of a past moment), search, and the downloads of its editions."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from functools import lru_cache
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from textbook.domain.book import may_mark_needs
from textbook.domain.errors import BookDidNotExist, InvalidInput, SectionNotFound
from textbook.domain.moments import parse_as_of
from textbook.domain.vocabulary import Role
from textbook.projections.publishing.library import ReadableBook
from textbook.projections.publishing.pandoc import PandocFailed
from textbook.projections.publishing.pipeline import FORMAT_CLASSES, FORMATS
from textbook.projections.publishing.search import QueryTooLong
from textbook.projections.publishing.sources import BuildError
from textbook.projections.queries import Queries
from textbook.web.edit_links import with_edit_links
from textbook.web.errors import WebError
from textbook.web.feeds import feed_links
from textbook.web.forks import fork_context
from textbook.web.history_pages import key_of, shown_at
from textbook.web.pages import render
from textbook.web.reports import with_report_links
from textbook.web.security import current_user
from textbook.web.site import site

# Each edition's media type, as its format says, and the end of its download's file name.
DOWNLOADS = {cls.name: (cls.media_type, cls.suffix) for cls in FORMAT_CLASSES}


def as_of(request: Request) -> datetime | None:
    """The moment asked for with ?as_of= (a plain date is the end of that day, UTC), or None."""
    value = request.query_params.get("as_of")
    if not value:
        return None
    try:
        return parse_as_of(value)
    except InvalidInput as error:  # a malformed query string, as before: 400
        raise WebError(HTTPStatus.BAD_REQUEST, error.message) from None


def version_query(moment: datetime | None) -> str:
    """The query string that keeps a link in the version being read: '' for the current one."""
    return f"?{urlencode({'as_of': moment.isoformat()})}" if moment else ""


def readable_book(request: Request, slug: str, moment: datetime | None) -> ReadableBook:
    """The book to read; a version pandoc could not render in time (a busy machine) is a 503
    that says to try again, never a 500."""
    try:
        return site(request).readable(slug, moment)
    except (PandocFailed, BuildError):
        raise WebError(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "This version of the book is being prepared; try again in a minute.",
        ) from None


def before_the_book(request: Request, slug: str, moment: datetime) -> Response:
    """An honest page for a moment before the book existed, with a way to its first state."""
    queries = site(request).queries()
    revisions = queries.history(slug)
    return render(
        request,
        "before_book.html",
        int(HTTPStatus.NOT_FOUND),
        book=queries.outline(slug),
        as_of=moment,
        earliest=shown_at(revisions)[key_of(revisions[0])] if revisions else None,
    )


def books(request: Request) -> Response:
    queries = site(request).queries()
    archived = queries.archived_books()
    everyone = queries.books()
    return render(
        request,
        "books.html",
        books=[b for b in everyone if b.slug not in archived],
        archived=[b for b in everyone if b.slug in archived],
    )


def book(request: Request) -> Response:
    slug, moment = request.path_params["slug"], as_of(request)
    try:
        readable = readable_book(request, slug, moment)
    except BookDidNotExist:
        assert moment is not None  # the book exists now
        return before_the_book(request, slug, moment)
    queries = site(request).queries()
    return render(
        request,
        "book.html",
        book=readable.info,
        toc=readable.toc(),
        has_index=moment is None and bool(readable.index()),
        has_references=bool(readable.references),
        contributors=readable.book.contributors,
        attribution=readable.book.attribution,  # a fork's or remix's sources, credited
        edition=readable.book.edition,
        as_of=moment,
        version=version_query(moment),
        downloads=available_downloads(request, slug) if moment is None else [],
        members=queries.members(slug),
        queue=len(queries.proposals(slug, "open")),
        open_needs=queries.open_need_count(slug),
        feeds=feed_links(slug, readable.info["title"]) if moment is None else [],
        problems=queries.outline(slug).problems if moment is None else (),
        **fork_context(request, slug),
        **contributing(request, slug),
    )


def contributing(request: Request, slug: str) -> dict[str, Any]:
    """What the book page says of taking part: who may propose, and whether it is archived."""
    app, user = site(request).app, current_user(request)
    return {
        "archived": site(request).queries().standing(slug).archived,
        "open_to_all": app.book(slug).open_to_all,
        "may_propose": user is not None and app.may_propose(slug, user),
        "just_started": request.query_params.get("started") == "1",
    }


def chapter(request: Request) -> Response:
    slug, chapter_id, moment = (
        request.path_params["slug"],
        request.path_params["chapter"],
        as_of(request),
    )
    try:
        readable = readable_book(request, slug, moment)
    except BookDidNotExist:
        assert moment is not None  # the book exists now
        return before_the_book(request, slug, moment)
    found = readable.chapter(chapter_id)
    if found is None:
        raise SectionNotFound(slug, chapter_id)
    previous, following = readable.neighbours(found)
    version = version_query(moment)
    sections = readable.toc()[readable.chapters.index(found)]["sections"]
    # The chapter's own contents go between its title and its text.
    heading, end, text = readable.fragment(found.id, version).partition("</h1>")
    title, content = Markup(heading + end), Markup(text)  # sanitised by the pipeline
    queries = site(request).queries()
    archived = queries.standing(slug).archived
    if moment is None and not archived:  # the book as it is now: each section can be edited
        titles = ((found.id, found.title), *((s["id"], s["title"]) for s in sections))
        signed_in = current_user(request) is not None
        title, content = with_links(str(title), str(content), slug, found.id, titles, signed_in)
    return render(
        request,
        "chapter.html",
        book=readable.info,
        chapter=found,
        heading=title,
        content=content,
        previous=previous,
        next=following,
        as_of=moment,
        version=version,
        edition=readable.book.edition,
        sections=sections,
        has_index=moment is None and bool(readable.index()),
        has_references=bool(readable.references),
        downloads=available_downloads(request, slug) if moment is None else [],
        archived=archived,
        may_mark=may_mark(request, slug, queries, archived),
    )


@lru_cache(maxsize=256)
def with_links(
    title: str,
    content: str,
    slug: str,
    chapter_id: str,
    titles: tuple[tuple[str, str], ...],
    signed_in: bool,
) -> tuple[Markup, Markup]:
    """The chapter's heading and text with an edit link at each section and a report link after
    each paragraph: worked out once per edition of a chapter (and per signed in or not), not on
    every request (it cost a chapter page a third of its speed)."""
    by_id = dict(titles)
    heading = with_edit_links(Markup(title), slug, by_id, signed_in)
    text = with_report_links(Markup(content), slug, chapter_id, set(by_id))
    return heading, with_edit_links(text, slug, by_id, signed_in)


def may_mark(request: Request, slug: str, queries: Queries, archived: bool) -> bool:
    """Whether the signed-in person may mark needs: the domain's rule, asked with their role
    from the read models (a chapter page loads no aggregate)."""
    user = current_user(request)
    if user is None:
        return False
    role = next((r for name, r in queries.members(slug) if name.lower() == user.lower()), None)
    return may_mark_needs(Role(role) if role else None, archived)


def search(request: Request) -> Response:
    slug, query = request.path_params["slug"], request.query_params.get("q", "")
    readable = site(request).readable(slug)
    try:
        results = readable.search(query)
    except QueryTooLong as error:  # said, never searched cut short
        return render(
            request, "search.html", int(HTTPStatus.BAD_REQUEST), book=readable.info,
            query=query, hits=[], read_as="", error=str(error),
        )  # fmt: skip
    return render(
        request, "search.html", book=readable.info, query=query, hits=results.hits,
        read_as=results.read_as, error=None,
    )  # fmt: skip


def book_index(request: Request) -> Response:
    """The book's index: each entry linked to the sections where it is marked."""
    slug = request.path_params["slug"]
    readable = readable_book(request, slug, None)
    body = readable.index()
    if not body:
        raise SectionNotFound(slug, "index")
    return render(request, "book_index.html", book=readable.info, body=Markup(body))


def book_references(request: Request) -> Response:
    """The book's one list of the works it cites, where it lists them once (its citations
    link here); at a past moment, that moment's list."""
    slug, moment = request.path_params["slug"], as_of(request)
    try:
        readable = readable_book(request, slug, moment)
    except BookDidNotExist:
        assert moment is not None  # the book exists now
        return before_the_book(request, slug, moment)
    if not readable.references:
        raise SectionNotFound(slug, "references")
    return render(
        request,
        "book_references.html",
        book=readable.info,
        body=Markup(readable.references),  # sanitised by the pipeline
        as_of=moment,
        version=version_query(moment),
        edition=readable.book.edition,
    )


def available_downloads(request: Request, slug: str) -> list[dict[str, str]]:
    editions = site(request).publisher.editions
    found = []
    for name, (_, suffix) in DOWNLOADS.items():
        path = editions / (f"{slug}{suffix}" if name != "html" else slug)
        if path.exists():
            found.append({"format": name, "href": f"/books/{slug}/download/{name}"})
    return found


def download(request: Request) -> Response:
    slug, kind = request.path_params["slug"], request.path_params["format"]
    if kind not in DOWNLOADS:
        raise WebError(
            HTTPStatus.NOT_FOUND,
            f"There is no '{kind[:20]}' edition: use {', '.join(FORMATS[:-1])} or {FORMATS[-1]}.",
        )
    site(request).queries().outline(slug)  # 404 for an unknown book
    editions = site(request).publisher.editions
    media_type, suffix = DOWNLOADS[kind]
    filename = f"{slug}{suffix}"
    if kind == "html":
        folder = editions / slug
        if not folder.is_dir():
            return not_yet(request)
        return Response(
            zip_folder(folder, slug),
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    path = editions / filename
    if not path.exists():
        return not_yet(request)
    return FileResponse(path, media_type=media_type, filename=filename)


def not_yet(request: Request) -> Response:
    response = render(
        request,
        "error.html",
        int(HTTPStatus.SERVICE_UNAVAILABLE),
        code=503,
        phrase="Being built",
        message="This edition is being built; try again in a minute.",
    )
    response.headers["Retry-After"] = "30"
    return response


def zip_folder(folder: Path, slug: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{slug}/{path.relative_to(folder)}", (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


routes = [
    Route("/", books, name="books"),
    Route("/books/{slug}", book, name="book"),
    Route("/books/{slug}/chapters/{chapter}", chapter, name="chapter"),
    Route("/books/{slug}/search", search, name="search"),
    Route("/books/{slug}/book-index", book_index, name="book_index"),
    Route("/books/{slug}/references", book_references, name="book_references"),
    Route("/books/{slug}/download/{format}", download, name="download"),
]
