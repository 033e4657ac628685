"""The editor's live preview: the text as it will read, and the problems the domain finds."""

from __future__ import annotations

from http import HTTPStatus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from textbook.domain.checks import context_of, problems_beside
from textbook.domain.errors import InvalidInput
from textbook.domain.markdown import canonical, check_section_size, heading_of
from textbook.domain.state import BookState
from textbook.domain.vocabulary import ProposalKind
from textbook.projections.publishing import drafting
from textbook.projections.publishing.pandoc import PandocFailed
from textbook.projections.publishing.preview import PreviewBusy, preview
from textbook.projections.publishing.sanitize import UnsafeInput
from textbook.web.pages import TEMPLATES
from textbook.web.security import current_user, read_form
from textbook.web.site import site
from textbook.web.statuses import WebError

PREVIEW_WINDOW = 60.0  # seconds: TEXTBOOK_PREVIEW_RATE previews per person in this
PLACED = (ProposalKind.EDIT, ProposalKind.ADD_SECTION, ProposalKind.ADD_CHAPTER)


def refusal(status: HTTPStatus, message: str, **headers: str) -> WebError:
    """A refusal the editor's script shows in place of the preview."""
    return WebError(status, message, headers=headers, for_script=True)


async def preview_endpoint(request: Request) -> Response:
    name = current_user(request)
    if name is None:
        raise refusal(HTTPStatus.UNAUTHORIZED, "Sign in to see the preview.")
    form = await read_form(request)
    return await run_in_threadpool(previewed, request, name, form)


def previewed(request: Request, name: str, form: dict[str, str]) -> Response:
    the_site = site(request)
    wait = the_site.throttle.hit("preview:" + name, the_site.settings.preview_rate, PREVIEW_WINDOW)
    if wait is not None:
        message = f"Too many previews in a minute; the preview resumes in {int(wait) + 1} s."
        raise refusal(HTTPStatus.TOO_MANY_REQUESTS, message, **{"Retry-After": str(int(wait) + 1)})
    slug, proposal, text = form.get("book", ""), form.get("proposal", ""), form.get("text", "")
    book = place = None
    if slug:
        book = the_site.queries().book_state(slug)
        place = placement(request, book, form)
    attached: list[str] = []
    if proposal and book is not None:  # a revision: the proposal's own images show too
        images = the_site.queries().proposal_images(proposal[:60])
        attached = [image.name for image in images]
    try:
        at = f"/proposals/{proposal[:60]}/images/"
        html = preview(text, book, the_site.library.previews, attached, at, place)
    except InvalidInput as error:  # over the limit of a section: said, never cut
        raise refusal(HTTPStatus.UNPROCESSABLE_ENTITY, error.message) from None
    except (PandocFailed, UnsafeInput) as error:
        message = f"This text cannot be published: {error}"
        raise refusal(HTTPStatus.UNPROCESSABLE_ENTITY, message) from None
    except PreviewBusy as error:
        raise refusal(HTTPStatus.SERVICE_UNAVAILABLE, str(error), **{"Retry-After": "5"}) from None
    return JSONResponse({"html": text_problems(text, book, attached) + str(html)})


def text_problems(text: str, book: BookState | None, attached: list[str]) -> str:
    """The problems the domain finds in the text (new ones, and those already published), as
    HTML to show above the preview."""
    if book is None:
        return ""
    try:
        check_section_size(text)  # the domain's limit, in bytes
    except InvalidInput:
        return ""
    heading = heading_of(canonical(text))
    section_id = heading.id if heading is not None else None
    published = next((s.text for c in book.chapters for s in c.sections if s.id == section_id), "")
    context = context_of(book, section_id, frozenset(attached))
    new, old = problems_beside(text, published, context)
    template = TEMPLATES.get_template("_problems.html")
    return template.render(problems=new, published=old)


def placement(request: Request, book: BookState, form: dict[str, str]) -> drafting.Placement | None:
    kind = form.get("kind", "")
    if kind not in PLACED:
        return None
    section, chapter, after = (form.get(name, "")[:200] for name in ("section", "chapter", "after"))
    return drafting.placement(book, site(request).library.cache, kind, section, chapter, after)
