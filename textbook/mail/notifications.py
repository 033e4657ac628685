"""Mail about what concerns a person: a mail for each item of their inbox, or a daily digest
of them, or none, as they chose (`User.mail_choice`), and only to a verified address.

`NotificationMail` follows the inbox by its items' ids (stable across rebuilds of the read
models), its position in `textbook_mail_cursor` moved in the same transaction as the messages
it puts and the items it keeps for digests: each item is handled once, and a rebuild sends
nothing. `DailyDigest` mails, once a day from `hour` UTC, each person who chose the digest and
has items waiting; what each digest covered is kept beside the outbox, never in a read model.

Mail reads no read model itself: the worker is given the inbox (`InboxFeed`, which
`textbook.projections.queries.Queries` is).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from textbook.domain.application import Textbook
from textbook.domain.errors import TextbookError
from textbook.domain.user import MailChoice, User
from textbook.mail.links import Links
from textbook.mail.message import Message
from textbook.mail.outbox import DigestEntry, Outbox

FOLLOWER = "inbox"
DIGEST_ROUND = "digest"  # its position: the last day (date.toordinal) whose digests were sent
DIGEST_HOUR = 7  # UTC, unless the worker is told otherwise
DIGEST_ITEMS = 30  # items a digest lists; the rest are counted, with a link to the inbox
MAX_TITLE = 200
# An item is mailed (or kept for a digest) only this soon after it happened: a worker that
# first follows a store with a long history tells nobody of what is long past.
NOTICE_WINDOW = timedelta(days=2)


class InboxItem(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def person(self) -> str: ...
    @property
    def person_id(self) -> str: ...
    @property
    def at(self) -> str: ...
    @property
    def book_slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def link(self) -> str: ...
    @property
    def actor(self) -> str: ...


class InboxFeed(Protocol):
    """Everyone's inbox items after the item `row_id`, in id order."""

    def inbox_after(self, row_id: int, limit: int = 100) -> Sequence[InboxItem]: ...


def _now() -> datetime:
    return datetime.now(UTC)


