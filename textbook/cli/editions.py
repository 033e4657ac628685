"""Named editions at the command line: mark the book's approved state now as an edition, list a
book's editions. (`textbook build SLUG --edition NAME` rebuilds one, byte for byte.)"""

from __future__ import annotations

import click

from textbook.cli.context import Context, as_option, pass_context, reports_errors
from textbook.domain.errors import InvalidInput


@click.group()
def edition() -> None:
    """Mark or list the named editions of a book ("First edition", "2027 revision")."""


@edition.command("create")
@click.argument("slug")
@click.argument("name")
@as_option
@pass_context
@reports_errors
def create(context: Context, slug: str, name: str, as_user: str | None) -> None:
    """Name the approved state of the book SLUG now an edition called NAME (an editor's act)."""
    if as_user is None:
        raise InvalidInput("Say who marks the edition: --as NAME (an editor of the book).")
    edition_slug = context.app.mark_edition(slug, name, as_user)
    context.refresh(quiet=True)
    marked = context.queries.named_edition(slug, edition_slug)
    click.echo(f"Marked the edition '{marked.name}' of {slug} at {marked.at[:19]}Z ({marked.slug})")


@edition.command("list")
@click.argument("slug")
@pass_context
@reports_errors
def list_editions(context: Context, slug: str) -> None:
    """List the named editions of a book, oldest first."""
    found = context.queries.editions(slug)
    for named in found:
        click.echo(f"{named.at[:19]}Z  {named.slug:<24} {named.name}  (marked by {named.by})")
    if not found:
        click.echo(f"The book '{slug}' has no named edition yet.", err=True)


commands = [edition]
