"""Watching: follow a book, chapter or section, read one's inbox, ask an editor to review."""

from __future__ import annotations

import click

from textbook.cli.context import Context, as_option, parse_uuid, pass_context, reports_errors
from textbook.domain.errors import InvalidInput
from textbook.domain.vocabulary import choices
from textbook.domain.watchlist import WatchTarget

PLACE = "BOOK[/CHAPTER|SECTION]"
target_option = click.option(
    "--target",
    type=click.Choice(choices(WatchTarget)),
    help="What PLACE names; by default the book, or the chapter when the id is a chapter's "
    "(its introduction, alone: --target section), else the section.",
)


def who(as_user: str | None, does: str) -> str:
    if as_user is None:
        raise InvalidInput(f"Say who {does}: --as NAME.")
    return as_user


def watched(context: Context, place: str, target: str | None) -> tuple[str, str, str]:
    """(target, book, chapter or section id) of `BOOK[/ID]`."""
    book, _, inside = place.partition("/")
    if not book:
        raise InvalidInput(f"Name a book: {PLACE}.")
    if target is None:
        chapters = {chapter.id for chapter in context.queries.outline(book).chapters}
        target = "book" if not inside else "chapter" if inside in chapters else "section"
    return target, book, inside


@click.command()
@click.argument("place", metavar=PLACE)
@target_option
@as_option
@pass_context
@reports_errors
def watch(context: Context, place: str, target: str | None, as_user: str | None) -> None:
    """Watch a book, or a chapter or section of it: what happens there reaches your inbox."""
    name = who(as_user, "watches")
    what, book, inside = watched(context, place, target)
    context.app.watch(name, what, book, inside)
    context.refresh(quiet=True)
    click.echo(f"{name} watches the {what} {place}")


@click.command()
@click.argument("place", metavar=PLACE)
@target_option
@as_option
@pass_context
@reports_errors
def unwatch(context: Context, place: str, target: str | None, as_user: str | None) -> None:
    """Stop watching a book, chapter or section (not watching it changes nothing)."""
    name = who(as_user, "stops watching")
    what, book, inside = watched(context, place, target)
    context.app.unwatch(name, what, book, inside)
    context.refresh(quiet=True)
    click.echo(f"{name} no longer watches the {what} {place}")


@click.command()
@click.option(
    "--limit", type=click.IntRange(1, 200), default=20, help="How many items, newest first."
)
@click.option("--mark-read", is_flag=True, help="Then mark every item so far as read.")
@as_option
@pass_context
@reports_errors
def inbox(context: Context, limit: int, mark_read: bool, as_user: str | None) -> None:
    """List your inbox, newest first: new items marked *, when, what, the book, the link."""
    name = who(as_user, "reads the inbox")
    context.app.user(name)  # an unknown name is refused, not shown an empty inbox
    items = context.queries.inbox(name, limit=limit)
    for item in items:
        mark = "*" if item.unread else " "
        click.echo(
            f"{mark} {item.at[:16].replace('T', ' ')}  {item.title}  "
            f"({item.book_title or item.book_slug})  {item.link}"
        )
    if not items:
        click.echo("Nothing yet.", err=True)
    if mark_read and items and items[0].unread:
        context.app.mark_inbox_read(name, items[0].id)
        context.refresh(quiet=True)


@click.command("ask-review")
@click.argument("proposal_id")
@click.argument("reviewer")
@as_option
@pass_context
@reports_errors
def ask_review(context: Context, proposal_id: str, reviewer: str, as_user: str | None) -> None:
    """Ask REVIEWER, an editor of the book, to review a proposal (as its author or an editor)."""
    name = who(as_user, "asks")
    context.app.request_review(parse_uuid(proposal_id), reviewer, name)
    context.refresh(quiet=True)
    click.echo(f"{name} asked {reviewer} to review proposal {proposal_id}")


commands = [watch, unwatch, inbox, ask_review]
