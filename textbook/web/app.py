"""create_app(): the Starlette application, its routes, middleware and lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from textbook.config import Settings
from textbook.projections.publishing.html import STATIC as BOOK_STATIC
from textbook.web import (
    account_mail,
    accounts,
    api,
    archiving,
    book_details,
    book_pages,
    community,
    edition_pages,
    feeds,
    forks,
    history_pages,
    imports,
    inbox,
    members,
    needs,
    proposals,
    starting,
    taking,
    uploads,
)
from textbook.web.errors import HANDLERS
from textbook.web.images import image, proposal_image
from textbook.web.security import BodyLimit, SecurityHeaders
from textbook.web.sessions import ServerSessions
from textbook.web.site import Site

STATIC = Path(__file__).parent / "static"


def app_from_environ() -> Starlette:
    """For uvicorn's --factory with several workers: settings from the environment."""
    return create_app(Settings.from_environ())


def create_app(settings: Settings) -> Starlette:
    """The web app; with `settings.publish`, it also republishes the editions after each
    approval."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        site = Site.open(settings)
        app.state.site = site
        if settings.publish:
            site.start_publishing()
        try:
            yield
        finally:
            site.close()

    routes: list[Any] = [
        *starting.routes,  # /start, POST /api/books
        *book_pages.routes,
        *book_details.routes,
        *archiving.routes,
        *history_pages.routes,
        *edition_pages.routes,  # /books/{slug}/editions, .../compare, .../compare.pdf
        *feeds.routes,  # /books/{slug}/feed.atom
        *community.routes,  # /books/{slug}/community, /people/{name}
        Route("/books/{slug}/images/{name}", image),
        Route("/books/{slug}/chapters/images/{name}", image),
        Route("/proposals/{proposal}/images/{name}", proposal_image),
        *accounts.routes,
        *account_mail.routes,
        *proposals.routes,
        *inbox.routes,
        *taking.routes,
        *members.routes,
        *needs.routes,
        *forks.routes,
        *uploads.routes,
        *imports.routes,
        *api.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Mount("/assets", StaticFiles(directory=BOOK_STATIC), name="assets"),
    ]
    middleware = [
        Middleware(SecurityHeaders, https=settings.https),
        Middleware(BodyLimit, limit=settings.max_body),
        Middleware(
            SessionMiddleware,
            secret_key=settings.session_secret(),
            session_cookie="textbook_session",
            same_site="lax",
            https_only=settings.https,
            max_age=settings.session_lifetime,
        ),
        Middleware(ServerSessions),
    ]
    handlers: dict[Any, Any] = dict(HANDLERS)
    return Starlette(
        routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan
    )
