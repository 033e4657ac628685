"""Authors write and propose; editors review: the pages of the review gate."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit
from uuid import UUID

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.checks import context_of, problems_beside
from textbook.domain.errors import (
    BreaksReferences,
    InvalidInput,
    MergeConflict,
    ProposalChanged,
    ProposalNotFound,
    TextbookError,
    TooManyOpenProposals,
)
from textbook.domain.markdown import MAX_SECTION_BYTES, canonical, heading_of
from textbook.domain.state import BookState
from textbook.projections.publishing import drafting
from textbook.projections.publishing.pandoc import PandocFailed
from textbook.projections.publishing.preview import PreviewBusy, preview
from textbook.projections.publishing.sanitize import UnsafeInput
from textbook.projections.queries import ProposalView
from textbook.projections.queue import QueueEntry, place_in
from textbook.storage import blob_store
from textbook.web.destinations import signin_url
from textbook.web.diffs import word_diff
from textbook.web.errors import WebError, status_of
from textbook.web.pages import TEMPLATES, render
from textbook.web.security import current_user, read_form, read_form_with_files
from textbook.web.site import site

OPEN = ("open", "changes_requested")


def signed_in(request: Request) -> str:
    name = current_user(request)
    if name is None:
        raise SignInFirst(where_from(request))
    return name


def where_from(request: Request) -> str:
    """The page to return to after signing in: this one, or for a form sent while signed out
    (a session that ended), the page the form was on."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc:
        return ""
    return referer.path + (f"?{referer.query}" if referer.query else "")


class SignInFirst(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def sign_in_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInFirst)
    return RedirectResponse(signin_url(exc.path), status_code=303)


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
    problems = await run_in_threadpool(text_problems, form.get("text", ""), book, attached)
    return JSONResponse({"html": problems + str(html)})


def text_problems(text: str, book: BookState | None, attached: list[str]) -> str:
    """The problems the domain finds in the text (new ones, and those already published), as
    HTML to show above the preview."""
    if book is None or len(text) > MAX_SECTION_BYTES:
        return ""
    heading = heading_of(canonical(text))
    section_id = heading.id if heading is not None else None
    published = next((s.text for c in book.chapters for s in c.sections if s.id == section_id), "")
    context = context_of(book, section_id, frozenset(attached))
    new, old = problems_beside(text, published, context)
    template = TEMPLATES.get_template("_problems.html")
    return template.render(problems=new, published=old)


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
    chapter = request.query_params.get("chapter", "")[:200]
    after = request.query_params.get("after", "")[:200]
    kind = "section" if chapter or request.query_params.get("kind") == "section" else "chapter"
    return render(
        request, "new.html", book=outline, chapter=chapter, after=after, text="", message="",
        kind=kind, error=None, last=kind == "chapter" and not after,
        draft=new_draft(slug, kind), tools=tools(request, slug),
    )  # fmt: skip


KEPT_TEXT = (
    HTTPStatus.NOT_FOUND,  # a place no longer in the book
    HTTPStatus.CONFLICT,
    HTTPStatus.UNPROCESSABLE_ENTITY,
)


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
    if "place" in form:  # a new section's place: "chapter/after", after empty for the first
        chapter, _, after = form["place"].partition("/")
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
        # The form comes back with the text kept, unless the person may not propose at all.
        if not isinstance(error, TooManyOpenProposals) and status_of(error) not in KEPT_TEXT:
            raise
        outline = site(request).queries().outline(slug)
        return render(
            request, "new.html", int(status_of(error)), book=outline, chapter=chapter, after=after,
            text=text, message=message, kind=kind, error=error.message, last=False,
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
    refusal: str = "",
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
    broken = site(request).app.references_broken(identifier) if found.status in OPEN else []
    titles = {s.id: s.title for c in outline.chapters for s in c.sections}
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
        broken=[(reference, titles.get(reference.section_id, "")) for reference in broken],
        refusal=refusal,
        is_author=user == found.author,
        published=published_at(request, found),
        place=place_in(outline, found.kind, found.chapter_id, found.after),
        may_review=user is not None
        and user != found.author
        and reviewer(request, found.book_slug, user),
    )


@dataclass(frozen=True)
class Published:
    """Where an approved proposal's text is read now."""

    href: str
    title: str
    revision: int | None


def published_at(request: Request, found: ProposalView) -> Published | None:
    if found.status != "approved" or found.kind == "remove_section":
        return None
    try:
        section = site(request).queries().section(found.book_slug, found.section_id)
    except TextbookError:  # removed since: its history still shows it
        return None
    chapter = f"/books/{found.book_slug}/chapters/{section.chapter}"
    anchor = "" if section.id == section.chapter else f"#{section.id}"
    return Published(chapter + anchor, section.title, found.applied_revision)


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
    confirmed = form.get("break_references", "") == "yes"
    if verdict == "reject" and form.get("confirmed") != "yes":
        found = await run_in_threadpool(site(request).queries().proposal, str(identifier))
        if found.status in OPEN and found.author != name:  # else the domain says why not
            return await run_in_threadpool(
                confirm_page, request, found, "reject", form.get("comment", "")
            )
    try:
        await run_in_threadpool(
            site(request).app.review,
            identifier,
            verdict,
            form.get("comment", ""),
            name,
            version,
            confirmed,
        )
    except BreaksReferences as error:  # the page answers the 409, listing the links again
        return await run_in_threadpool(
            proposal_page, request, identifier, None, int(status_of(error)),
            form.get("comment", ""), error.message,
        )  # fmt: skip
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


