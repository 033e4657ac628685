"""Authors write and propose; editors review: the pages of the review gate."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from http import HTTPStatus
from uuid import UUID

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import (
    InvalidInput,
    MergeConflict,
    ProposalChanged,
    ProposalNotFound,
    TextbookError,
    TooManyOpenProposals,
)
from textbook.domain.state import BookState
from textbook.projections.publishing import drafting
from textbook.projections.publishing.pandoc import PandocFailed
from textbook.projections.publishing.reading import PreviewBusy, preview
from textbook.projections.publishing.sanitize import UnsafeInput
from textbook.projections.queries import ProposalView
from textbook.storage import blob_store
from textbook.web.errors import WebError, status_of
from textbook.web.pages import render
from textbook.web.reader import word_diff
from textbook.web.security import current_user, read_form, read_form_with_files
from textbook.web.site import site

OPEN = ("open", "changes_requested")


def signed_in(request: Request) -> str:
    name = current_user(request)
    if name is None:
        raise SignInFirst(request.url.path)
    return name


class SignInFirst(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def sign_in_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInFirst)
    return RedirectResponse(f"/signin?next={exc.path}", status_code=303)


def proposal_id(request: Request) -> UUID:
    try:
        return UUID(request.path_params["proposal"])
    except ValueError:
        raise ProposalNotFound(request.path_params["proposal"][:60]) from None


def edit(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    signed_in(request)
    queries = site(request).queries()
    section = queries.section(slug, section_id)
    return render(
        request,
        "edit.html",
        book=queries.outline(slug),
        section=section,
        text=section.text,
        message="",
        base_revision=section.revision,
        action=f"/books/{slug}/sections/{section_id}/edit",
        heading=f"Edit “{section.title}”",
        error=None,
        draft=Draft(f"{slug}/sections/{section_id}", "edit", section_id),
        tools=tools(request, slug),
    )


async def propose_edit(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    name = signed_in(request)
    form, images = await read_form_with_files(request)
    text, message = form.get("text", ""), form.get("message", "")
    base = parse_revision(form.get("base_revision", ""))
    app = site(request).app
    try:
        created = await run_in_threadpool(
            lambda: app.propose_edit(
                slug, section_id, text, message, name, base, images, blob_store(app).put
            )
        )
    except (InvalidInput, TooManyOpenProposals) as error:
        queries = site(request).queries()
        section = queries.section(slug, section_id)
        return render(
            request, "edit.html", int(status_of(error)), book=queries.outline(slug),
            section=section, text=text, message=message, base_revision=base or section.revision,
            error=error.message,
            action=request.url.path, heading=f"Edit “{section.title}”",
            draft=Draft(f"{slug}/sections/{section_id}", "edit", section_id),
            tools=tools(request, slug),
        )  # fmt: skip
    return RedirectResponse(f"/proposals/{created}", status_code=303)


def parse_revision(value: str) -> int | None:
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:  # else int() may raise
        raise WebError(HTTPStatus.BAD_REQUEST, "The base revision must be a whole number.")
    return int(value)


PREVIEW_WINDOW = 60.0  # seconds: TEXTBOOK_PREVIEW_RATE previews per person in this


async def preview_endpoint(request: Request) -> Response:
    name = current_user(request)
    if name is None:
        message = "Sign in to see the preview."
        return JSONResponse({"error": message, "signin": "/signin"}, status_code=401)
    the_site = site(request)
    wait = await run_in_threadpool(
        the_site.throttle.hit, "preview:" + name, the_site.settings.preview_rate, PREVIEW_WINDOW
    )
    if wait is not None:
        message = f"Too many previews in a minute; the preview resumes in {int(wait) + 1} s."
        headers = {"Retry-After": str(int(wait) + 1)}
        return JSONResponse({"error": message}, status_code=429, headers=headers)
    form = await read_form(request)
    slug, proposal = form.get("book", ""), form.get("proposal", "")
    book = place = None
    if slug:
        book = await run_in_threadpool(lambda: site(request).queries().book_state(slug))
        place = await run_in_threadpool(placement, request, book, form)
    attached: list[str] = []
    if proposal and book is not None:  # a revision: the proposal's own images show too
        images = await run_in_threadpool(site(request).queries().proposal_images, proposal[:60])
        attached = [image.name for image in images]
    try:
        html = await run_in_threadpool(
            preview,
            form.get("text", ""),
            book,
            site(request).library.previews,
            attached,
            f"/proposals/{proposal[:60]}/images/",
            place,
        )
    except InvalidInput as error:  # over the limit of a section: said, never cut
        return JSONResponse({"error": error.message}, status_code=422)
    except (PandocFailed, UnsafeInput) as error:
        return JSONResponse({"error": f"This text cannot be published: {error}"}, status_code=422)
    except PreviewBusy as error:
        return JSONResponse({"error": str(error)}, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse({"html": str(html)})


@dataclass(frozen=True)
class Draft:
    """Which text an editor page writes: its draft's key in the browser, and where it stands."""

    key: str
    kind: str  # a proposal's kind: edit, add_section or add_chapter
    section: str = ""
    chapter: str = ""
    after: str = ""


