"""What every command shares: the stores it opens, the errors it reports, the options it parses."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, wraps
from typing import Any, TypeVar
from uuid import UUID

import click

from textbook.config import Settings, SettingsError
from textbook.domain.application import Textbook
from textbook.domain.errors import InvalidInput, TextbookError
from textbook.domain.moments import parse_as_of
from textbook.projections.publishing.sources import BuildError
from textbook.projections.queries import Queries
from textbook.projections.queries.copies import CopyIndex
from textbook.projections.runner import catch_up, open_views
from textbook.projections.views import ReadModels
from textbook.storage import open_textbook

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Context:
    settings: Settings
    opened: list[Any] = field(default_factory=list)

    @cached_property
    def app(self) -> Textbook:
        app = open_textbook(self.settings)
        self.opened.append(app)
        # Proposals are checked for copies of other books' text, in the read models' index.
        app.copy_finder = CopyIndex(lambda: self.views, lambda: catch_up(app, self.views))
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
