"""Needs: a book's task board at the command line; mark what a section or chapter needs, take
a need ("I'm on it"), release it, close it. The Need (textbook.domain.need) decides."""

from __future__ import annotations

from uuid import UUID

import click

from textbook.cli.context import Context, as_option, pass_context, reports_errors
from textbook.domain.errors import InvalidInput
from textbook.domain.vocabulary import NeedKind, choices

# What a person marks: errors come from readers' reports, import problems from imports.
MARKED = [kind for kind in choices(NeedKind) if kind not in (NeedKind.ERROR, "import_problem")]


def parse_need(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInput(
            f"'{value}' is not a need id ('textbook needs BOOK' lists them)."
        ) from None


def acting(as_user: str | None, what: str) -> str:
    if as_user is None:
        raise InvalidInput(f"Say who {what}: --as NAME.")
    return as_user


@click.command()
@click.argument("slug")
@click.option("--kind", type=click.Choice(choices(NeedKind)), help="Only needs of this kind.")
@click.option("--chapter", metavar="ID", help="Only needs in this chapter.")
@click.option("--free", "state", flag_value="free", help="Only needs nobody is on.")
@click.option("--taken", "state", flag_value="taken", help="Only needs someone is on.")
@pass_context
@reports_errors
def needs(
    context: Context, slug: str, kind: str | None, chapter: str | None, state: str | None
) -> None:
    """List a book's open needs, oldest first: its task board."""
    found = context.queries.needs(slug, kind, chapter, state)
    for need in found:
        place = need.section_id or f"{need.chapter_id} (chapter)"
        holder = f"{need.holder} is on it" if need.holder else "free"
        click.echo(f"{need.id}  {need.kind:<14} {place:<28} {holder:<20} {need.reason}")
    if not found:
        click.echo("No open needs.", err=True)


@click.group()
def need() -> None:
    """Mark, take, release or close a need of a book."""


@need.command("mark")
@click.argument("slug")
@click.argument("section_id", required=False)
@click.option("--chapter", metavar="ID", help="A need of this whole chapter (instead of SECTION).")
@click.option("--kind", required=True, type=click.Choice(MARKED), help="What it needs.")
@click.option("--reason", required=True, help="Why, and what would answer it.")
@as_option
@pass_context
@reports_errors
def mark(
    context: Context,
    slug: str,
    section_id: str | None,
    chapter: str | None,
    kind: str,
    reason: str,
    as_user: str | None,
) -> None:
    """Mark what SECTION (or, with --chapter, a whole chapter) of the book SLUG needs."""
    if (section_id is None) == (chapter is None):
        raise InvalidInput("Name a section, or a chapter with --chapter ID (not both).")
    need_id = context.app.mark_need(
        slug, section_id, kind, reason, acting(as_user, "marks it"), chapter_id=chapter
    )
    context.refresh(quiet=True)
    click.echo(f"Marked need {need_id}")


@need.command("take")
@click.argument("need_id")
@as_option
@pass_context
@reports_errors
def take(context: Context, need_id: str, as_user: str | None) -> None:
    """Say you are on the need ("I'm on it"): it holds for 14 days, or while a proposal of
    yours that answers it is open."""
    context.app.take_need(parse_need(need_id), acting(as_user, "takes it"))
    context.refresh(quiet=True)
    click.echo(f"{as_user} is on need {need_id}")


@need.command("release")
@click.argument("need_id")
@as_option
@pass_context
@reports_errors
def release(context: Context, need_id: str, as_user: str | None) -> None:
    """Release the need: one's own take, or (an editor) another's."""
    context.app.release_need(parse_need(need_id), acting(as_user, "releases it"))
    context.refresh(quiet=True)
    click.echo(f"Need {need_id} is free")


@need.command("close")
@click.argument("need_id")
@click.option("--reason", required=True, help="Why it is closed.")
@as_option
@pass_context
@reports_errors
def close(context: Context, need_id: str, reason: str, as_user: str | None) -> None:
    """Close the need, saying why (an editor or maintainer of the book)."""
    context.app.close_need(parse_need(need_id), reason, acting(as_user, "closes it"))
    context.refresh(quiet=True)
    click.echo(f"Closed need {need_id}")


commands = [needs, need]
