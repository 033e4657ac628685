"""The `textbook` command."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, wraps
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import click

from textbook.book_folder import read_book, write_book
from textbook.config import Settings, SettingsError
from textbook.domain.application import Textbook
from textbook.domain.errors import BookNotFound, InvalidInput, TextbookError
from textbook.domain.images import MAX_IMAGE
from textbook.domain.markdown import MAX_SECTION_BYTES, section_too_long
from textbook.domain.moments import parse_as_of
from textbook.domain.user import listed_id, token_expiry
from textbook.projections.publishing.sources import FORMATS, BuildError
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views, rebuild
from textbook.projections.views import ReadModels
from textbook.storage import blob_store, open_textbook

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    settings: Settings
    opened: list[Any] = field(default_factory=list)

    @cached_property
    def app(self) -> Textbook:
        app = open_textbook(self.settings)
        self.opened.append(app)
        return app

    @cached_property
    def views(self) -> ReadModels:
        views = open_views(self.settings)
        self.opened.append(views)
        return views

    @property
    def queries(self) -> Queries:
        self.refresh(quiet=True)
        return Queries(self.views)

    def refresh(self, quiet: bool = False) -> None:
        """Bring the read models up to date with every event, with a progress bar when long."""
        behind = (self.app.recorder.max_notification_id() or 0) - (
            self.views.max_tracking_id(self.app.name) or 0
        )
        if quiet or behind < 1000:
            catch_up(self.app, self.views)
            return
        with progress_bar(behind, "Updating read models") as advance:
            catch_up(self.app, self.views, advance)

    def close(self) -> None:
        for opened in self.opened:
            opened.close()


@contextmanager
def progress_bar(length: int, label: str) -> Iterator[Callable[[int, int], None]]:
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        seen = [0]

        def advance(done: int, _total: int) -> None:
            bar.update(done - seen[0])
            seen[0] = done

        yield advance


def reports_errors(command: F) -> F:
    """Turn every error a user can cause into one line on stderr and exit status 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (TextbookError, SettingsError, BuildError) as error:
            fail(str(error))
        except OSError as error:
            fail(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))
        except Exception as error:
            if type(error).__module__.startswith(("psycopg", "sqlite3", "eventsourcing")):
                fail(f"the database failed: {error}".splitlines()[0])
            raise

    return wrapper  # type: ignore[return-value]  # same signature as command


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def parse_time(value: str) -> datetime:
    try:
        return parse_as_of(value)  # a plain date: the end of that day, as on the web
    except InvalidInput as error:
        raise click.BadParameter(error.message, param_hint="'--as-of'") from None


def parse_uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInput(f"'{value}' is not a proposal id.") from None


pass_context = click.make_pass_decorator(Context)
as_option = click.option(
    "--as",
    "as_user",
    metavar="NAME",
    envvar="TEXTBOOK_USER",
    help="The user who acts [env TEXTBOOK_USER].",
)


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
    settings = Settings.from_environ()
    if database:  # only the database: every other setting still comes from the environment
        settings = dataclasses.replace(settings, database=database)
    context = Context(settings)
    ctx.obj = context
    ctx.call_on_close(context.close)


@cli.command()
@pass_context
@reports_errors
def init(context: Context) -> None:
    """Create the event store and the read models (done by every command when needed)."""
    context.refresh()
    click.echo(f"Initialised {context.settings.database}")


@cli.command("import")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--as",
    "as_user",
    metavar="NAME",
    envvar="TEXTBOOK_USER",
    required=True,
    help="The person who imports, credited with the imported text: a registered user "
    "('textbook user add'), and a maintainer of the book when it exists [env TEXTBOOK_USER].",
)
@pass_context
@reports_errors
def import_(context: Context, folder: Path, as_user: str) -> None:
    """Import a book's source folder, or record what changed in it since the last import."""
    source = read_book(folder)
    context.app.user(as_user)  # before storing any image: an unknown person changes nothing
    blob_store(context.app).put(source.blobs)
    report = context.app.import_book(source.state, by=as_user, problems=source.problems)
    context.refresh()
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
            click.echo(f"  {folder / str(problem)}")


@cli.command()
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


@cli.command()
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