def one_line(text: str, limit: int = MAX_TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Recipients:
    """Who a person is, as mail needs them: their address if verified, and their choice."""

    def __init__(self, app: Textbook) -> None:
        self.app = app

    def user(self, person_id: str) -> User | None:
        try:
            user: object = self.app.repository.get(UUID(person_id))
        except (ValueError, AggregateNotFoundError):
            return None
        return user if isinstance(user, User) else None

    @staticmethod
    def choice(user: User) -> MailChoice:
        return MailChoice(user.mail_choice)


def happened(item: InboxItem) -> datetime | None:
    try:
        at = datetime.fromisoformat(item.at)
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class NotificationMail:
    def __init__(
        self,
        app: Textbook,
        outbox: Outbox,
        links: Links,
        inbox: InboxFeed,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.app, self.outbox, self.links, self.inbox = app, outbox, links, inbox
        self.recipients = Recipients(app)
        self.clock = clock

    def _recent(self, item: InboxItem) -> bool:
        at = happened(item)
        return at is not None and self.clock() - at <= NOTICE_WINDOW

    def run_once(self, limit: int = 200) -> int:
        """Mail (or keep for the digest) the inbox items not read yet; returns how many
        messages were new."""
        items = self.inbox.inbox_after(self.outbox.position(FOLLOWER), limit)
        if not items:
            return 0
        messages: list[Message] = []
        collect: list[DigestEntry] = []
        for item in items:
            if not self._recent(item):
                continue  # a worker that first follows a long history mails none of it
            user = self.recipients.user(item.person_id)
            if user is None or user.mail_address is None:
                continue  # only a verified address receives mail
            choice = Recipients.choice(user)
            if choice is MailChoice.IMMEDIATE:
                messages.append(self.message(item, user, user.mail_address))
            elif choice is MailChoice.DIGEST:
                collect.append(
                    DigestEntry(item.person_id, item.id, user.name, item.at, item.book_slug,
                                one_line(item.title), item.link)
                )  # fmt: skip
        return self.outbox.put(messages, cursor=(FOLLOWER, items[-1].id), collect=collect)

    def message(self, item: InboxItem, user: User, address: str) -> Message:
        when = item.at[:16].replace("T", " ")
        return Message(
            key=f"inbox:{item.id}",
            to=address,
            subject=one_line(item.title),
            text=(
                f"Hello {user.name},\n\n"
                f"{one_line(item.title, 2000)}\n"
                f"({book_title(self.app, item.book_slug)}, {when} UTC)\n\n"
                f"See it: {self.links.url(item.link)}\n\n"
                "You get an email for each thing that concerns you. To get one daily digest "
                f"instead, or none, choose on your profile: {self.links.url('/profile')}\n"
            ),
            unsubscribe=self.links.unsubscribe_url(user.id),
        )


class DailyDigest:
    """Once a day, at `hour` UTC (or as soon after it as the worker runs), one mail to each
    person who chose the digest and has items waiting, listing them by book, newest first;
    items that come after the day's round wait for the next day's."""

    def __init__(
        self,
        app: Textbook,
        outbox: Outbox,
        links: Links,
        hour: int = DIGEST_HOUR,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        if not 0 <= hour <= 23:
            raise ValueError("The digest hour is 0 to 23 (UTC).")
        self.app, self.outbox, self.links, self.hour, self.clock = app, outbox, links, hour, clock
        self.recipients = Recipients(app)

    def run_once(self) -> int:
        """Queue today's digests, if it is time and they were not queued yet."""
        now = self.clock().astimezone(UTC)
        if now.hour < self.hour:
            return 0
        today = now.date()
        if self.outbox.position(DIGEST_ROUND) >= today.toordinal():
            return 0  # today's round is done: what comes later waits for tomorrow's
        day = today.isoformat()
        new = 0
        for person_id in self.outbox.digest_people():
            last = self.outbox.last_digest(person_id)
            if last is not None and last[0] >= day:
                continue  # today's is sent: what came since waits for tomorrow's
            items = self.outbox.digest_items(person_id)
            if not items:
                continue
            user = self.recipients.user(person_id)
            wanted = (
                user is not None
                and user.mail_address is not None
                and Recipients.choice(user) is MailChoice.DIGEST
            )
            message = self.message(cast(User, user), items, day) if wanted else None
            new += self.outbox.put_digest(message, person_id, day, items[0].item_id)
        self.outbox.put([], cursor=(DIGEST_ROUND, today.toordinal()))
        return new

    def message(self, user: User, items: list[DigestEntry], day: str) -> Message:
        shown = items[:DIGEST_ITEMS]
        books: dict[str, list[DigestEntry]] = {}
        for entry in shown:  # newest first; each book where its newest item falls
            books.setdefault(entry.book_slug, []).append(entry)
        count = f"{len(items)} new item{'s' if len(items) != 1 else ''}"
        lines = [f"Hello {user.name},\n\n{count} for you on Textbook since your last digest.\n"]
        for slug, entries in books.items():
            lines.append(f"\n{self._book_title(slug)}\n")
            for entry in entries:
                when = entry.at[:16].replace("T", " ")
                lines.append(f"- {entry.title} ({when} UTC)\n  {self.links.url(entry.link)}\n")
        more = len(items) - len(shown)
        if more:
            lines.append(f"\n… and {more} more: {self.links.url('/inbox')}\n")
        profile = self.links.url("/profile")
        lines.append(
            "\nYou get this digest once a day when something concerns you. To get an email "
            f"for each item instead, or none, choose on your profile: {profile}\n"
        )
        return Message(
            key=f"digest:{user.id}:{day}",
            to=cast(str, user.mail_address),
            subject=f"Your Textbook digest: {count}",
            text="".join(lines),
            unsubscribe=self.links.unsubscribe_url(user.id),
        )

    def _book_title(self, slug: str) -> str:
        return book_title(self.app, slug)


def book_title(app: Textbook, slug: str) -> str:
    try:
        return one_line(app.book(slug).title)
    except TextbookError:
        return slug