REVISION_NOTE = "What changed in this version, and why? (The title stays.)"


def revising(found: ProposalView) -> str:
    return f"Revise “{found.message or found.section_id}”"


def revise_form(request: Request) -> Response:
    identifier = proposal_id(request)
    signed_in(request)
    queries = site(request).queries()
    found = queries.proposal(str(identifier))
    return render(
        request, "edit.html", book=queries.outline(found.book_slug),
        section=None, text=found.text, message="", base_revision="",
        action=f"/proposals/{identifier}/revise", heading=revising(found), error=None,
        message_label=REVISION_NOTE,
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
            action=request.url.path, heading=revising(found), message_label=REVISION_NOTE,
            proposal_id=identifier, attached=queries.proposal_images(str(identifier)),
            draft=revision_draft(found), tools=tools(request, found.book_slug),
        )  # fmt: skip
    return RedirectResponse(f"/proposals/{identifier}", status_code=303)


CONFIRM = {
    "reject": (
        "Reject this proposal?",
        "Rejecting closes it for good: its text is not published, and its author cannot revise "
        "it any more (they may propose again). Say why, so that they know what would be welcome.",
        "Reject the proposal",
    ),
    "withdraw": (
        "Withdraw your proposal?",
        "Withdrawing closes it for good: editors no longer review it and it cannot be revised. "
        "Its text stays readable here; to change the section later, propose again.",
        "Withdraw the proposal",
    ),
}


def confirm_page(request: Request, found: ProposalView, step: str, comment: str = "") -> Response:
    """Asks before a step that cannot be undone; the answer posts the step again, confirmed."""
    question, consequence, button = CONFIRM[step]
    action = f"/proposals/{found.id}/{'review' if step == 'reject' else 'withdraw'}"
    return render(
        request, "confirm.html", book=site(request).queries().outline(found.book_slug),
        proposal=found, question=question, consequence=consequence, button=button,
        action=action, verdict="reject" if step == "reject" else "", version=found.version,
        comment=comment, verdict_name=step,
    )  # fmt: skip


def withdraw_form(request: Request) -> Response:
    identifier = proposal_id(request)
    signed_in(request)
    found = site(request).queries().proposal(str(identifier))
    if found.status not in OPEN:  # nothing to withdraw: its page says what became of it
        return RedirectResponse(f"/proposals/{identifier}", status_code=303)
    return confirm_page(request, found, "withdraw")


async def withdraw(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    form = await read_form(request)
    if form.get("confirmed") != "yes":
        return await run_in_threadpool(withdraw_form, request)
    await run_in_threadpool(site(request).app.withdraw, identifier, name)
    return RedirectResponse(f"/proposals/{identifier}", status_code=303)


def mine(request: Request) -> Response:
    name = signed_in(request)
    return render(request, "mine.html", proposals=site(request).queries().proposals_by(name))


QUEUE_FILTERS = {
    "": "All",
    "mine": "Mine",
    "waiting": "Waiting for me",
    "stale": "Stale",
}


@dataclass(frozen=True)
class Queued:
    """A queue entry with what approving it would do now: for a stale one, merge or clash."""

    entry: QueueEntry
    merge: str  # "" (not stale), "clean", "clash", or "redo" (a stale move or removal)


def queue(request: Request) -> Response:
    slug = request.path_params["slug"]
    show = request.query_params.get("show", "")
    if show not in QUEUE_FILTERS:
        shown = show[:40]
        raise WebError(HTTPStatus.BAD_REQUEST, f"The queue has no filter “{shown}”.")
    user = signed_in(request) if show in ("mine", "waiting") else current_user(request)
    queries = site(request).queries()
    entries = [Queued(e, merge_state(request, e)) for e in queries.queue(slug)]
    may_review = user is not None and reviewer(request, slug, user)
    chosen = {
        "": entries,
        "mine": [q for q in entries if q.entry.proposal.author == user],
        "waiting": [q for q in entries if may_review and q.entry.proposal.author != user],
        "stale": [q for q in entries if q.entry.stale],
    }
    delays = queries.review_delays(slug)
    return render(
        request,
        "queue.html",
        book=queries.outline(slug),
        entries=chosen[show],
        counts={name: len(found) for name, found in chosen.items()},
        show=show,
        filters=QUEUE_FILTERS,
        total=len(entries),
        median=statistics.median(delays) if delays else None,
        reviewed=len(delays),
    )


def merge_state(request: Request, entry: QueueEntry) -> str:
    if not entry.stale:
        return ""
    if entry.proposal.kind != "edit":  # the domain refuses a stale move or removal
        return "redo"
    merged, _ = merged_or_conflict(request, UUID(entry.proposal.id))
    return "clean" if merged is not None else "clash"


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
    Route("/proposals/{proposal}/withdraw", withdraw_form, methods=["GET"]),
    Route("/proposals/{proposal}/withdraw", withdraw, methods=["POST"]),
    Route("/me/proposals", mine),
]
