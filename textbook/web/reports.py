"""A reader reports an error in a paragraph of the web edition: no account needed. A small link
after each paragraph of a chapter page leads to a form that quotes the paragraph; the report
becomes a need of kind `error` on its section.

Against abuse: a field people never see (a honeypot) must stay empty; the form carries a
signed, time-stamped token, refused when sent too fast, too late or twice; and each client
address sends at most REPORT_LIMIT reports an hour.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import secrets
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput, NotFound, SectionNotFound
from textbook.web.accounts import client_address
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.security import current_user, read_form
from textbook.web.site import site
from textbook.web.statuses import WebError

MIN_SECONDS = 3  # a person reads the paragraph and types: faster is a script
MAX_AGE = 2 * 3600  # a form older than this is sent again from a fresh page
REPORT_LIMIT = 10  # reports per client address ...
REPORT_WINDOW = 3600.0  # ... in this many seconds
MAX_PARAGRAPHS = 10_000

# A section as pandoc writes it, its end, and a paragraph (never <pre>: "<p" then > or a space).
TOKENS = re.compile(
    r'<section id="([^"]+)"[^>]*>|</section>|(<p(?:\s[^>]*)?>)(.*?)(</p>)', re.DOTALL
)
TAGS = re.compile(r"<[^>]+>")
MATH = re.compile(r"<math\b.*?</math>", re.DOTALL)
TEX = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.DOTALL)


def _paragraphs(fragment: str, chapter_id: str) -> Iterator[tuple[str, int, re.Match[str]]]:
    """Each paragraph of a chapter's HTML: its section, its number there (from 1), its match."""
    stack, counts = [chapter_id], {chapter_id: 0}
    for match in TOKENS.finditer(fragment):
        if match.group(1) is not None:
            stack.append(match.group(1))
        elif match.group(2) is None:
            if len(stack) > 1:
                stack.pop()
        else:
            section = stack[-1]
            counts[section] = counts.get(section, 0) + 1
            yield section, counts[section], match


def plain(paragraph_html: str) -> str:
    """The paragraph's text, its math as the TeX it was written in: as the author typed it."""

    def tex(match: re.Match[str]) -> str:
        found = TEX.search(match.group(0))
        return f"${found.group(1)}$" if found else TAGS.sub("", match.group(0))

    text = TAGS.sub("", MATH.sub(tex, paragraph_html))
    return " ".join(html.unescape(text).split())


def paragraph_text(fragment: str, chapter_id: str, section_id: str, number: int) -> str | None:
    for section, index, match in _paragraphs(fragment, chapter_id):
        if section == section_id and index == number:
            return plain(match.group(3))
    return None


def with_report_links(fragment: Markup, slug: str, chapter_id: str, sections: set[str]) -> Markup:
    """The chapter's HTML with a small "report" link at the end of each paragraph of its
    sections (not of its notes or bibliography)."""
    found = list(_paragraphs(str(fragment), chapter_id))
    text, out, last = str(fragment), [], 0
    for section, index, match in found:
        if section not in sections:
            continue
        href = f"/books/{slug}/sections/{section}/report?p={index}"
        link = Markup(
            ' <a class="report-error" href="{}" rel="nofollow"'
            ' aria-label="Report an error in this paragraph">report</a>'
        ).format(href)
        out.append(text[last : match.start(4)])
        out.append(str(link))
        last = match.start(4)
    out.append(text[last:])
    return Markup("".join(out))  # the pipeline's own markup, with links we built


# The signed form token: "time.nonce.signature", bound to the paragraph it reports on.


def _signature(secret: str, stamp: str, nonce: str, where: str) -> str:
    message = f"{stamp}.{nonce}.{where}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def issue(secret: str, where: str, now: float) -> str:
    stamp, nonce = str(int(now)), secrets.token_hex(8)
    return f"{stamp}.{nonce}.{_signature(secret, stamp, nonce, where)}"


