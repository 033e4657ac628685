"""Keeping the read models up to date: catch up with the event log, or rebuild from zero."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.utils import Environment

from textbook.config import Settings, eventsourcing_env
from textbook.domain.application import Textbook
from textbook.domain.errors import TextbookError
from textbook.projections.projection import ReadModelProjection
from textbook.projections.views import (
    TABLES,
    PositionTaken,
    PostgresReadModels,
    ReadModels,
    SQLiteReadModels,
)
from textbook.storage import tables_to_create

# Events applied in one read-model transaction: one commit per batch, not per event.
BATCH = 200


class ReadModelsAhead(TextbookError):
    def __init__(self, position: int, last: int) -> None:
        super().__init__(
            f"The read models have seen event {position}, but the event store ends at {last}: "
            "they belong to another store. Run 'textbook projections rebuild'."
        )


def open_views(settings: Settings) -> ReadModels:
    """The read models' store, with their tables created if they are missing or out of date."""
    name = ReadModelProjection.name
    ddl = f"eventsourcing {version('eventsourcing')}\n" + "\n".join(TABLES)
    with tables_to_create(settings, name, ddl) as create:
        env = Environment(name, eventsourcing_env(settings, name, create_tables=create))
        factory: Any = InfrastructureFactory.construct(env)
        view_class = PostgresReadModels if settings.is_postgres else SQLiteReadModels
        views: ReadModels = factory.tracking_recorder(view_class)
    return views


def catch_up(
    app: Textbook, views: ReadModels, progress: Callable[[int, int], None] | None = None
) -> int:
    """Process every event the read models have not seen yet; returns how many were processed."""
    projection = ReadModelProjection(views)
    done, last = 0, app.recorder.max_notification_id() or 0
    while True:
        start = views.max_tracking_id(app.name) or 0
        if start > last:  # another process may have projected events written since: look again
            last = app.recorder.max_notification_id() or 0
            if start > last:
                raise ReadModelsAhead(start, last)
        notifications = app.recorder.select_notifications(
            start=start, limit=BATCH, inclusive_of_start=False
        )
        if not notifications:
            return done
        updates = [projection.update_for(app.mapper.to_domain_event(n)) for n in notifications]
        try:
            views.record(Tracking(app.name, notifications[-1].id), updates, after=start)
        except PositionTaken:
            continue  # another process recorded some of these events first: go on after them
        done += len(notifications)
        last = max(last, notifications[-1].id)
        if progress is not None:
            progress(done, last)


def rebuild(
    app: Textbook, views: ReadModels, progress: Callable[[int, int], None] | None = None
) -> int:
    """Drop every read model and project every event again from the first."""
    views.reset(app.name)
    return catch_up(app, views, progress)