def tools(request: Request, slug: str) -> dict[str, object]:
    """What the editor's pickers offer: the book's works, images and ids, bounded in number."""
    state = site(request).queries().book_state(slug)
    cache = site(request).library.cache
    return {
        "works": drafting.works(state, cache),
        "images": drafting.images(state),
        "targets": drafting.targets(state, cache),
    }


def placement(request: Request, book: BookState, form: dict[str, str]) -> drafting.Placement | None:
    kind = form.get("kind", "")
    if kind not in ("edit", "add_section", "add_chapter"):
        return None
    section, chapter, after = (form.get(name, "")[:200] for name in ("section", "chapter", "after"))
    return drafting.placement(book, site(request).library.cache, kind, section, chapter, after)


def new_draft(slug: str, kind: str) -> Draft:
    return Draft(f"{slug}/new/{kind}", "add_chapter" if kind == "chapter" else "add_section")


def new(request: Request) -> Response:
    slug = request.path_params["slug"]
    signed_in(request)
    queries = site(request).queries()
    outline = queries.outline(slug)
    chapter = request.query_params.get("chapter", "")
    return render(
        request, "new.html", book=outline, chapter=chapter, after="", text="", message="",
        kind="section" if chapter else "chapter", error=None,
        draft=new_draft(slug, "section" if chapter else "chapter"), tools=tools(request, slug),
    )  # fmt: skip


async def propose_new(request: Request) -> Response:
    slug = request.path_params["slug"]
    name = signed_in(request)
    form, images = await read_form_with_files(request)
    kind, text, message = (
        form.get("kind", "section"),
        form.get("text", ""),
        form.get("message", ""),
    )
    chapter, after = form.get("chapter", ""), form.get("after", "")
    app = site(request).app
    store = blob_store(app).put
    try:
        if kind == "chapter":
            created = await run_in_threadpool(
                app.propose_chapter, slug, after, text, message, name, images, store
            )
        else:
            created = await run_in_threadpool(
                app.propose_section, slug, chapter, after, text, message, name, images, store
            )
    except (InvalidInput, TextbookError) as error:
        kept = isinstance(error, (InvalidInput, TooManyOpenProposals))
        if not kept and status_of(error) != HTTPStatus.CONFLICT:
            raise
        outline = site(request).queries().outline(slug)
        return render(
            request, "new.html", int(status_of(error)), book=outline, chapter=chapter, after=after,
            text=text, message=message, kind=kind, error=error.message,
            draft=new_draft(slug, kind), tools=tools(request, slug),
        )  # fmt: skip
    return RedirectResponse(f"/proposals/{created}", status_code=303)


def proposal(request: Request) -> Response:
    since = request.query_params.get("since")
    return proposal_page(request, proposal_id(request), parse_version(since) if since else None)


@dataclass(frozen=True)
class Changed:
    """What changed in a proposal since the version a reviewer read."""

    read: int
    diff: Markup | None  # None if that version's text is not kept (a store from before)
    refused: bool  # a decision on version `read` was just refused


def changed_since(
    request: Request, found: ProposalView, read: int | None, refused: bool
) -> Changed | None:
    if read is None or read < 1 or read >= found.version:  # versions count from 1
        return None
    old = site(request).queries().proposal_text(found.id, read)
    return Changed(read, None if old is None else word_diff(old, found.text), refused)


def proposal_page(
    request: Request,
    identifier: UUID,
    read: int | None = None,
    status: int = 200,
    comment: str = "",
) -> Response:
    """The proposal page; with `read`, it also shows what changed since that version (and,
    with a 409 status, that a decision on it was refused, keeping the reviewer's comment)."""
    queries = site(request).queries()
    found = queries.proposal(str(identifier))
    outline = queries.outline(found.book_slug)
    current = None
    if found.kind in ("edit", "remove_section", "move_section"):
        try:
            current = queries.section(found.book_slug, found.section_id)
        except TextbookError:
            current = None
    base_text = (
        queries.revision_text(found.book_slug, found.section_id, found.base_revision) or ""
        if found.kind == "edit"
        else ""
    )
    stale = (
        found.status in ("open", "changes_requested")
        and current is not None
        and found.kind == "edit"
        and current.revision != found.base_revision
    )
    merged, conflict = merged_or_conflict(request, identifier) if stale else (None, None)
    user = current_user(request)
    may_approve = user is not None and site(request).app.may_approve(identifier, user)
    rendered: Markup | None
    attached = queries.proposal_images(str(identifier))
    book = queries.book_state(found.book_slug)
    try:
        cache = site(request).library.previews
        shown = merged if merged is not None else found.text  # what approving would publish
        own = [image.name for image in attached]
        at = f"/proposals/{identifier}/images/"
        place = drafting.placement(
            book, site(request).library.cache, found.kind, found.section_id, found.chapter_id,
            found.after,
        )  # fmt: skip
        rendered = preview(shown, book, cache, own, at, place) if shown else None
    except (PandocFailed, UnsafeInput, PreviewBusy) as error:
        rendered = None
        render_error: str | None = str(error)
    else:
        render_error = None
    return render(
        request,
        "proposal.html",
        status,
        changed=changed_since(request, found, read, refused=status == HTTPStatus.CONFLICT),
        book=outline,
        proposal=found,
        thread=queries.thread(str(identifier)),
        diff=word_diff(base_text, found.text),
        since=word_diff(base_text, current.text) if stale and current else None,
        merged=word_diff(current.text, merged) if merged is not None and current else None,
        conflict=conflict,
        current=current,
        stale=stale,
        rendered=rendered,
        render_error=render_error,
        comment=comment,
        attached=attached,
        replaced={image.name for image in book.images} if found.status in OPEN else set(),
        may_approve=may_approve,
        is_author=user == found.author,
        may_review=user is not None
        and user != found.author
        and reviewer(request, found.book_slug, user),
    )


