"""Signing up, in and out, and a profile page that makes API tokens."""

from __future__ import annotations

from http import HTTPStatus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput, SignInLocked, SlugTaken
from textbook.web.errors import retry_after
from textbook.web.pages import render
from textbook.web.security import current_user, read_form, sign_in
from textbook.web.site import site


def back_to(request: Request, fallback: str = "/") -> str:
    target = request.query_params.get("next", fallback)
    return target if target.startswith("/") and not target.startswith("//") else fallback


async def signup(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "signup.html", values={}, error=None)
    form = await read_form(request)
    name, email, password = form.get("name", ""), form.get("email", ""), form.get("password", "")
    try:
        await run_in_threadpool(site(request).app.register_user, name.strip(), email, password)
    except (InvalidInput, SlugTaken) as error:
        values = {"name": name, "email": email}
        return render(request, "signup.html", 422, values=values, error=error.message)
    sign_in(request, name.strip())
    return RedirectResponse(back_to(request), status_code=303)


async def signin(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "signin.html", name="", error=None)
    form = await read_form(request)
    name, password = form.get("name", "").strip(), form.get("password", "")
    try:
        user_id = await run_in_threadpool(site(request).app.check_password, name, password)
    except SignInLocked as error:
        status = HTTPStatus.TOO_MANY_REQUESTS
        locked = render(request, "signin.html", status, name=name, error=error.message)
        locked.headers.update(retry_after(error))
        return locked
    if user_id is None:
        message = "That name and password do not match an account."
        return render(request, "signin.html", 401, name=name, error=message)
    account = await run_in_threadpool(site(request).app.user, name)
    sign_in(request, account.name)
    return RedirectResponse(back_to(request), status_code=303)


async def signout(request: Request) -> Response:
    await read_form(request)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


async def profile(request: Request) -> Response:
    name = current_user(request)
    if name is None:
        return RedirectResponse("/signin?next=/profile", status_code=303)
    token = None
    if request.method == "POST":
        form = await read_form(request)
        token = await run_in_threadpool(
            site(request).app.create_token, name, form.get("label", "")[:200]
        )
    account = await run_in_threadpool(site(request).app.user, name)
    return render(request, "profile.html", account=account, token=token)


routes = [
    Route("/signup", signup, methods=["GET", "POST"], name="signup"),
    Route("/signin", signin, methods=["GET", "POST"], name="signin"),
    Route("/signout", signout, methods=["POST"], name="signout"),
    Route("/profile", profile, methods=["GET", "POST"], name="profile"),
]
