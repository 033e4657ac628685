"""Signing up, in and out, and a profile page with API tokens and sessions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from http import HTTPStatus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import (
    InvalidInput,
    RateLimited,
    SignInLocked,
    SlugTaken,
    TokenNotFound,
    WrongPassword,
)
from textbook.domain.user import MailChoice, token_expiry
from textbook.web.destinations import local_path
from textbook.web.forms import refused
from textbook.web.pages import duration, render
from textbook.web.security import current_user, read_form, sign_in, sign_out
from textbook.web.site import site
from textbook.web.statuses import WebError, status_of
from textbook.web.throttle import SignInLedgerInStore

SIGNUP_WINDOW = 3600.0  # seconds: TEXTBOOK_SIGNUP_LIMIT sign-ups per client address in this
TOKEN_ID = re.compile(r"[0-9a-f]{1,64}|all")  # what ?revoked= may name, after a revocation
DONE = {  # what ?done= may name, after a change on the profile page, and what it tells
    "email": "A link is on its way to the new address: follow it to make it yours. "
    "Until then, your mail goes to the old one.",
    "verification": "A new verification link is on its way.",
    "password": "Your password is changed.",
    "mail": "Your choice of mail is saved.",
}


def back_to(request: Request, fallback: str = "/") -> str:
    """Where the person was going before signing in or up, if it is a path on this site."""
    return local_path(request.query_params.get("next")) or fallback


def client_address(request: Request) -> str:
    """The client's address, as uvicorn gives it: behind a trusted proxy, from its
    X-Forwarded-For (uvicorn's --forwarded-allow-ips, 127.0.0.1 unless set)."""
    return request.client.host if request.client is not None else "unknown"


async def signup(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "signup.html", values={}, error=None, next=back_to(request, ""))
    form = await read_form(request)
    name, email, password = form.get("name", ""), form.get("email", ""), form.get("password", "")
    values = {"name": name, "email": email}
    the_site = site(request)
    wait = await run_in_threadpool(
        the_site.throttle.hit,
        "sign-up:" + client_address(request),
        the_site.settings.signup_limit,
        SIGNUP_WINDOW,
    )
    if wait is not None:
        message = (
            "Too many accounts were made from your address in the last hour; "
            f"try again in {int(wait // 60) + 1} minutes."
        )
        retry = {"Retry-After": str(int(wait) + 1)}
        too_many = WebError(HTTPStatus.TOO_MANY_REQUESTS, message, headers=retry)
        return refused(request, "signup.html", too_many, values=values, next=back_to(request, ""))
    try:
        await run_in_threadpool(the_site.app.register_user, name.strip(), email, password)
    except (InvalidInput, SlugTaken) as error:  # a name taken is a 422 here, as any other
        return refused(
            request, "signup.html", error, status=422, values=values, next=back_to(request, "")
        )
    await run_in_threadpool(sign_in, request, name.strip())
    return RedirectResponse(back_to(request), status_code=303)


async def signin(request: Request) -> Response:
    if request.method == "GET":
        reset = request.query_params.get("reset") == "1"
        return render(
            request, "signin.html", name="", error=None, next=back_to(request, ""), reset=reset
        )
    form = await read_form(request)
    name, password = form.get("name", "").strip(), form.get("password", "")
    the_site = site(request)
    try:
        user_id = await run_in_threadpool(
            the_site.app.check_password,
            name,
            password,
            None,
            SignInLedgerInStore(the_site.throttle),
        )
    except SignInLocked as error:
        return refused(request, "signin.html", error, name=name, next=back_to(request, ""))
    if user_id is None:
        message = "That name and password do not match an account."
        no_match = WebError(HTTPStatus.UNAUTHORIZED, message)
        return refused(request, "signin.html", no_match, name=name, next=back_to(request, ""))
    account = await run_in_threadpool(the_site.app.user, name)
    await run_in_threadpool(sign_in, request, account.name)
    return RedirectResponse(back_to(request), status_code=303)


async def signout(request: Request) -> Response:
    await read_form(request)
    await run_in_threadpool(sign_out, request)
    return RedirectResponse("/", status_code=303)


async def signout_everywhere(request: Request) -> Response:
    """Ends every session of the signed-in person, this one included."""
    await read_form(request)
    name = current_user(request)
    if name is not None:
        await run_in_threadpool(site(request).sessions.end_all, name)
    await run_in_threadpool(sign_out, request)
    return RedirectResponse("/signin", status_code=303)


async def profile(request: Request) -> Response:
    name = current_user(request)
    if name is None:
        return RedirectResponse("/signin?next=/profile", status_code=303)
    token, values, error, status = None, {"label": "", "expires": ""}, None, 200
    if request.method == "POST":
        form = await read_form(request)
        values = {"label": form.get("label", ""), "expires": form.get("expires", "")}
        try:
            expires = token_expiry(values["expires"], datetime.now(UTC))
            token = await run_in_threadpool(
                site(request).app.create_token, name, values["label"], expires
            )
            values = {"label": "", "expires": ""}
        except InvalidInput as invalid:
            error, status = invalid.message, int(status_of(invalid))
    revoked = request.query_params.get("revoked", "")
    done = DONE.get(request.query_params.get("done", "")) if request.method == "GET" else None
    return await profile_page(
        request, name, status, token=token, values=values, error=error,
        revoked=revoked if request.method == "GET" and TOKEN_ID.fullmatch(revoked) else None,
        done=done,
    )  # fmt: skip


async def profile_page(
    request: Request, name: str, status: int = 200, **context: object
) -> Response:
    the_site = site(request)
    account = await run_in_threadpool(the_site.app.user, name)
    settings = the_site.settings
    page = render(
        request, "profile.html", status, account=account, tokens=account.token_list(),
        now=datetime.now(UTC), idle=duration(settings.session_idle),
        lifetime=duration(settings.session_lifetime), choices=list(MailChoice),
        mail_on=settings.smtp is not None,
        **{"token": None, "values": {}, "error": None, "revoked": None, "done": None,
           "account_error": None, "account_form": None, "typed_email": "", **context},
    )  # fmt: skip
    page.headers["Cache-Control"] = "no-store"  # it may show a new token, once
    return page


async def revoke_token(request: Request) -> Response:
    name = current_user(request)
    if name is None:
        return RedirectResponse("/signin?next=/profile", status_code=303)
    await read_form(request)
    token_id = request.path_params["token"]
    try:
        if token_id == "all":
            await run_in_threadpool(site(request).app.revoke_all_tokens, name)
        else:
            await run_in_threadpool(site(request).app.revoke_token, name, token_id)
    except TokenNotFound as missing:
        return await profile_page(request, name, int(status_of(missing)), error=missing.message)
    # The profile says which token was revoked: the person sees that it worked.
    return RedirectResponse(f"/profile?revoked={token_id}", status_code=303)


async def change_account(request: Request) -> Response:
    """The profile's forms that change the account: its address, its password, its mail."""
    name = current_user(request)
    if name is None:
        return RedirectResponse("/signin?next=/profile", status_code=303)
    form = await read_form(request)
    what = request.url.path.rsplit("/", 1)[-1]
    app = site(request).app
    try:
        if what == "email":
            await run_in_threadpool(
                app.change_email, name, form.get("email", ""), form.get("password", "")
            )
        elif what == "verification":
            await run_in_threadpool(app.resend_verification, name)
        elif what == "password":
            new = form.get("new", "")
            if new != form.get("again", ""):
                raise InvalidInput("The two new passwords differ; type the same twice.")
            await run_in_threadpool(app.change_password, name, form.get("current", ""), new)
        else:
            await run_in_threadpool(app.choose_mail, name, form.get("choice", ""))
    except (InvalidInput, SlugTaken, WrongPassword, RateLimited) as error:
        return await profile_page(
            request, name, int(status_of(error)), account_error=error.message,
            account_form=what, typed_email=form.get("email", "")[:254],
        )  # fmt: skip
    return RedirectResponse(f"/profile?done={what}#account", status_code=303)


routes = [
    Route("/signup", signup, methods=["GET", "POST"], name="signup"),
    Route("/signin", signin, methods=["GET", "POST"], name="signin"),
    Route("/signout", signout, methods=["POST"], name="signout"),
    Route("/signout/everywhere", signout_everywhere, methods=["POST"], name="signout_everywhere"),
    Route("/profile", profile, methods=["GET", "POST"], name="profile"),
    Route("/profile/tokens/{token}/revoke", revoke_token, methods=["POST"], name="revoke_token"),
    *(
        Route(f"/profile/{what}", change_account, methods=["POST"], name=f"change_{what}")
        for what in DONE
    ),
]