def merged_or_conflict(request: Request, identifier: UUID) -> tuple[str | None, str | None]:
    """What approving would publish now, or else which lines clash (the domain decides)."""
    try:
        return site(request).app.merged_text(identifier), None
    except MergeConflict as error:
        return None, error.where


def reviewer(request: Request, slug: str, user: str) -> bool:
    book = site(request).app.book(slug)
    return book.may_review(site(request).app.user(user).id)


async def review(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    form = await read_form(request)
    verdict = form.get("verdict", "")
    version = parse_version(form["version"]) if form.get("version") else None
    try:
        await run_in_threadpool(
            site(request).app.review, identifier, verdict, form.get("comment", ""), name, version
        )
    except ProposalChanged as error:
        # The page itself answers the 409: it says so, and shows what changed since.
        return await run_in_threadpool(
            proposal_page,
            request,
            identifier,
            error.read_version,
            int(status_of(error)),
            form.get("comment", ""),
        )
    return RedirectResponse(f"/proposals/{identifier}", status_code=303)


def parse_version(value: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise WebError(HTTPStatus.BAD_REQUEST, "The version must be a whole number.")
    return int(value)


def revise_form(request: Request) -> Response:
    identifier = proposal_id(request)
    signed_in(request)
    queries = site(request).queries()
    found = queries.proposal(str(identifier))
    return render(
        request, "edit.html", book=queries.outline(found.book_slug),
        section=None, text=found.text, message="", base_revision="",
        action=f"/proposals/{identifier}/revise", heading="Revise your proposal", error=None,
        proposal_id=identifier, attached=queries.proposal_images(str(identifier)),
        draft=revision_draft(found), tools=tools(request, found.book_slug),
    )  # fmt: skip


def revision_draft(found: ProposalView) -> Draft:
    return Draft(
        f"proposals/{found.id}", found.kind, found.section_id, found.chapter_id, found.after
    )


async def revise(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    form, images = await read_form_with_files(request)
    text, message = form.get("text", ""), form.get("message", "")
    app = site(request).app
    try:
        await run_in_threadpool(
            lambda: app.revise_proposal(
                identifier, text, message, name, None, images, blob_store(app).put
            )
        )
    except InvalidInput as error:
        queries = site(request).queries()
        found = queries.proposal(str(identifier))
        return render(
            request, "edit.html", 422, book=queries.outline(found.book_slug),
            section=None, text=text, message=message, base_revision="", error=error.message,
            action=request.url.path, heading="Revise your proposal",
            proposal_id=identifier, attached=queries.proposal_images(str(identifier)),
            draft=revision_draft(found), tools=tools(request, found.book_slug),
        )  # fmt: skip
    return RedirectResponse(f"/proposals/{identifier}", status_code=303)


async def withdraw(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    await read_form(request)
    await run_in_threadpool(site(request).app.withdraw, identifier, name)
    return RedirectResponse(f"/proposals/{identifier}", status_code=303)


def mine(request: Request) -> Response:
    name = signed_in(request)
    return render(request, "mine.html", proposals=site(request).queries().proposals_by(name))


def queue(request: Request) -> Response:
    slug = request.path_params["slug"]
    queries = site(request).queries()
    delays = queries.review_delays(slug)
    return render(
        request,
        "queue.html",
        book=queries.outline(slug),
        proposals=queries.proposals(slug, "open"),
        median=statistics.median(delays) if delays else None,
        reviewed=len(delays),
    )


routes = [
    Route("/books/{slug}/sections/{section}/edit", edit, methods=["GET"]),
    Route("/books/{slug}/sections/{section}/edit", propose_edit, methods=["POST"]),
    Route("/books/{slug}/new", new, methods=["GET"]),
    Route("/books/{slug}/new", propose_new, methods=["POST"]),
    Route("/books/{slug}/queue", queue),
    Route("/preview", preview_endpoint, methods=["POST"]),
    Route("/proposals/{proposal}", proposal),
    Route("/proposals/{proposal}/review", review, methods=["POST"]),
    Route("/proposals/{proposal}/revise", revise_form, methods=["GET"]),
    Route("/proposals/{proposal}/revise", revise, methods=["POST"]),
    Route("/proposals/{proposal}/withdraw", withdraw, methods=["POST"]),
    Route("/me/proposals", mine),
]
