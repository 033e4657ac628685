"""Keeping the read models up to date: catch up with the event log, or rebuild from zero."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Tracking
from eventsourcing.utils import Environment

from textbook.config import Settings, eventsourcing_env
from textbook.domain.application import Textbook
from textbook.projections.projection import ReadModelProjection
from textbook.projections.views import PostgresReadModels, ReadModels, SQLiteReadModels

BATCH = 500


def open_views(settings: Settings) -> ReadModels:
    name = ReadModelProjection.name
    env = Environment(name, eventsourcing_env(settings, name))
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
        notifications = app.recorder.select_notifications(
            start=start, limit=BATCH, inclusive_of_start=False
        )
        for notification in notifications:
            event = app.mapper.to_domain_event(notification)
            try:
                projection.process_event(event, Tracking(app.name, notification.id))
            except IntegrityError:
                break  # another process recorded this position first: start again after it
            done += 1
        if progress is not None:
            progress(done, last)
        if len(notifications) < BATCH:
            return done


def rebuild(
    app: Textbook, views: ReadModels, progress: Callable[[int, int], None] | None = None
) -> int:
    """Drop every read model and project every event again from the first."""
    views.reset(app.name)
    return catch_up(app, views, progress)
