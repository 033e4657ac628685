"""The mail accounts need, from the events: a link that verifies an address, and one that
resets a forgotten password.

A follower of the application's events (only the two topics it mails), with its own position
in `textbook_mail_cursor`, moved in the same transaction as the messages it puts: each event's
mail is queued once, and rebuilding the read models (which this is not) sends nothing. A link
that no longer works when the follower reads its event (used, replaced or expired) is not
mailed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from textbook.domain.errors import LinkRefused
from textbook.domain.user import RESET_LIFE, VERIFY_LIFE, User
from textbook.mail.following import EventMail
from textbook.mail.message import Message

FOLLOWER = "accounts"
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        User.EmailVerificationRequested,
        User.PasswordResetRequested,
        User.EmailVerified,
        User.PasswordChanged,
        User.PasswordReset,
    )
)
# A notice of a change (of address, of password) is mailed only this soon after it: a worker
# that first follows a store with a long history tells nobody of changes long past.
NOTICE_WINDOW = timedelta(days=1)


class AccountMail(EventMail):
    follower, topics = FOLLOWER, TOPICS

    def messages(self, domain_event: DomainEventProtocol[UUID]) -> Iterator[Message]:
        if isinstance(domain_event, User.EmailVerificationRequested):
            yield from self._verification(domain_event)
        elif isinstance(domain_event, User.PasswordResetRequested):
            yield from self._reset(domain_event)
        elif isinstance(domain_event, User.EmailVerified) and self._recent(domain_event):
            yield from self._address_changed(domain_event)
        elif isinstance(domain_event, User.PasswordChanged | User.PasswordReset) and self._recent(
            domain_event
        ):
            yield from self._password_changed(domain_event)

    def _recent(self, domain_event: User.Event) -> bool:
        return self.clock() - domain_event.timestamp <= NOTICE_WINDOW

    def _address_changed(self, verified: User.EmailVerified) -> Iterator[Message]:
        """The old address hears that it no longer receives the account's mail."""
        if verified.previous is None or verified.previous.lower() == verified.email.lower():
            return
        user = self._user(verified)
        yield Message(
            key=f"address-changed:{verified.originator_id}:{verified.originator_version}",
            to=verified.previous,
            subject="Your Textbook address changed",
            text=(
                f"Hello {user.name},\n\n"
                f"The address of your Textbook account '{user.name}' is now {verified.email}; "
                "mail no longer comes here.\n\n"
                "If you did not change it, someone may know your password: choose a new one "
                f"at {self.links.url('/password/forgot')} with the new address, or write to "
                "the site's operators.\n"
            ),
        )

    def _password_changed(self, changed: User.Event) -> Iterator[Message]:
        user = self._user(changed)
        if user.mail_address is None:
            return
        yield Message(
            key=f"password-changed:{changed.originator_id}:{changed.originator_version}",
            to=user.mail_address,
            subject="Your Textbook password changed",
            text=(
                f"Hello {user.name},\n\n"
                f"The password of your Textbook account '{user.name}' was changed at "
                f"{changed.timestamp:%Y-%m-%d %H:%M} UTC.\n\n"
                "If you did not change it, choose a new one now: "
                f"{self.links.url('/password/forgot')}\n"
            ),
        )

    def _user(self, domain_event: User.Event) -> User:
        return cast(User, self.app.repository.get(domain_event.originator_id))

    def _verification(self, requested: User.EmailVerificationRequested) -> Iterator[Message]:
        user = self._user(requested)
        try:
            user.verification_of(requested.request_id, self.clock())
        except LinkRefused:
            return  # used, replaced by a newer link, or expired: nothing worth mailing
        url = self.links.verify_url(user.id, requested.request_id)
        days = VERIFY_LIFE.days
        yield Message(
            key=f"verify:{requested.request_id}",
            to=requested.email,
            subject="Verify your email address for Textbook",
            text=(
                f"Hello {user.name},\n\n"
                f"Follow this link to make {requested.email} your address on Textbook:\n\n"
                f"{url}\n\n"
                f"The link works for {days} days. Until then, no other mail is sent to this "
                "address. If you did not ask for this, ignore this mail: nothing changes.\n"
            ),
        )

    def _reset(self, requested: User.PasswordResetRequested) -> Iterator[Message]:
        user = self._user(requested)
        try:
            user.check_reset(requested.request_id, self.clock())
        except LinkRefused:
            return
        if user.verified_email != requested.email:
            return  # the address changed since: the link goes nowhere else
        url = self.links.reset_url(user.id, requested.request_id)
        minutes = int(RESET_LIFE.total_seconds() // 60)
        yield Message(
            key=f"reset:{requested.request_id}",
            to=requested.email,
            subject="Reset your Textbook password",
            text=(
                f"Hello {user.name},\n\n"
                "Someone, probably you, asked to reset the password of your Textbook account "
                f"'{user.name}'. To choose a new password, follow this link within {minutes} "
                f"minutes:\n\n{url}\n\n"
                "The link works once. If you did not ask for this, ignore this mail: your "
                "password stays as it is.\n"
            ),
        )
