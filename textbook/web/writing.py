"""Authors write: the editor pages for a change, a new section or chapter, and a revision."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from textbook.domain.errors import (
    InvalidInput,
    NeedClosed,
    NeedNotFound,
    TextbookError,
    TooManyOpenProposals,
)
from textbook.domain.vocabulary import ProposalKind
from textbook.projections.publishing import drafting
from textbook.projections.queries import NeedView, ProposalView
from textbook.web.forms import parse_revision, proposal_id, refused
from textbook.web.pages import render
from textbook.web.security import read_form_with_files
from textbook.web.signin import signed_in
from textbook.web.site import site
from textbook.web.statuses import status_of

Files = list[tuple[str, bytes]]
REVISION_NOTE = "What changed in this version, and why? (The title stays.)"
# Refusals after which the form comes back with the text kept; any other (the person may not
# propose at all) is answered by the error handler.
KEPT_TEXT = (
    HTTPStatus.NOT_FOUND,  # a place no longer in the book
    HTTPStatus.CONFLICT,
    HTTPStatus.UNPROCESSABLE_ENTITY,
)


def keeps_text(error: TextbookError) -> bool:
    return isinstance(error, TooManyOpenProposals) or status_of(error) in KEPT_TEXT


@dataclass(frozen=True)
class Draft:
    """Which text an editor page writes: its draft's key in the browser, and where it stands."""

    key: str
    kind: ProposalKind  # edit, add_section or add_chapter
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


# A change to a section.


def edit_page(request: Request, slug: str, section_id: str, **typed: Any) -> dict[str, Any]:
    queries = site(request).queries()
    section = queries.section(slug, section_id)
    return {
        "book": queries.outline(slug),
        "section": section,
        "text": section.text,
        "message": "",
        "base_revision": section.revision,
        "action": f"/books/{slug}/sections/{section_id}/edit",
        "heading": f"Edit “{section.title}”",
        "error": None,
        "draft": Draft(f"{slug}/sections/{section_id}", ProposalKind.EDIT, section_id),
        "tools": tools(request, slug),
        "needs": queries.needs(slug, section=section_id),
        "answers": [request.query_params.get("need", "")[:40]],
        **typed,
    }


