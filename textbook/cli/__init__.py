"""The `textbook` command: one group, its commands in a module per concern.

`serve` (the web app, the publishing worker, the demo), `books` (import, export, show, build,
history, blame), `editions` (edition create, edition list), `starting` (book start, archive,
unarchive, delete), `forks` (fork, upstream, sync, offer), `review` (propose, proposals,
review), `remix` (remix, take, mark-source), `needs` (needs, need mark, take, release, close),
`people` (users, members, tokens), `admin` (init, dump, restore, projections) and `watching`
(watch, unwatch, inbox, ask-review). Every command opens the stores through a `context.Context`
built from the settings here, and changes them only through the application.
"""

from __future__ import annotations

import dataclasses

import click

from textbook.cli import (
    admin,
    books,
    editions,
    forks,
    needs,
    people,
    remix,
    review,
    serve,
    starting,
    watching,
)
from textbook.cli.context import Context
from textbook.config import Settings, SettingsError


@click.group()
@click.option(
    "--database",
    envvar="TEXTBOOK_DATABASE",
    metavar="PATH|URL",
    help="An SQLite file (default var/textbook.sqlite) or a postgresql:// URL "
    "[env TEXTBOOK_DATABASE].",
)
@click.version_option(package_name="textbook")
@click.pass_context
def cli(ctx: click.Context, database: str | None) -> None:
    """textbook: open textbooks written together, with every change reviewed and recorded."""
    try:
        settings = Settings.from_environ()
    except (SettingsError, ValueError) as error:  # a setting that cannot work: say which
        raise click.ClickException(str(error)) from None
    if database:  # only the database: every other setting still comes from the environment
        settings = dataclasses.replace(settings, database=database)
    context = Context(settings)
    ctx.obj = context
    ctx.call_on_close(context.close)


for module in (
    serve,
    books,
    editions,
    starting,
    forks,
    review,
    remix,
    needs,
    people,
    admin,
    watching,
):
    for command in module.commands:
        cli.add_command(command)
