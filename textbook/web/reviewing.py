"""Editors review: a proposal's page, the review form, and the steps that cannot be undone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from textbook.domain.errors import (
    BreaksReferences,
    CopyNotMarked,
    ProposalChanged,
    TextbookError,
)
from textbook.domain.state import BookState, ImageRef
from textbook.domain.vocabulary import ProposalKind, ProposalStatus, Role, Verdict
from textbook.projections.publishing import drafting
from textbook.projections.publishing.pandoc import PandocFailed
from textbook.projections.publishing.preview import PreviewBusy, preview
from textbook.projections.publishing.sanitize import UnsafeInput
from textbook.projections.queries import ProposalView
from textbook.projections.queue import place_in
from textbook.web.book_details import details_proposal_page
from textbook.web.diffs import word_diff
from textbook.web.forms import parse_version, proposal_id, refused
from textbook.web.pages import render
from textbook.web.security import current_user, read_form
from textbook.web.signin import signed_in
from textbook.web.site import site


def proposal(request: Request) -> Response:
    since = request.query_params.get("since")
    read = parse_version(since) if since else None
    return render(request, "proposal.html", **proposal_page(request, proposal_id(request), read))


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
    request: Request, identifier: UUID, read: int | None = None, refused: bool = False
) -> dict[str, Any]:
    """The proposal page's context; with `read`, it also shows what changed since that version
    (and, if `refused`, that a decision on it was refused)."""
    queries, app = site(request).queries(), site(request).app
    found = queries.proposal(str(identifier))
    kind, status = ProposalKind(found.kind), ProposalStatus(found.status)
    outline = queries.outline(found.book_slug)
    current = None
    if kind.acts_on_existing:
        try:
            current = queries.section(found.book_slug, found.section_id)
        except TextbookError:
            current = None
    base_text = (
        queries.revision_text(found.book_slug, found.section_id, found.base_revision) or ""
        if kind is ProposalKind.EDIT
        else ""
    )
    approving = app.approval_preview(identifier)  # the domain says what approving does now
    stale = approving.stale and kind is ProposalKind.EDIT and current is not None
    merged, conflict = (approving.merged, approving.clashes) if stale else (None, None)
    user = current_user(request)
    may_decide = user is not None and app.may_decide(identifier, user)
    titles = {s.id: s.title for c in outline.chapters for s in c.sections}
    attached = queries.proposal_images(str(identifier))
    book = queries.book_state(found.book_slug)
    rendered: Markup | None = None
    render_error: str | None = None
    if kind is not ProposalKind.DETAILS:  # the details are YAML: their page shows a table
        shown = merged if merged is not None else found.text  # what approving would publish
        rendered, render_error = rendered_text(request, found, kind, shown, book, attached)
    return {
        "changed": changed_since(request, found, read, refused),
        "book": outline,
        "proposal": found,
        "kind": kind,
        "proposal_status": status,
        "thread": queries.thread(str(identifier)),
        "answers": queries.needs_of_proposal(identifier),
        "diff": word_diff(base_text, found.text),
        "since": word_diff(base_text, current.text) if stale and current else None,
        "merged": word_diff(current.text, merged) if merged is not None and current else None,
        "conflict": conflict,
        "current": current,
        "stale": stale,
        "rendered": rendered,
        "render_error": render_error,
        "comment": "",
        "attached": attached,
        "replaced": {image.name for image in book.images} if status.is_open else set(),
        "may_decide": may_decide,
        "broken": [
            (reference, titles.get(reference.section_id, "")) for reference in approving.broken
        ],
        "refusal": "",
        "is_author": user == found.author,
        "published": published_at(request, found),
        "place": place_in(outline, found.kind, found.chapter_id, found.after),
        **(details_proposal_page(request, found) if kind is ProposalKind.DETAILS else {}),
        "copies": app.copies_found(identifier),  # text found in other books, and marked
        **review_requests(request, found, user),
    }


def review_requests(request: Request, found: ProposalView, user: str | None) -> dict[str, Any]:
    """The reviews asked of editors, and whom the person may ask (the domain decides)."""
    queries, app = site(request).queries(), site(request).app
    may_ask = user is not None and app.may_request_review(UUID(found.id), user)
    asked = queries.review_requests(found.id)
    waiting = {request.reviewer for request in asked if not request.answered}
    editors = [
        name
        for name, role in queries.members(found.book_slug)
        if Role(role).reviews and name not in (found.author, user, *waiting)
    ]
    return {
        "review_requests": asked,
        "may_ask": may_ask,
        "askable": editors if may_ask else [],
        "ask_error": "",
    }


def rendered_text(
    request: Request,
    found: ProposalView,
    kind: ProposalKind,
    shown: str,
    book: BookState,
    attached: Sequence[ImageRef],
) -> tuple[Markup | None, str | None]:
    """The proposed text as it will read, or why it cannot be published."""
    try:
        cache = site(request).library.previews
        own = [image.name for image in attached]
        at = f"/proposals/{found.id}/images/"
        place = drafting.placement(
            book, site(request).library.cache, kind, found.section_id, found.chapter_id,
            found.after,
        )  # fmt: skip
        return (preview(shown, book, cache, own, at, place) if shown else None), None
    except (PandocFailed, UnsafeInput, PreviewBusy) as error:
        return None, str(error)


@dataclass(frozen=True)
class Published:
    """Where an approved proposal's text is read now."""

    href: str
    title: str
    revision: int | None


