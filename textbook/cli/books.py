"""Books: import and export source folders, show the text, build the editions, read the record."""

from __future__ import annotations

from pathlib import Path

import click

from textbook.book_folder import read_book, write_book
from textbook.cli.context import Context, parse_time, pass_context, progress_bar, reports_errors
from textbook.domain.state import ImportReport
from textbook.importing import FORMATS as SOURCE_FORMATS
from textbook.importing import Summary, detect, figures, read_source
from textbook.projections.publishing.pipeline import FORMATS
from textbook.storage import blob_store


@click.command("import")
@click.argument("path", metavar="PATH", type=click.Path(path_type=Path))
@click.option(
    "--as",
    "as_user",
    metavar="NAME",
    envvar="TEXTBOOK_USER",
    required=True,
    help="The person who imports, credited with the imported text: a registered user "
    "('textbook user add'), and a maintainer of the book when it exists [env TEXTBOOK_USER].",
)
@click.option(
    "--format",
    "form",
    type=click.Choice(SOURCE_FORMATS),
    default="auto",
    show_default=True,
    help="What PATH holds: our source folder, a Word document, an EPUB, an mdBook or Quarto "
    "book folder, or a LaTeX book (a .tex file or a folder); auto tells them apart.",
)
@click.option("--slug", help="The book's slug [default: from the file or folder name].")
@click.option(
    "--license",
    "licence",
    metavar="SPDX",
    help="The book's licence, as an SPDX expression (CC-BY-4.0), when the source states none.",
)
@click.option(
    "--source", metavar="URL", help="Where the book came from [default: the file's name]."
)
@click.option("--language", help="The book's language (en, pt-BR) when the source states none.")
@pass_context
@reports_errors
def import_(
    context: Context,
    path: Path,
    as_user: str,
    form: str,
    slug: str | None,
    licence: str | None,
    source: str | None,
    language: str | None,
) -> None:
    """Import a book (our source folder, .docx, .epub, mdBook, Quarto, LaTeX, or a .zip of a
    folder), or record what changed in it since the last import."""
    folder = path.is_dir() and detect(path) == "folder"
    missing = not path.exists() and not path.suffix  # said as before: "no such folder"
    ours = form == "folder" or (form == "auto" and (folder or missing))
    if ours and not slug:
        source_book = read_book(path)  # our own folder: as it always was
        imported = None
    else:
        imported = read_source(
            path, form, slug=slug, license=licence, source=source, language=language
        )
        source_book = imported.book
    report = context.app.import_book(
        source_book.state, by=as_user, problems=source_book.problems, blobs=source_book.blobs
    )
    context.refresh()
    if imported is not None:
        echo_summary(report, imported.summary, path)
        return
    if report.events == 0:
        click.echo(f"{report.slug}: unchanged, nothing recorded")
    else:
        what = "imported" if report.created else "updated"
        click.echo(
            f"{report.slug}: {what}: {report.sections_added} sections added, "
            f"{report.sections_revised} revised, {report.sections_removed} removed "
            f"({report.events} events)"
        )
    if report.problems:
        count = len(report.problems)
        click.echo(
            f"{count} problem{'s' if count > 1 else ''} to fix, shown on the book's page "
            "(nothing was lost):"
        )
        for problem in report.problems:
            click.echo(f"  {path / str(problem)}")


def echo_summary(report: ImportReport, summary: Summary, path: Path) -> None:
    what = "unchanged" if report.events == 0 else "imported" if report.created else "updated"
    click.echo(f"{report.slug}: {what} from {path.name} ({summary.format})")
    for label, count in figures(summary):
        click.echo(f"  {label + ':':<11}{count}")
    if summary.warnings:
        count = len(summary.warnings)
        click.echo(f"{count} warning{'s' if count > 1 else ''}, shown on the book's page too:")
        for warning in summary.warnings:
            click.echo(f"  {warning}")


@click.command()
@click.argument("slug")
@click.argument("folder", type=click.Path(path_type=Path))
@pass_context
@reports_errors
def export(context: Context, slug: str, folder: Path) -> None:
    """Write the approved book as a source folder (book.yaml, chapters, images, references)."""
    state = context.queries.book_state(slug)
    images = blob_store(context.app).get_many([image.sha256 for image in state.images])
    written = write_book(state, images, folder)
    click.echo(f"Exported {slug} to {folder} ({len(written)} files)")