DEMO_PASSWORD = "textbook-demo"
# One account for every role, and two editors, so that one can approve the other's proposal.
DEMO_USERS = (
    ("grace", "maintainer"),
    ("emmy", "editor"),
    ("sofia", "editor"),
    ("ada", "author"),
)
SAMPLE = Path(__file__).resolve().parent.parent / "books" / "numerical-methods"


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="The port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web worker processes (a publishing worker process always runs beside them).",
)
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="On an empty store, import the sample book and add demo users.",
)
@click.option(
    "--publish/--no-publish",
    default=True,
    show_default=True,
    help="Run a publishing worker process beside the web workers (see 'textbook worker').",
)
@pass_context
@reports_errors
def serve(context: Context, host: str, port: int, workers: int, demo: bool, publish: bool) -> None:
    """Serve the books: read, download, propose and review in the browser, and the JSON API."""
    import uvicorn

    from textbook.web.app import create_app

    if demo and not context.queries.books() and SAMPLE.is_dir():
        seed_demo(context)
    accounts = demo_accounts(context) if demo else []
    if accounts:
        click.echo(f"Demo accounts on '{SAMPLE.name}', password {DEMO_PASSWORD}:", err=True)
    for name, role in accounts:
        click.echo(f"  {name:<6} {role}", err=True)
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    # Publishing runs in its own process, so that a PDF being laid out never slows a reader.
    environment = {**os.environ, "TEXTBOOK_DATABASE": context.settings.database}
    command = [sys.executable, "-m", "textbook.cli", "worker", "--parent", str(os.getpid())]
    worker_process = subprocess.Popen(command, env=environment) if publish else None
    # uvicorn re-raises SIGTERM after its shutdown; exiting through Python runs `finally`,
    # so the publishing worker never outlives the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if workers == 1:
            # the publishing worker process publishes: never the web app beside it
            app = create_app(dataclasses.replace(context.settings, publish=False))
            uvicorn.run(app, host=host, port=port, log_level="warning")
        else:
            os.environ["TEXTBOOK_DATABASE"] = context.settings.database
            uvicorn.run(
                "textbook.web.app:app_from_environ", factory=True, host=host, port=port,
                workers=workers, log_level="warning",
            )  # fmt: skip
    finally:
        if worker_process is not None:
            stop_process(worker_process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # in the middle of a PDF: it is safe to stop it
        process.kill()
        process.wait()


def demo_accounts(context: Context) -> list[tuple[str, str]]:
    """The demo accounts the store really has, in their roles: never printed when absent."""
    try:
        members = set(context.queries.members(SAMPLE.name))
    except BookNotFound:
        return []
    return [(name, role) for name, role in DEMO_USERS if (name, role) in members]


def seed_demo(context: Context) -> None:
    """The sample book and a demo account for every role: a fresh clone shows the whole product."""
    source = read_book(SAMPLE)
    blob_store(context.app).put(source.blobs)
    importer = demo_importer(context)
    context.app.import_book(source.state, by=importer, problems=source.problems)
    context.app.set_open_to_all(source.state.slug, True)
    for name, role in DEMO_USERS:
        if name == importer:
            continue  # registered and made maintainer by the import
        context.app.register_user(name, f"{name}@example.org", DEMO_PASSWORD)
        context.app.grant(source.state.slug, name, role)
    context.refresh()
    click.echo(f"Imported the sample book '{source.state.slug}' and the demo users", err=True)


def demo_importer(context: Context) -> str:
    """The demo maintainer, registered: the sample book's text is credited to them."""
    name = next((n for n, role in DEMO_USERS if role == "maintainer"), DEMO_USERS[0][0])
    context.app.register_user(name, f"{name}@example.org", DEMO_PASSWORD)
    return name


@cli.command("build")
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
@pass_context
@reports_errors
def build_command(
    context: Context, slug: str, formats: str, out: Path | None, as_of: str | None
) -> None:
    """Publish the approved text of a book as a web edition, an EPUB and a PDF."""
    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise click.BadParameter(f"use html, epub or pdf, not {', '.join(unknown) or 'nothing'}")
    # WeasyPrint loads slowly: only the commands that publish import it.
    from textbook.projections.publishing.bounded import Builder
    from textbook.projections.publishing.editions import book_to_build

    moment = parse_time(as_of) if as_of else None
    book = book_to_build(context.app, context.queries, slug, moment)
    target = out or context.settings.build_dir
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


@cli.command()
@click.option("--once", is_flag=True, help="Publish what changed, then stop.")
@click.option(
    "--format",
    "formats",
    default="html,epub,pdf",
    show_default=True,
    help="Comma-separated formats to publish; 'none' keeps only the read models up to date.",
)
@click.option("--parent", type=int, hidden=True, help="Stop when this process is gone.")
@pass_context
@reports_errors
def worker(context: Context, once: bool, formats: str, parent: int | None) -> None:
    """Keep the read models and the published editions of every book up to date."""
    from textbook.projections.publishing.editions import EditionPublisher

    wanted = [f.strip() for f in formats.split(",") if f.strip() not in ("", "none")]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise click.BadParameter(f"use html, epub, pdf or none, not {', '.join(unknown)}")
    settings = context.settings
    publisher = EditionPublisher(
        context.app, context.views, settings.build_dir, wanted, settings.build_timeout
    )
    context.opened.append(publisher)  # closed with the command: its build process stops too
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("textbook")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if once:
        publisher.publish_changed(EditionPublisher.log_published)
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if parent is not None:  # started by 'serve': never outlive it, even when it is killed
        threading.Thread(target=watch_parent, args=(parent, stop), daemon=True).start()
    click.echo(f"Publishing into {publisher.editions}; Ctrl-C stops.", err=True)
    try:
        publisher.run(stop)
    except KeyboardInterrupt:
        stop.set()


def watch_parent(parent: int, stop: threading.Event) -> None:
    while not stop.wait(1):
        if os.getppid() != parent:
            stop.set()


@cli.command()
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


@cli.command()
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


@cli.command()
@click.argument("slug")
@click.option("--status", type=click.Choice(["open", "approved", "rejected", "withdrawn"]))
@pass_context
@reports_errors
def proposals(context: Context, slug: str, status: str | None) -> None:
    """List a book's proposals (--status open: the review queue), each with its version."""
    for p in context.queries.proposals(slug, status):
        click.echo(
            f"{p.id}  {p.status:<17} v{p.version:<3} {p.section_id:<28} {p.author:<16} {p.message}"
        )


@cli.command("dump")
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


@cli.command("restore")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@pass_context
@reports_errors
def restore_command(context: Context, file: Path) -> None:
    """Load a dump into an empty store (SQLite or PostgreSQL), then build the read models."""
    from textbook.backup import restore

    report = restore(context.app, file)
    context.refresh()
    click.echo(f"Restored {report.events} events and {report.images} images from {file}")


@cli.group()
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


@cli.group()
def user() -> None:
    """Manage people."""


@user.command("add")
@click.argument("name")
@click.option("--email", required=True, help="The user's email address.")
@click.option("--password", help="The password (prompted for when omitted).")
@pass_context
@reports_errors
def user_add(context: Context, name: str, email: str, password: str | None) -> None:
    """Register a user."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user_id = context.app.register_user(name, email, password)
    context.refresh(quiet=True)
    click.echo(f"Added user {name} ({user_id})")


@cli.group()
def member() -> None:
    """Manage the members of a book."""


@member.command("grant")
@click.argument("name")
@click.argument("slug")
@click.argument("role", type=click.Choice(["author", "editor", "maintainer"]))
@as_option
@pass_context
@reports_errors
def member_grant(context: Context, name: str, slug: str, role: str, as_user: str | None) -> None:
    """Make NAME an author, editor or maintainer of the book SLUG."""
    context.app.grant(slug, name, role, by=as_user)
    context.refresh(quiet=True)
    click.echo(f"{name} is now {role} of {slug}")


@cli.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--label", default="", help="What the token is for.")
@click.option(
    "--expires", default="", help="When it expires: 30d, 12h, 2w, or a date (UTC); never if unset."
)
@pass_context
@reports_errors
def token_create(context: Context, name: str, label: str, expires: str) -> None:
    """Create an API token for NAME; printed once, as the last word."""
    secret = context.app.create_token(name, label, token_expiry(expires, datetime.now(UTC)))
    click.echo(f"API token {listed_id(secret)} for {name} (shown once, keep it secret): {secret}")


@token.command("list")
@click.argument("name")
@pass_context
@reports_errors
def token_list(context: Context, name: str) -> None:
    """List NAME's tokens: id, created, expires, label (never the secret)."""
    now = datetime.now(UTC)
    for info in context.app.tokens(name):
        created = f"{info.created:%Y-%m-%dT%H:%M:%SZ}" if info.created else "-"
        expires = f"{info.expires:%Y-%m-%dT%H:%M:%SZ}" if info.expires else "never"
        if info.expired(now):
            expires += " (expired)"
        click.echo(f"{info.id}  {created}  {expires}  {info.label}")


@token.command("revoke")
@click.argument("name")
@click.argument("token_id", required=False)
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every token of NAME.")
@pass_context
@reports_errors
def token_revoke(context: Context, name: str, token_id: str | None, revoke_all: bool) -> None:
    """Revoke NAME's token TOKEN_ID (from `token list`), or all of them with --all."""
    if revoke_all == (token_id is not None):
        raise click.UsageError("give either a TOKEN_ID or --all")
    if token_id is None:
        count = context.app.revoke_all_tokens(name)
        click.echo(f"Revoked {count} token{'s' if count != 1 else ''} of {name}")
    else:
        context.app.revoke_token(name, token_id)
        click.echo(f"Revoked token {token_id} of {name}")


@cli.command()
@click.argument("slug")
@click.argument("section_id")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("-m", "--message", required=True, help="Why the change is needed.")
@click.option("--base-revision", type=int, help="The revision the text was written against.")
@click.option(
    "--image",
    "images",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An image the text shows as images/NAME, carried by the proposal (repeatable).",
)
@as_option
@pass_context
@reports_errors
def propose(
    context: Context,
    slug: str,
    section_id: str,
    file: Any,
    message: str,
    base_revision: int | None,
    images: tuple[Path, ...],
    as_user: str | None,
) -> None:
    """Propose FILE (the section's whole new text, heading included) for a section."""
    if as_user is None:
        raise InvalidInput("Say who proposes: --as NAME.")
    # Read one character past the limit (a character is at least a byte): a bigger file is
    # refused by the domain's rule, never proposed cut short.
    text = file.read(MAX_SECTION_BYTES + 1)
    if len(text) > MAX_SECTION_BYTES:
        raise section_too_long()
    uploads = [(path.name, read_at_most(path, MAX_IMAGE + 1)) for path in images]
    proposal_id = context.app.propose_edit(
        slug,
        section_id,
        text,
        message,
        as_user,
        base_revision,
        uploads,
        blob_store(context.app).put,
    )
    context.refresh(quiet=True)
    click.echo(f"Opened proposal {proposal_id}")


def read_at_most(path: Path, size: int) -> bytes:
    with path.open("rb") as file:
        return file.read(size)


@cli.command()
@click.argument("proposal_id")
@click.argument("verdict", type=click.Choice(["approve", "request-changes", "reject", "comment"]))
@click.option("-m", "--message", default="", help="The review comment.")
@click.option(
    "--version",
    "version",
    type=click.IntRange(1, 2**31 - 1),
    help="The proposal's version you read ('textbook proposals SLUG' shows it); required to "
    "approve, which is refused if the proposal has been revised since.",
)
@click.option(
    "--break-references",
    is_flag=True,
    help="Approve even though the change removes ids that other sections still link to "
    "(without it, such an approval is refused, listing the links).",
)
@as_option
@pass_context
@reports_errors
def review(
    context: Context,
    proposal_id: str,
    verdict: str,
    message: str,
    version: int | None,
    break_references: bool,
    as_user: str | None,
) -> None:
    """Review a proposal: approve, request changes, reject, or comment."""
    if as_user is None:
        raise InvalidInput("Say who reviews: --as NAME.")
    if verdict == "approve" and version is None:
        raise InvalidInput(
            "Say which version of the proposal you read and approve: --version N "
            "('textbook proposals SLUG' shows each proposal's version)."
        )
    status = context.app.review(
        parse_uuid(proposal_id), verdict, message, as_user, version, break_references
    )
    context.refresh(quiet=True)
    click.echo(f"Proposal {proposal_id} is {status.replace('_', ' ')}")


if __name__ == "__main__":
    cli()