def edit(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    signed_in(request)
    return render(request, "edit.html", **edit_page(request, slug, section_id))


async def propose_edit(request: Request) -> Response:
    name = signed_in(request)
    form, images = await read_form_with_files(request)
    return await run_in_threadpool(proposing_edit, request, name, form, images)


def proposing_edit(request: Request, name: str, form: dict[str, str], images: Files) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    text, message = form.get("text", ""), form.get("message", "")
    base = parse_revision(form.get("base_revision", ""))
    the_site = site(request)
    answers = need_ids(form)
    try:
        created = the_site.app.propose_edit(
            slug, section_id, text, message, name, base, images, the_site.blobs.put, answers
        )
    except (InvalidInput, TooManyOpenProposals, NeedClosed, NeedNotFound) as error:
        page = edit_page(
            request, slug, section_id, text=text, message=message, answers=map(str, answers)
        )
        page["base_revision"] = base or page["base_revision"]
        return refused(request, "edit.html", error, **page | {"action": request.url.path})
    return RedirectResponse(f"/proposals/{created}", status_code=303)


def need_ids(form: dict[str, str]) -> list[UUID]:
    """The needs ticked as answered: fields "need-<id>" (each its own name, so none is lost)."""
    found = []
    for key in form:
        if key.startswith("need-"):
            try:
                found.append(UUID(key.removeprefix("need-")))
            except ValueError:
                raise InvalidInput("That is not a need of this book.") from None
    return found


# A new section or chapter.


def chapter_needs(request: Request, slug: str) -> list[NeedView]:
    """The open needs of whole chapters, which a new section (or chapter) may answer."""
    return [need for need in site(request).queries().needs(slug) if need.section_id is None]


def new_draft(slug: str, kind: str) -> Draft:
    chapter = kind == "chapter"
    return Draft(
        f"{slug}/new/{kind}", ProposalKind.ADD_CHAPTER if chapter else ProposalKind.ADD_SECTION
    )


def new(request: Request) -> Response:
    slug = request.path_params["slug"]
    signed_in(request)
    outline = site(request).queries().outline(slug)
    chapter = request.query_params.get("chapter", "")[:200]
    after = request.query_params.get("after", "")[:200]
    kind = "section" if chapter or request.query_params.get("kind") == "section" else "chapter"
    return render(
        request, "new.html", book=outline, chapter=chapter, after=after, text="", message="",
        kind=kind, error=None, last=kind == "chapter" and not after,
        draft=new_draft(slug, kind), tools=tools(request, slug),
        needs=chapter_needs(request, slug), answers=[request.query_params.get("need", "")[:40]],
    )  # fmt: skip


async def propose_new(request: Request) -> Response:
    name = signed_in(request)
    form, images = await read_form_with_files(request)
    return await run_in_threadpool(proposing_new, request, name, form, images)


def proposing_new(request: Request, name: str, form: dict[str, str], images: Files) -> Response:
    slug = request.path_params["slug"]
    kind, text, message = (
        form.get("kind", "section"),
        form.get("text", ""),
        form.get("message", ""),
    )
    chapter, after = form.get("chapter", ""), form.get("after", "")
    if "place" in form:  # a new section's place: "chapter/after", after empty for the first
        chapter, _, after = form["place"].partition("/")
    the_site = site(request)
    app, store = the_site.app, the_site.blobs.put
    answers = need_ids(form)
    try:
        if kind == "chapter":
            created = app.propose_chapter(slug, after, text, message, name, images, store, answers)
        else:
            created = app.propose_section(
                slug, chapter, after, text, message, name, images, store, answers
            )
    except TextbookError as error:
        if not keeps_text(error):  # the person may not propose at all
            raise
        outline = the_site.queries().outline(slug)
        return refused(
            request, "new.html", error, book=outline, chapter=chapter, after=after,
            text=text, message=message, kind=kind, last=False,
            draft=new_draft(slug, kind), tools=tools(request, slug),
            needs=chapter_needs(request, slug), answers=[str(need) for need in answers],
        )  # fmt: skip
    return RedirectResponse(f"/proposals/{created}", status_code=303)


# A new version of a proposal, by its author.


def revising(found: ProposalView) -> str:
    return f"Revise “{found.message or found.section_id}”"


def revision_draft(found: ProposalView) -> Draft:
    return Draft(
        f"proposals/{found.id}",
        ProposalKind(found.kind),
        found.section_id,
        found.chapter_id,
        found.after,
    )


def revision_page(request: Request, found: ProposalView, **typed: Any) -> dict[str, Any]:
    queries = site(request).queries()
    return {
        "book": queries.outline(found.book_slug),
        "section": None,
        "text": found.text,
        "message": "",
        "base_revision": "",
        "action": f"/proposals/{found.id}/revise",
        "heading": revising(found),
        "error": None,
        "message_label": REVISION_NOTE,
        "proposal_id": found.id,
        "attached": queries.proposal_images(found.id),
        "draft": revision_draft(found),
        "tools": tools(request, found.book_slug),
        "needs": more_needs(request, found),
        "answers": [],
        **typed,
    }


def more_needs(request: Request, found: ProposalView) -> list[NeedView]:
    """The open needs a revision may add to those the proposal answers: its section's, or,
    for a new section or chapter, whole chapters'."""
    queries = site(request).queries()
    if found.kind in (ProposalKind.ADD_SECTION, ProposalKind.ADD_CHAPTER):
        offered = chapter_needs(request, found.book_slug)
    else:
        offered = queries.needs(found.book_slug, section=found.section_id)
    answered = {need.id for need in queries.needs_of_proposal(UUID(found.id))}
    return [need for need in offered if need.id not in answered]


def revise_form(request: Request) -> Response:
    identifier = proposal_id(request)
    signed_in(request)
    found = site(request).queries().proposal(str(identifier))
    if found.kind == ProposalKind.DETAILS:  # the details have a form of their own
        return RedirectResponse(
            f"/books/{found.book_slug}/details/propose?revise={found.id}", status_code=303
        )
    return render(request, "edit.html", **revision_page(request, found))


async def revise(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    form, images = await read_form_with_files(request)
    return await run_in_threadpool(revising_proposal, request, identifier, name, form, images)


def revising_proposal(
    request: Request, identifier: UUID, name: str, form: dict[str, str], images: Files
) -> Response:
    text, message = form.get("text", ""), form.get("message", "")
    the_site = site(request)
    answers = need_ids(form)
    try:
        the_site.app.revise_proposal(
            identifier, text, message, name, None, images, the_site.blobs.put, answers
        )
    except (InvalidInput, NeedClosed, NeedNotFound) as error:
        found = the_site.queries().proposal(str(identifier))
        page = revision_page(
            request, found, text=text, message=message, answers=[str(a) for a in answers]
        )
        return refused(request, "edit.html", error, **page | {"action": request.url.path})
    return RedirectResponse(f"/proposals/{identifier}", status_code=303)
