"""The pages mail links to, which work without signing in: a password forgotten and reset, an
address verified, mail stopped (with RFC 8058's one-click POST), and a reader's report whose
reporter confirms they want to hear when it is fixed."""

from __future__ import annotations

from http import HTTPStatus
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput, LinkRefused, SlugTaken
from textbook.domain.user import RESET_LIFE
from textbook.web.accounts import client_address
from textbook.web.forms import refused
from textbook.web.pages import render
from textbook.web.security import read_form
from textbook.web.site import site
from textbook.web.statuses import WebError, status_of

FORGOT_LIMIT = 5  # requests for a reset link per client address ...
FORGOT_WINDOW = 3600.0  # ... per hour
ONE_CLICK_MAX = 4096  # bytes: RFC 8058's body is "List-Unsubscribe=One-Click"
MINUTES = int(RESET_LIFE.total_seconds() // 60)


def _no_store(response: Response) -> Response:
    # A page reached by a secret link: kept by no cache, and its address sent to no other site.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def forgot(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "forgot.html", email="", sent=False, error=None, minutes=MINUTES)
    form = await read_form(request)
    email = form.get("email", "").strip()
    the_site = site(request)
    wait = await run_in_threadpool(
        the_site.throttle.hit, "forgot:" + client_address(request), FORGOT_LIMIT, FORGOT_WINDOW
    )
    if wait is not None:
        message = (
            "Too many password resets were asked for from your address in the last hour; "
            f"try again in {int(wait // 60) + 1} minutes."
        )
        too_many = WebError(
            HTTPStatus.TOO_MANY_REQUESTS, message, headers={"Retry-After": str(int(wait) + 1)}
        )
        return refused(request, "forgot.html", too_many, email=email, sent=False, minutes=MINUTES)
    try:
        await run_in_threadpool(the_site.app.request_password_reset, email)
    except InvalidInput as error:
        return refused(request, "forgot.html", error, email=email, sent=False, minutes=MINUTES)
    # The same answer whether or not the address has an account.
    return render(request, "forgot.html", email=email, sent=True, error=None, minutes=MINUTES)


def _read(request: Request, purpose: str) -> tuple[UUID, str]:
    user_id, request_id = site(request).links.read(purpose, request.path_params["token"])
    if request_id is None:
        raise LinkRefused("This link is not one of ours: copy the whole link from the mail.")
    return user_id, request_id


async def reset(request: Request) -> Response:
    the_site = site(request)
    token = request.path_params["token"]
    context = {"token": token, "minutes": MINUTES}
    try:
        user_id, request_id = _read(request, "reset")
        name = await run_in_threadpool(the_site.app.check_password_reset, user_id, request_id)
    except LinkRefused as gone:
        page = render(request, "reset.html", int(status_of(gone)), name=None, error=gone.message)
        return _no_store(page)
    if request.method == "GET":
        return _no_store(render(request, "reset.html", name=name, error=None, **context))
    form = await read_form(request)
    password, again = form.get("password", ""), form.get("again", "")
    if password != again:
        differ = WebError(
            HTTPStatus.UNPROCESSABLE_ENTITY, "The two passwords differ; type the same twice."
        )
        return _no_store(refused(request, "reset.html", differ, name=name, **context))
    try:
        await run_in_threadpool(the_site.app.reset_password, user_id, request_id, password)
    except InvalidInput as invalid:
        return _no_store(refused(request, "reset.html", invalid, name=name, **context))
    except LinkRefused as gone:  # used by another tab a moment ago, or just expired
        page = render(request, "reset.html", int(status_of(gone)), name=None, error=gone.message)
        return _no_store(page)
    # Whoever knew the old password is signed out everywhere.
    await run_in_threadpool(the_site.sessions.end_all, name)
    request.session.clear()
    return RedirectResponse("/signin?reset=1", status_code=303)


async def verify(request: Request) -> Response:
    the_site = site(request)
    try:
        user_id, request_id = _read(request, "verify")
        name, email = await run_in_threadpool(
            the_site.app.pending_verification, user_id, request_id
        )
        if request.method == "GET":
            page = render(request, "verify.html", name=name, email=email, done=False, error=None)
            return _no_store(page)
        await read_form(request)
        await run_in_threadpool(the_site.app.verify_email, user_id, request_id)
    except (LinkRefused, SlugTaken) as error:
        page = render(
            request, "verify.html", int(status_of(error)), name=None, email=None, done=False,
            error=error.message,
        )  # fmt: skip
        return _no_store(page)
    page = render(request, "verify.html", name=name, email=email, done=True, error=None)
    return _no_store(page)


async def unsubscribe(request: Request) -> Response:
    the_site = site(request)
    try:
        user_id, _ = the_site.links.read("unsubscribe", request.path_params["token"])
        name = await run_in_threadpool(the_site.app.user_named, user_id)
    except LinkRefused as error:
        page = render(request, "unsubscribe.html", int(status_of(error)), name=None, done=False,
                      error=error.message)  # fmt: skip
        return _no_store(page)
    if request.method == "GET":
        return _no_store(render(request, "unsubscribe.html", name=name, done=False, error=None))
    # The link is the proof, so no form token is asked for: a mail program's one-click POST
    # (RFC 8058) carries none.
    body = await request.body()
    if len(body) > ONE_CLICK_MAX:
        raise WebError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "This request is too large.")
    await run_in_threadpool(the_site.app.unsubscribe, user_id)
    if b"List-Unsubscribe=One-Click" in body and b"csrf=" not in body:
        return PlainTextResponse("Unsubscribed: no more mail will be sent to you.\n")
    return _no_store(render(request, "unsubscribe.html", name=name, done=True, error=None))


async def confirm_report(request: Request) -> Response:
    the_site = site(request)
    try:
        need_id, _ = the_site.links.read("report", request.path_params["token"])
        need = await run_in_threadpool(the_site.app.reported_need, need_id)
        if request.method == "POST":
            await read_form(request)
            await run_in_threadpool(the_site.app.confirm_report, need_id)
            need = await run_in_threadpool(the_site.app.reported_need, need_id)
    except LinkRefused as error:
        page = render(request, "report_confirm.html", int(status_of(error)), need=None,
                      book=None, error=error.message)  # fmt: skip
        return _no_store(page)
    book = await run_in_threadpool(the_site.app.book, need.book_slug)
    page = render(request, "report_confirm.html", need=need, book=book, error=None)
    return _no_store(page)


routes = [
    Route("/password/forgot", forgot, methods=["GET", "POST"], name="forgot"),
    Route("/password/reset/{token}", reset, methods=["GET", "POST"], name="reset"),
    Route("/email/verify/{token}", verify, methods=["GET", "POST"], name="verify"),
    Route("/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"], name="unsubscribe"),
    Route(
        "/reports/confirm/{token}", confirm_report, methods=["GET", "POST"], name="confirm_report"
    ),
]
