"""Mail made from events: a follower reads the events of its topics after its cursor, turns each
into messages, and puts them in the outbox with its new cursor in one transaction, so that each
event's mail is queued exactly once (`AccountMail`, `ReporterMail`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from textbook.domain.application import Textbook
from textbook.mail.links import Links
from textbook.mail.message import Message
from textbook.mail.outbox import Outbox


def _now() -> datetime:
    return datetime.now(UTC)


class EventMail:
    follower: ClassVar[str]  # the cursor's name in the outbox
    topics: ClassVar[tuple[str, ...]]  # the events it reads

    def __init__(
        self,
        app: Textbook,
        outbox: Outbox,
        links: Links,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.app, self.outbox, self.links, self.clock = app, outbox, links, clock

    def run_once(self, limit: int = 200) -> int:
        """Queue the mail of the events not read yet; returns how many messages were new."""
        start = self.outbox.position(self.follower)
        notifications = self.app.recorder.select_notifications(
            start=start, limit=limit, topics=self.topics, inclusive_of_start=False
        )
        if not notifications:
            return 0
        messages = [
            message
            for notification in notifications
            for message in self.messages(self.app.mapper.to_domain_event(notification))
        ]
        return self.outbox.put(messages, cursor=(self.follower, notifications[-1].id))

    def messages(self, domain_event: DomainEventProtocol[UUID]) -> Iterator[Message]:
        raise NotImplementedError
