"""Remixes and text taken from other books: make a book of others' chapters and sections, take
one into a book as a proposal, mark a proposal's text as taken (which credits its source)."""

from __future__ import annotations

import click

from textbook.cli.context import Context, as_option, parse_uuid, pass_context, reports_errors
from textbook.domain.application.remix import parse_piece
from textbook.domain.copies import CopyMatch
from textbook.domain.errors import InvalidInput


def acting(as_user: str | None, doing: str) -> str:
    if as_user is None:
        raise InvalidInput(f"Say who {doing}: --as NAME.")
    return as_user


@click.command()
@click.argument("new_slug")
@click.option("--title", required=True, help="The new book's title.")
@click.option(
    "--take",
    "pieces",
    multiple=True,
    required=True,
    metavar="BOOK:CHAPTER-OR-SECTION",
    help="A chapter (with its sections) or a section of a book to take, in order (repeatable).",
)
@click.option("--license", "licence", help="An SPDX licence (default: the most open allowed).")
@click.option("--language", default="en", show_default=True, help="The book's language tag.")
@as_option
@pass_context
@reports_errors
def remix(
    context: Context,
    new_slug: str,
    title: str,
    pieces: tuple[str, ...],
    licence: str | None,
    language: str,
    as_user: str | None,
) -> None:
    """Make NEW-SLUG of chapters and sections taken from other books, maintained by --as."""
    report = context.app.remix(
        new_slug, title, [parse_piece(p) for p in pieces], acting(as_user, "remixes"), licence,
        language,
    )  # fmt: skip
    for problem in report.problems:
        click.echo(f"To fix: {problem}", err=True)
    click.echo(
        f"Remixed {report.sections} sections in {report.chapters} chapters from "
        f"{', '.join(report.sources)} under {report.licence}: {report.slug}"
    )


@click.command()
@click.argument("slug")
@click.option(
    "--from",
    "source",
    required=True,
    metavar="BOOK:CHAPTER-OR-SECTION",
    help="The chapter (its introduction) or section of another book to take.",
)
@click.option("--chapter", default="", help="The chapter a section goes into.")
@click.option("--after", default="", help="The section (or, for a chapter, chapter) it follows.")
@click.option("-m", "--message", default="", help="Why it is needed.")
@as_option
@pass_context
@reports_errors
def take(
    context: Context,
    slug: str,
    source: str,
    chapter: str,
    after: str,
    message: str,
    as_user: str | None,
) -> None:
    """Propose a chapter or section of another book into SLUG, marked as taken from it."""
    book, part = parse_piece(source)
    who = acting(as_user, "proposes")
    proposal = context.app.take_into(slug, book, part, who, chapter, after, message)
    context.refresh(quiet=True)
    click.echo(f"Opened proposal {proposal}")


@click.command("mark-source")
@click.argument("proposal_id")
@click.argument("source", metavar="BOOK:SECTION")
@click.option("--revision", type=int, help="The source section's revision (default: current).")
@as_option
@pass_context
@reports_errors
def mark_source(
    context: Context, proposal_id: str, source: str, revision: int | None, as_user: str | None
) -> None:
    """Mark a proposal's text as taken from a section of another book (its author only)."""
    book, section = parse_piece(source)
    identifier = parse_uuid(proposal_id)
    marked = context.app.mark_source(identifier, book, section, acting(as_user, "marks"), revision)
    click.echo(f"Marked as taken from {marked.book}:{marked.section} (revision {marked.revision})")
    warn_copies(context.app.copies_found(identifier).unmarked)


def warn_copies(unmarked: tuple[CopyMatch, ...]) -> None:
    """Say which copies still wait for their source to be marked (on stderr)."""
    for copy in unmarked:
        click.echo(
            f"Copied: paragraph {copy.paragraph} is {copy.score}% the same as one of "
            f"{copy.book}:{copy.section}; mark it with `textbook mark-source ID "
            f"{copy.book}:{copy.section} --as NAME` before it can be approved.",
            err=True,
        )


commands = [remix, take, mark_source]