def checked_token(secret: str, token: str, where: str, now: float) -> str:
    """The token's nonce, if it is ours, for this paragraph, and neither too fresh nor too old."""
    stamp, _, rest = token.partition(".")
    nonce, _, signature = rest.partition(".")
    if not (stamp.isdigit() and len(token) < 100) or not hmac.compare_digest(
        signature, _signature(secret, stamp, nonce, where)
    ):
        raise WebError(HTTPStatus.BAD_REQUEST, "This form was not sent from the report page.")
    age = now - int(stamp)
    if age < MIN_SECONDS:
        raise WebError(
            HTTPStatus.BAD_REQUEST,
            "That was sent faster than a person reads: wait a few seconds and send it again.",
        )
    if age > MAX_AGE:
        raise WebError(
            HTTPStatus.BAD_REQUEST, "This form is too old: it was open for over two hours."
        )
    return nonce


# The pages.


def place(request: Request) -> tuple[str, str, str, int, str]:
    """The book, section, its chapter, the paragraph's number and its text; 404 if not there."""
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    raw = request.query_params.get("p", "") or "0"
    number = int(raw) if raw.isdigit() and len(raw) < 6 else 0
    app = site(request).app
    book = app.book(slug)
    if not book.has_section(section_id):
        raise SectionNotFound(slug, section_id[:60])
    chapter_id = book.chapter_of(section_id).id
    fragment = site(request).readable(slug).fragment(chapter_id)
    text = paragraph_text(fragment, chapter_id, section_id, number) if number else None
    if not text:
        raise NotFound(f"The section '{section_id}' has no paragraph {raw[:8]} to report on.")
    return slug, section_id, chapter_id, number, text


def form_context(request: Request, **typed: Any) -> dict[str, Any]:
    slug, section_id, chapter_id, number, text = place(request)
    queries = site(request).queries()
    section = queries.section(slug, section_id)
    secret = str(site(request).settings.session_secret())
    now = site(request).app.clock().timestamp()
    return {
        "book": queries.outline(slug),
        "section": section,
        "chapter_id": chapter_id,
        "number": number,
        "quote": text,
        "token": issue(secret, f"{slug}/{section_id}/{number}", now),
        "reason": "",
        "email": "",
        "error": None,
        **typed,
    }


def report_page(request: Request) -> Response:
    return render(request, "report.html", **form_context(request))


async def report(request: Request) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(reporting, request, form)


def reporting(request: Request, form: dict[str, str]) -> Response:
    the_site = site(request)
    slug, section_id, chapter_id, number, text = place(request)
    reason, email = form.get("reason", ""), form.get("email", "")
    typed = {"reason": reason[:2000], "email": email[:254]}
    try:
        if form.get("website", ""):
            raise WebError(HTTPStatus.BAD_REQUEST, "This report could not be sent.")
        now = the_site.app.clock().timestamp()
        secret = str(the_site.settings.session_secret())
        nonce = checked_token(secret, form.get("token", ""), f"{slug}/{section_id}/{number}", now)
        wait = the_site.throttle.hit(
            "report:" + client_address(request), REPORT_LIMIT, REPORT_WINDOW, now
        )
        if wait is not None:
            raise WebError(
                HTTPStatus.TOO_MANY_REQUESTS,
                f"Many reports came from your address this hour: try again in "
                f"{int(wait) // 60 + 1} minutes.",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        if the_site.throttle.hit("report-token:" + nonce, 1, MAX_AGE, now) is not None:
            raise WebError(HTTPStatus.CONFLICT, "This report was sent already.")
        the_site.app.report_error(slug, section_id, text, reason, email, current_user(request))
    except (WebError, InvalidInput) as error:
        return refused(request, "report.html", error, **form_context(request, **typed))
    return RedirectResponse(
        f"/books/{slug}/sections/{section_id}/report/sent?chapter={chapter_id}", status_code=303
    )


def sent(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    queries = site(request).queries()
    section = queries.section(slug, section_id)
    chapter = request.query_params.get("chapter", "")
    book = site(request).app.book(slug)
    chapter_id = book.chapter_of(section_id).id if book.has_section(section_id) else chapter
    return render(
        request,
        "report_sent.html",
        book=queries.outline(slug),
        section=section,
        chapter_id=chapter_id,
    )


report_routes = [
    Route("/books/{slug}/sections/{section}/report", report_page, methods=["GET"]),
    Route("/books/{slug}/sections/{section}/report", report, methods=["POST"]),
    Route("/books/{slug}/sections/{section}/report/sent", sent, methods=["GET"]),
]
