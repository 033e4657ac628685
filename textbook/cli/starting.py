"""`textbook book`: start a book on the platform, archive, unarchive or delete it."""

from __future__ import annotations

import click

from textbook.cli.context import Context, pass_context, reports_errors
from textbook.domain.application.starting import NewBook

acting = click.option(
    "--as",
    "as_user",
    metavar="NAME",
    envvar="TEXTBOOK_USER",
    required=True,
    help="The person who acts, a registered user [env TEXTBOOK_USER].",
)


@click.group()
def book() -> None:
    """Start a book, or archive or delete one."""


@book.command("start")
@click.argument("slug")
@click.option("--title", required=True, help="The book's title.")
@click.option("--subtitle", default="", help="Its subtitle, if any.")
@click.option("--language", default="en", show_default=True, help="A language tag: en, pt-BR.")
@click.option(
    "--license",
    "licence",
    default="CC-BY-4.0",
    show_default=True,
    help="An SPDX licence expression on the SPDX list.",
)
@click.option("--author", "authors", multiple=True, help="An author's name (repeat for more).")
@click.option("--description", default="", help="What the book is about.")
@acting
@pass_context
@reports_errors
def book_start(
    context: Context,
    slug: str,
    title: str,
    subtitle: str,
    language: str,
    licence: str,
    authors: tuple[str, ...],
    description: str,
    as_user: str,
) -> None:
    """Start an empty book at /books/SLUG, maintained by the person named with --as."""
    new = NewBook(slug, title, language, licence, authors, description, subtitle)
    context.app.start_book(new, as_user)
    context.refresh(quiet=True)
    click.echo(f"Started {slug}; {as_user} maintains it. Propose its first chapter next.")


def standing_command(step: str, summary: str) -> click.Command:
    @click.argument("slug")
    @acting
    @pass_context
    @reports_errors
    def command(context: Context, slug: str, as_user: str) -> None:
        getattr(context.app, f"{step}_book")(slug, as_user)
        context.refresh(quiet=True)
        click.echo(f"{slug}: {step}d" if step.endswith("e") else f"{slug}: {step}ed")

    command.__doc__ = summary
    return book.command(step)(command)


standing_command(
    "archive", "Archive the book SLUG: readable still, closed to proposals (a maintainer)."
)
standing_command("unarchive", "Open the archived book SLUG to proposals again (a maintainer).")
standing_command(
    "delete",
    "Delete the book SLUG: only its starter, while nobody else took part. Its record stays.",
)

commands = [book]
