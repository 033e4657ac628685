"""`make serve`'s demo: the sample book's text is credited to a demo person, and a fork of it for
a course shows where it came from and what it changed."""

from __future__ import annotations

from textbook.cli.context import Context
from textbook.cli.serve import DEMO_FORK, DEMO_USERS, seed_demo
from textbook.config import Settings
from textbook.projections.attribution import attribution_of


def test_the_demo_book_is_credited_to_the_demo_maintainer(settings: Settings) -> None:
    context = Context(settings)
    try:
        seed_demo(context)
        members = dict(context.queries.members("numerical-methods"))
        history = context.queries.history("numerical-methods", "floating-point")
        upstream = context.queries.upstream(DEMO_FORK)
        attribution = attribution_of(context.queries, context.queries.book_state(DEMO_FORK))
    finally:
        context.close()
    importer = history[0].author
    assert importer in {name for name, _ in DEMO_USERS}
    assert members[importer] == "maintainer"
    assert (history[0].approver, history[0].message) == (importer, "Import")
    assert upstream is not None and upstream.slug == "numerical-methods"
    (credit,) = attribution.credits
    assert credit.title == "Numerical Methods"
    assert "rewritten" in credit.changes
