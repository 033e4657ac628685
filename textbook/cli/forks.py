"""Forks: fork a book, see what changed upstream, take it (sync), offer a change upstream."""

from __future__ import annotations

import difflib

import click

from textbook.cli.context import Context, pass_context, reports_errors
from textbook.domain.sync import ChangeKind, UpstreamChange

ACTING = click.option(
    "--as",
    "as_user",
    metavar="NAME",
    envvar="TEXTBOOK_USER",
    required=True,
    help="The user who acts: a registered user [env TEXTBOOK_USER].",
)


def unified(old: str, new: str, old_name: str, new_name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=old_name, tofile=new_name, lineterm=""
    )
    return "".join(line + "\n" for line in lines)


def described(change: UpstreamChange) -> str:
    """One line on the change: what happened upstream, and what taking it would do."""
    where = f"{change.section_id} ({change.title})"
    if change.kind is ChangeKind.ADDED:
        return f"added     {where}: new upstream at revision {change.upstream_revision}"
    if change.kind is ChangeKind.REMOVED:
        return f"removed   {where}: removed upstream; taking it proposes its removal"
    span = f"revision {change.taken_revision} -> {change.upstream_revision}"
    if change.conflict:
        state = "CONFLICT: this book changed the same lines"
    elif change.already_here:
        state = "this book has the text already"
    elif change.fork_changed:
        state = "merges with this book's own changes"
    else:
        state = "merges cleanly"
    return f"changed   {where}: {span}; {state}"


@click.command()
@click.argument("slug")
@click.argument("new_slug")
@ACTING
@click.option("--title", help="The fork's title (by default, the upstream's).")
@pass_context
@reports_errors
def fork(context: Context, slug: str, new_slug: str, as_user: str, title: str | None) -> None:
    """Fork the approved state of SLUG as NEW-SLUG, maintained by the person acting."""
    report = context.app.fork_book(slug, new_slug, by=as_user, title=title)
    context.refresh()
    click.echo(
        f"{report.slug}: forked from {report.upstream}: {report.sections} sections, "
        f"{report.images} images (at event {report.position})"
    )


@click.command()
@click.argument("slug")
@click.option("--diff/--no-diff", default=True, help="Show each change's diff (the default).")
@pass_context
@reports_errors
def upstream(context: Context, slug: str, diff: bool) -> None:
    """List what changed in SLUG's upstream since SLUG took each section, with diffs."""
    origin = context.app.upstream_of(slug)
    changes = context.app.upstream_changes(slug)
    if not changes:
        click.echo(f"{slug}: up to date with {origin.slug}")
        return
    click.echo(f"{slug}: {len(changes)} change{'s' * (len(changes) > 1)} in {origin.slug}:")
    for change in changes:
        click.echo(f"  {described(change)}")
        if diff:
            old = f"{origin.slug}/{change.section_id}@{change.taken_revision}"
            new = f"{origin.slug}/{change.section_id}@{change.upstream_revision or 'removed'}"
            base = change.base if change.kind is not ChangeKind.ADDED else ""
            click.echo(unified(base, change.upstream, old, new), nl=False)


@click.command()
@click.argument("slug")
@ACTING
@pass_context
@reports_errors
def sync(context: Context, slug: str, as_user: str) -> None:
    """Take every upstream change that merges cleanly into SLUG, as proposals to review there;
    list the conflicts, which a person resolves (on the book's upstream page)."""
    report = context.app.sync_upstream(slug, by=as_user)
    context.refresh()
    for section_id, proposal in report.proposed:
        click.echo(f"proposed  {section_id}: {proposal}")
    for section_id in report.recorded:
        click.echo(f"recorded  {section_id}: this book had the upstream's text already")
    for change in report.conflicts:
        click.echo(f"conflict  {section_id_and_clashes(change)}")
    for section_id, reason in report.refused:
        click.echo(f"refused   {section_id}: {reason}")
    click.echo(
        f"{slug}: {len(report.proposed)} proposed, {len(report.recorded)} recorded, "
        f"{len(report.conflicts)} conflicts to resolve, {len(report.refused)} refused"
    )


def section_id_and_clashes(change: UpstreamChange) -> str:
    where = "; ".join(
        f"{clash.current_lines} here, {clash.proposed_lines} upstream" for clash in change.clashes
    )
    return f"{change.section_id}: both changed the same lines ({where})"


@click.command()
@click.argument("slug")
@click.argument("section_id")
@ACTING
@click.option("-m", "--message", default="", help="Why the change is needed (a default says so).")
@pass_context
@reports_errors
def offer(context: Context, slug: str, section_id: str, as_user: str, message: str) -> None:
    """Offer a section SLUG changed (or added) to its upstream, as a proposal there."""
    origin = context.app.upstream_of(slug)
    proposal = context.app.offer_upstream(slug, section_id, by=as_user, message=message)
    context.refresh()
    click.echo(f"{origin.slug}: {section_id} offered, for its editors to review: {proposal}")


commands = [fork, upstream, sync, offer]