def published_at(request: Request, found: ProposalView) -> Published | None:
    if found.status != ProposalStatus.APPROVED or found.kind == ProposalKind.REMOVE_SECTION:
        return None
    try:
        section = site(request).queries().section(found.book_slug, found.section_id)
    except TextbookError:  # removed since: its history still shows it
        return None
    chapter = f"/books/{found.book_slug}/chapters/{section.chapter}"
    anchor = "" if section.id == section.chapter else f"#{section.id}"
    return Published(chapter + anchor, section.title, found.applied_revision)


async def review(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(reviewing, request, identifier, name, form)


def reviewing(request: Request, identifier: UUID, name: str, form: dict[str, str]) -> Response:
    verdict, comment = form.get("verdict", ""), form.get("comment", "")
    version = parse_version(form["version"]) if form.get("version") else None
    confirmed = form.get("break_references", "") == "yes"
    app = site(request).app
    asks = verdict == Verdict.REJECT and form.get("confirmed") != "yes"
    if asks and app.may_decide(identifier, name):  # else the domain says why not, below
        found = site(request).queries().proposal(str(identifier))
        return confirm_page(request, found, "reject", comment)
    try:
        app.review(identifier, verdict, comment, name, version, confirmed)
    except (BreaksReferences, CopyNotMarked) as error:  # the page answers the 409, saying why
        page = proposal_page(request, identifier)
        return refused(
            request, "proposal.html", error, **page | {"comment": comment, "refusal": error.message}
        )
    except ProposalChanged as error:
        # The page itself answers the 409: it says so, and shows what changed since.
        page = proposal_page(request, identifier, error.read_version, refused=True)
        return refused(request, "proposal.html", error, **page | {"comment": comment})
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
        action=action, verdict=Verdict.REJECT if step == "reject" else "",
        version=found.version, comment=comment, verdict_name=step,
    )  # fmt: skip


def withdraw_form(request: Request) -> Response:
    identifier = proposal_id(request)
    signed_in(request)
    found = site(request).queries().proposal(str(identifier))
    if not ProposalStatus(found.status).is_open:  # its page says what became of it
        return RedirectResponse(f"/proposals/{identifier}", status_code=303)
    return confirm_page(request, found, "withdraw")


async def withdraw(request: Request) -> Response:
    identifier = proposal_id(request)
    name = signed_in(request)
    form = await read_form(request)
    return await run_in_threadpool(withdrawing, request, identifier, name, form)


def withdrawing(request: Request, identifier: UUID, name: str, form: dict[str, str]) -> Response:
    if form.get("confirmed") != "yes":
        return withdraw_form(request)
    site(request).app.withdraw(identifier, name)
    return RedirectResponse(f"/proposals/{identifier}", status_code=303)