@click.command()
@click.argument("slug")
@click.option(
    "--as-of",
    metavar="TIME",
    help="Show the book as it was then (ISO 8601, UTC; a date alone: the end of that day).",
)
@pass_context
@reports_errors
def show(context: Context, slug: str, as_of: str | None) -> None:
    """Print the approved Markdown of the whole book, now or as it was at a past moment."""
    if as_of is None:
        state = context.queries.book_state(slug)
    else:
        state = context.app.book_state(slug, parse_time(as_of))
    click.echo(state.markdown(), nl=False)


@click.command("build")
@click.argument("slug")
@click.option(
    "--format",
    "formats",
    default="html,epub,pdf",
    show_default=True,
    help="Comma-separated formats to build: html, epub, pdf.",
)
@click.option("--out", type=click.Path(path_type=Path), help="Output folder [default: build/].")
@click.option(
    "--as-of",
    metavar="TIME",
    help="Build the book as it was then (ISO 8601, UTC; a date alone: the end of that day).",
)
@click.option(
    "--edition",
    metavar="NAME",
    help="Build the named edition (its name or slug), byte for byte as when it was marked "
    "[default output: build/named/SLUG/EDITION/].",
)
@pass_context
@reports_errors
def build_command(
    context: Context,
    slug: str,
    formats: str,
    out: Path | None,
    as_of: str | None,
    edition: str | None,
) -> None:
    """Publish the approved text of a book as a web edition, an EPUB and a PDF."""
    if edition is not None and as_of is not None:
        raise click.BadParameter("give --edition or --as-of, not both")
    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise click.BadParameter(f"use html, epub or pdf, not {', '.join(unknown) or 'nothing'}")
    # WeasyPrint loads slowly: only the commands that publish import it.
    from textbook.projections.publishing.bounded import Builder
    from textbook.projections.publishing.editions import book_to_build, named_folder

    moment = parse_time(as_of) if as_of else None
    named = context.queries.named_edition(slug, edition) if edition is not None else None
    book = book_to_build(
        context.app, context.queries, slug, moment, base_url=context.settings.public_url,
        named=named,
    )  # fmt: skip
    target = out or context.settings.build_dir
    if named is not None and out is None:
        target = named_folder(context.settings.build_dir, slug, named.slug)
    with progress_bar(len(wanted), f"Building {slug}") as advance:
        done = [0]

        def step(_format: str) -> None:
            done[0] += 1
            advance(done[0], len(wanted))

        builder = Builder(context.settings.build_timeout)
        context.opened.append(builder)
        report = builder.build(book, wanted, target, context.settings.build_dir / "cache", step)
    for name, path in report.outputs.items():
        click.echo(f"{name}: {path}")


@click.command()
@click.argument("slug")
@click.argument("section_id", required=False)
@pass_context
@reports_errors
def history(context: Context, slug: str, section_id: str | None) -> None:
    """List the approved revisions of a book, or of one of its sections."""
    for r in context.queries.history(slug, section_id):
        what = f"{r.section_id} r{r.revision}" if r.kind != "removed" else f"{r.section_id} removed"
        source = f"proposal {r.proposal_id}" if r.proposal_id else "import"
        click.echo(
            f"{r.at[:19]}Z  {what:<32} by {r.author}, approved by {r.approver} ({source})"
            + (f": {r.message}" if r.message and r.message != "Import" else "")
        )


@click.command()
@click.argument("slug")
@click.argument("section_id")
@pass_context
@reports_errors
def blame(context: Context, slug: str, section_id: str) -> None:
    """Show who wrote and who approved each line of a section's approved text."""
    lines = context.queries.blame(slug, section_id)
    width = max((len(f"{b.author}/{b.approver}") for b in lines), default=0)
    for b in lines:
        who = f"{b.author}/{b.approver}"
        click.echo(f"r{b.revision:<3} {who:<{width}} {b.at[:10]} {b.number:>4} | {b.line}")


commands = [import_, export, show, build_command, history, blame]
