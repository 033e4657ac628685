"""Serving: the web app beside a publishing worker, the worker alone, and the demo a fresh
clone serves."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click

from textbook.book_folder import read_book
from textbook.cli.context import Context, pass_context, reports_errors
from textbook.domain.errors import BookNotFound
from textbook.domain.vocabulary import Role
from textbook.projections.publishing.pipeline import FORMATS

DEMO_PASSWORD = "textbook-demo"
# One account for every role, and two editors, so that one can approve the other's proposal.
DEMO_USERS = (
    ("grace", Role.MAINTAINER),
    ("emmy", Role.EDITOR),
    ("sofia", Role.EDITOR),
    ("ada", Role.AUTHOR),
)
SAMPLE = Path(__file__).resolve().parents[2] / "books" / "numerical-methods"


@click.command()
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
    # Links in mail need the site's address: this one, when no public URL is set.
    command += ["--served-at", served_at(host, port)]
    worker_process = subprocess.Popen(command, env=environment) if publish else None
    # uvicorn re-raises SIGTERM after its shutdown; exiting through Python runs `finally`,
    # so the publishing worker never outlives the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if workers == 1:
            # the publishing worker process publishes: never the web app beside it
            app = create_app(dataclasses.replace(context.settings, publish=False))
            uvicorn.run(app, host=host, port=port, log_level="warning")
        else:  # each web worker reads the settings from the environment: these ones
            os.environ.update(TEXTBOOK_DATABASE=context.settings.database, TEXTBOOK_PUBLISH="0")
            uvicorn.run(
                "textbook.web.app:app_from_environ", factory=True, host=host, port=port,
                workers=workers, log_level="warning",
            )  # fmt: skip
    finally:
        if worker_process is not None:
            stop_process(worker_process)


def served_at(host: str, port: int) -> str:
    """The address `serve` answers on, as a link: a wildcard host is reached as localhost."""
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # in the middle of a PDF: it is safe to stop it
        process.kill()
        process.wait()


def demo_accounts(context: Context) -> list[tuple[str, Role]]:
    """The demo accounts the store really has, in their roles: never printed when absent."""
    try:
        members = set(context.queries.members(SAMPLE.name))
    except BookNotFound:
        return []
    return [(name, role) for name, role in DEMO_USERS if (name, role) in members]


def seed_demo(context: Context) -> None:
    """The sample book and a demo account for every role: a fresh clone shows the whole product."""
    source = read_book(SAMPLE)
    importer = demo_importer(context)
    context.app.import_book(source.state, by=importer, problems=source.problems, blobs=source.blobs)
    context.app.set_open_to_all(source.state.slug, True)
    for name, role in DEMO_USERS:
        if name == importer:
            continue  # registered and made maintainer by the import
        # The demo's addresses are vouched for: verified, so that mail reaches them at once.
        context.app.register_user(name, f"{name}@example.org", DEMO_PASSWORD, verified=True)
        context.app.grant(source.state.slug, name, role)
    fork = seed_demo_fork(context, source.state.slug)
    seed_demo_work(context, source.state.slug)
    context.refresh()
    click.echo(
        f"Imported the sample book '{source.state.slug}', the demo users, and a fork of the book"
        f" for a course, '{fork}'",
        err=True,
    )


DEMO_FORK = "numerical-methods-course"
COURSE_NOTE = (
    "In our course, this is the first method you program in the lab: write it, then count how"
    " many halvings it takes to reach the tolerance and compare with the bound above."
)


def seed_demo_fork(context: Context, slug: str) -> str:
    """A fork of the sample book for a course, by an editor, with one change of its own
    approved by another: its editions credit the sample book, and say what was changed."""
    app = context.app
    app.fork_book(slug, DEMO_FORK, by="sofia", title="Numerical Methods: A Course")
    app.grant(DEMO_FORK, "emmy", Role.EDITOR, by="sofia")
    app.grant(DEMO_FORK, "ada", Role.AUTHOR, by="sofia")
    section = app.book_state(DEMO_FORK).chapters[1].sections[1]
    text = f"{section.text.rstrip()}\n\n{COURSE_NOTE}\n"
    proposal = app.propose_edit(DEMO_FORK, section.id, text, "A note for the course's lab", "ada")
    app.review(proposal, "approve", "Good for the lab.", "emmy", version=1)
    return DEMO_FORK


def seed_demo_work(context: Context, slug: str) -> None:
    """Work to pick up and people to hear of it: needs on the task board (one taken, one a
    reader's report), a proposal waiting with a review asked of an editor, and watches, so that
    the task board, the inbox and the community page of a fresh clone are not empty; and the
    book's first named edition, whose downloads the worker builds once and keeps, with a change
    approved since it."""
    app = context.app
    app.mark_edition(slug, "First edition", "emmy")
    chapters = app.book_state(slug).chapters
    first, second = chapters[0], chapters[1]
    # A change approved since the First edition: what changed since it is not an empty page.
    counted = chapters[2].sections[1]
    since = app.propose_edit(
        slug, counted.id, f"{counted.text.rstrip()}\n\n{DEMO_CAVEAT}\n", "Flops are not all", "ada"
    )
    app.review(since, "approve", "A fair caveat.", "emmy", version=1)
    section = second.sections[1]
    app.mark_need(
        slug, section.id, "figure", "A picture of the interval halving would help here.", "emmy"
    )
    taken = app.mark_need(
        slug, None, "exercises", "The chapter ends without exercises.", "ada", first.id
    )
    app.take_need(taken, "sofia")
    paragraph = next(p for p in section.text.split("\n\n")[1:] if not p.startswith("#"))
    app.report_error(slug, section.id, paragraph, "Is the bound off by one halving?")
    app.watch("ada", "book", slug)
    app.watch("emmy", "chapter", slug, second.id)
    text = f"{section.text.rstrip()}\n\n{DEMO_EXAMPLE}\n"
    proposal = app.propose_edit(slug, section.id, text, "A worked example of the bound", "ada")
    app.request_review(proposal, "sofia", "ada")


DEMO_CAVEAT = (
    "Counting flops is only a guide to the time taken: on a modern computer, moving the numbers"
    " between memory and the processor often costs more than the arithmetic done on them."
)
DEMO_EXAMPLE = (
    "For example, to bracket a root within $10^{-6}$ starting from an interval of length 1, the"
    " bound asks for $\\lceil \\log_2(10^{6}) \\rceil = 20$ halvings."
)


def demo_importer(context: Context) -> str:
    """The demo maintainer, registered: the sample book's text is credited to them."""
    name = next((n for n, role in DEMO_USERS if role.maintains), DEMO_USERS[0][0])
    context.app.register_user(name, f"{name}@example.org", DEMO_PASSWORD, verified=True)
    return name


@click.command()
@click.option("--once", is_flag=True, help="Publish what changed, then stop.")
@click.option(
    "--format",
    "formats",
    default="html,epub,pdf",
    show_default=True,
    help="Comma-separated formats to publish; 'none' keeps only the read models up to date.",
)
@click.option("--parent", type=int, hidden=True, help="Stop when this process is gone.")
@click.option(
    "--served-at", hidden=True, help="The site's address for links in mail, without a public URL."
)
@pass_context
@reports_errors
def worker(
    context: Context, once: bool, formats: str, parent: int | None, served_at: str | None
) -> None:
    """Keep the read models and the published editions of every book up to date, and send
    mail when TEXTBOOK_SMTP_URL is set."""
    from textbook.mail.worker import open_mail_worker
    from textbook.projections.publishing.editions import EditionPublisher

    wanted = [f.strip() for f in formats.split(",") if f.strip() not in ("", "none")]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise click.BadParameter(f"use html, epub, pdf or none, not {', '.join(unknown)}")
    settings = context.settings
    publisher = EditionPublisher(
        context.app,
        context.views,
        settings.build_dir,
        wanted,
        settings.build_timeout,
        base_url=settings.public_url,
    )
    context.opened.append(publisher)  # closed with the command: its build process stops too
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("textbook")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    mail = open_mail_worker(settings, context.app, served_at, context.queries)
    if once:
        publisher.publish_changed(EditionPublisher.log_published)
        if mail is not None:
            mail.run_once()
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if parent is not None:  # started by 'serve': never outlive it, even when it is killed
        threading.Thread(target=watch_parent, args=(parent, stop), daemon=True).start()
    if mail is not None:  # beside the publisher: a slow PDF never holds mail back
        threading.Thread(target=mail.run, args=(stop,), name="mail", daemon=True).start()
        smtp = mail.postman.smtp
        click.echo(f"Sending mail through {smtp.host}:{smtp.port}.", err=True)
    click.echo(f"Publishing into {publisher.editions}; Ctrl-C stops.", err=True)
    try:
        publisher.run(stop)
    except KeyboardInterrupt:
        stop.set()


def watch_parent(parent: int, stop: threading.Event) -> None:
    while not stop.wait(1):
        if os.getppid() != parent:
            stop.set()


commands = [serve, worker]
