"""Rendering pages: one Jinja2 environment, and the context every page shares."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from textbook.domain.metadata import people
from textbook.domain.vocabulary import OPEN_STATUSES, ProposalKind, ProposalStatus, Role, Verdict
from textbook.projections.queries import Queries
from textbook.projections.queries.base import OPERATOR_NAME
from textbook.web.destinations import signin_from, signin_url
from textbook.web.security import csrf_token, current_user

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def when(value: str | None) -> str:
    """An ISO time as people read it: 22 Nov 2026, 10:04 UTC."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%-d %b %Y, %H:%M UTC")


def machine_time(value: str | None) -> str:
    """An ISO time as HTML's <time datetime> takes it: to the second, in UTC."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def waited(value: str, now: datetime | None = None) -> str:
    """How long ago an ISO time was: 3 days, 5 hours, 12 minutes."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    return duration(seconds)


def duration(seconds: float) -> str:
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{max(int(seconds // 60), 0)} min"
    if seconds < 86400 * 2:
        hours, minutes = int(seconds // 3600), int(seconds % 3600 // 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{int(seconds // 86400)} days"


def person(name: str) -> Markup:
    """A person's name, linked to their public profile (the operator, who is nobody, is not)."""
    if name == OPERATOR_NAME:
        return escape(name)
    return Markup('<a class="person" href="/people/{}">{}</a>').format(quote(name, safe=""), name)


TEMPLATES.env.filters["when"] = when
TEMPLATES.env.filters["person"] = person
TEMPLATES.env.filters["people"] = people
TEMPLATES.env.filters["waited"] = waited
TEMPLATES.env.filters["machine_time"] = machine_time
TEMPLATES.env.filters["duration"] = duration
TEMPLATES.env.globals["signin_url"] = signin_url
TEMPLATES.env.globals["signin_from"] = signin_from
# The domain's vocabulary, for the templates' choices and comparisons.
TEMPLATES.env.globals |= {
    "ProposalKind": ProposalKind,
    "ProposalStatus": ProposalStatus,
    "Verdict": Verdict,
    "Role": Role,
    "OPEN_STATUSES": OPEN_STATUSES,
}


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    user = current_user(request)
    context |= {"user": user, "csrf": csrf_token(request), "unread": unread(request, user)}
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status)


def unread(request: Request, user: str | None) -> int:
    """How many items the signed-in person has not read in their inbox (for the navigation)."""
    site = getattr(request.app.state, "site", None)
    if user is None or site is None:
        return 0
    return int(Queries(site.views).unread_count(user))


def watch_of(request: Request, target: str, slug: str, place: str = "") -> dict[str, Any] | None:
    """What a watch button shows: whether the signed-in person watches it (None: signed out)."""
    site, user = getattr(request.app.state, "site", None), current_user(request)
    if user is None or site is None:
        return None
    # Read from the inbox's read model (a page asks no aggregate): the watcher's own watches,
    # projected before the page is drawn (`render` runs after the endpoint's `queries()`).
    watching = Queries(site.views).is_watching(user, target, slug, place)
    return {"target": target, "book": slug, "place": place, "watching": watching}


TEMPLATES.env.globals["watch_of"] = watch_of
