"""Keeping the read models up to date: catch up with the event log, or rebuild from zero.

All read models share one tracking position. When read models change shape (their version in
the code is newer than the one recorded in the store), `open_views` drops their tables, creates
them anew and replays the events up to that shared position into just those tables, in one
transaction that also records their new version; the other read models are left as they are.
So every read model stands at the same position afterwards, and catching up goes on as before.
"""

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
from textbook.projections.readmodel import ReadModel
from textbook.projections.views import (
    VERSIONS_DDL,
    PositionTaken,
    PostgresReadModels,
    ReadModels,
    SQLiteReadModels,
)
from textbook.storage import open_textbook, schema_lock, tables_to_create, transaction

# Events applied in one read-model transaction: one commit per batch, not per event.
BATCH = 200


class ReadModelsAhead(TextbookError):
    def __init__(self, position: int, last: int) -> None:
        super().__init__(
            f"The read models have seen event {position}, but the event store ends at {last}: "
            "they belong to another store. Run 'textbook projections rebuild'."
        )


def open_views(settings: Settings) -> ReadModels:
    """The read models' store, each read model rebuilt first if its tables are missing or older
    than its code."""
    name = ReadModelProjection.name
    ddl = f"eventsourcing {version('eventsourcing')}\n{VERSIONS_DDL}"
    with tables_to_create(settings, name, ddl) as create:
        env = Environment(name, eventsourcing_env(settings, name, create_tables=create))
        factory: Any = InfrastructureFactory.construct(env)
        view_class = PostgresReadModels if settings.is_postgres else SQLiteReadModels
        views: ReadModels = factory.tracking_recorder(view_class)
    try:
        upgrade(settings, views)
    except BaseException:
        views.close()
        raise
    return views


class _NeedsEvents(Exception):
    """The read models have seen events: rebuilding one needs the event store open."""


def upgrade(settings: Settings, views: ReadModels) -> None:
    """Rebuild the read models whose version in the store is older than their code's, once,
    while processes starting at the same time wait for it (on `schema_lock`)."""
    if not views.stale():  # the usual start: nothing to take turns for
        return
    # Replaying needs the events, unless no event was projected yet (a new store).
    app = open_textbook(settings) if views.max_tracking_id(Textbook.name) else None
    try:
        while True:
            with schema_lock(settings):
                stale = views.stale()
                if not stale:
                    return  # another process rebuilt them while this one waited
                try:
                    replay_into(app, views, stale)
                    return
                except _NeedsEvents:
                    pass  # another process projected events meanwhile
                except ReadModelsAhead:
                    return  # catching up refuses, and `rebuild` makes every read model anew
            app = open_textbook(settings)  # not under the lock: opening it takes that lock
    finally:
        if app is not None:
            app.close()


def replay_into(app: Textbook | None, views: ReadModels, models: list[ReadModel]) -> None:
    """Make the tables of `models` anew and project into them every event up to the position
    the read models share, in one transaction (processes catching up meanwhile wait for it)."""
    projection = ReadModelProjection(views)
    with transaction(views.datastore, commit=True) as sql:
        views.replace(sql, models)  # first: its locks make writers of these tables wait
        position = views.position(sql, Textbook.name)
        if position and app is None:
            raise _NeedsEvents()
        if app is None:
            return
        last = app.recorder.max_notification_id() or 0
        if position > last:
            raise ReadModelsAhead(position, last)
        start = 0
        while start < position:
            notifications = app.recorder.select_notifications(
                start=start, limit=BATCH, stop=position, inclusive_of_start=False
            )
            if not notifications:
                break
            for notification in notifications:
                event = app.mapper.to_domain_event(notification)
                projection.update_for(event, only=models, position=notification.id)(sql)
            start = notifications[-1].id


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
        updates = [
            projection.update_for(app.mapper.to_domain_event(n), position=n.id)
            for n in notifications
        ]
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
    """Make every read model's tables anew and project every event again from the first."""
    views.reset(app.name)
    return catch_up(app, views, progress)
