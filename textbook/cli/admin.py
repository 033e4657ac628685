"""Looking after the store: create it, dump and restore it, rebuild the read models."""

from __future__ import annotations

from pathlib import Path

import click

from textbook.cli.context import Context, pass_context, progress_bar, reports_errors
from textbook.projections.runner import rebuild


@click.command()
@pass_context
@reports_errors
def init(context: Context) -> None:
    """Create the event store and the read models (done by every command when needed)."""
    context.refresh()
    click.echo(f"Initialised {context.settings.database}")


@click.command("dump")
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
@reports_errors
def dump_command(context: Context, file: Path) -> None:
    """Write every event and image to FILE (gzipped JSON lines), for backups and moves."""
    from textbook.backup import dump

    total = context.app.recorder.max_notification_id() or 0
    with progress_bar(total, "Dumping events") as advance:
        report = dump(context.app, file, lambda done: advance(done, total))
    click.echo(f"Dumped {report.events} events and {report.images} images to {file}")


@click.command("restore")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@pass_context
@reports_errors
def restore_command(context: Context, file: Path) -> None:
    """Load a dump into an empty store (SQLite or PostgreSQL), then build the read models."""
    from textbook.backup import restore

    report = restore(context.app, file)
    context.refresh()
    click.echo(f"Restored {report.events} events and {report.images} images from {file}")


@click.group()
def projections() -> None:
    """Manage the read models."""


@projections.command("rebuild")
@pass_context
@reports_errors
def projections_rebuild(context: Context) -> None:
    """Drop every read model and rebuild it from the events."""
    total = context.app.recorder.max_notification_id() or 0
    with progress_bar(total, "Rebuilding read models") as advance:
        count = rebuild(context.app, context.views, advance)
    click.echo(f"Rebuilt the read models from {count} events")


commands = [init, dump_command, restore_command, projections]
