"""Addresses and mail: verifying an address, changing it and the password, a password
forgotten, and how each person hears about what concerns them.

Links in mail name a request (`request_id`, random, recorded in the event); whoever mails them
signs them (textbook.mail.links), so that the ids stored in events are never links themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from textbook.domain import ids
from textbook.domain.application.people import People
from textbook.domain.errors import LinkRefused, SlugTaken, WrongPassword
from textbook.domain.user import EmailIndex, MailChoice, User, checked_email, checked_password


def _now(at: datetime | None) -> datetime:
    return at if at is not None else datetime.now(UTC)


class Addresses(People):
    # Questions other senders of mail ask.

    def mail_address(self, name: str) -> str | None:
        """The person's verified address, or None: mail goes nowhere else."""
        return self.user(name).mail_address

    def mail_choice(self, name: str) -> MailChoice:
        return MailChoice(self.user(name).mail_choice)

    # Verifying an address, and changing it.

    def change_email(self, name: str, email: str, password: str, at: datetime | None = None) -> str:
        """Ask to use `email`: a link is mailed to it, and the old address stays until the
        link is followed. Returns the request's id."""
        user = self.user(name)
        if not self.password_matches(user.password_hash, password):
            raise WrongPassword()
        email = checked_email(email)
        self._check_address_free(email, user.id)
        request_id = uuid4().hex
        user.request_email_verification(email, request_id, _now(at))
        self._save(user)
        return request_id

    def resend_verification(self, name: str, at: datetime | None = None) -> str | None:
        """Mail the link again for the address waiting to be verified (None: nothing waits)."""
        user = self.user(name)
        email = user.pending_email or (user.email if user.verified_email is None else None)
        if email is None:
            return None
        request_id = uuid4().hex
        user.request_email_verification(email, request_id, _now(at))
        self._save(user)
        return request_id

    def verify_email(self, user_id: UUID, request_id: str, at: datetime | None = None) -> str:
        """Follow a verification link: the address becomes the person's. Returns their name."""
        user = self._linked_user(user_id)
        email = user.verification_of(request_id, _now(at))
        index = self._check_address_free(email, user.id)
        user.verify_email(request_id, _now(at))
        claimed = [EmailIndex(email=email, user_id=user.id)] if index is None else []
        self._save(user, *claimed)
        return user.name

    def pending_verification(
        self, user_id: UUID, request_id: str, at: datetime | None = None
    ) -> tuple[str, str]:
        """Whose address a verification link verifies, and which (LinkRefused if it does not
        work any more)."""
        user = self._linked_user(user_id)
        return user.name, user.verification_of(request_id, _now(at))

    def _check_address_free(self, email: str, user_id: UUID) -> EmailIndex | None:
        """The address's index if it is this person's already; SlugTaken if someone else's."""
        try:
            index = self._get(EmailIndex, ids.email_id(email))
        except AggregateNotFoundError:
            return None
        if index.user_id != user_id:
            raise SlugTaken("email address", email)
        return index

    # Passwords.

    def change_password(
        self, name: str, current: str, new: str, at: datetime | None = None
    ) -> None:
        user = self.user(name)
        if not self.password_matches(user.password_hash, current):
            raise WrongPassword()
        user.change_password(self.hasher.hash(checked_password(new)))
        self._save(user)

    def request_password_reset(self, email: str, at: datetime | None = None) -> None:
        """Mail a reset link to `email` if it is an account's verified address. Says nothing
        either way: whoever asks must not learn whether an address has an account."""
        email = checked_email(email)
        try:
            index = self._get(EmailIndex, ids.email_id(email))
            user = self._get(User, index.user_id)
        except AggregateNotFoundError:
            return
        verified = user.verified_email
        if verified is None or verified.lower() != email.lower():
            return
        if user.request_password_reset(uuid4().hex, _now(at)):
            self._save(user)

    def check_password_reset(
        self, user_id: UUID, request_id: str, at: datetime | None = None
    ) -> str:
        """Whose password a reset link resets, if it still works (LinkRefused if not)."""
        user = self._linked_user(user_id)
        user.check_reset(request_id, _now(at))
        return user.name

    def reset_password(
        self, user_id: UUID, request_id: str, password: str, at: datetime | None = None
    ) -> str:
        """Set a new password through a reset link, once. Returns the person's name."""
        user = self._linked_user(user_id)
        user.check_reset(request_id, _now(at))
        user.reset_password(request_id, self.hasher.hash(checked_password(password)), _now(at))
        self._save(user)
        return user.name

    # How each person hears about what concerns them.

    def choose_mail(self, name: str, choice: str) -> None:
        user = self.user(name)
        user.choose_mail(choice)
        if user.pending_events:
            self._save(user)

    def unsubscribe(self, user_id: UUID) -> str:
        """Stop every mail but the person's own links (an unsubscribe link). Returns their
        name."""
        user = self._linked_user(user_id)
        user.choose_mail(MailChoice.NONE.value)
        if user.pending_events:
            self._save(user)
        return user.name

    def user_named(self, user_id: UUID) -> str:
        """The name of the person a mailed link names (LinkRefused if there is none)."""
        return self._linked_user(user_id).name

    def _linked_user(self, user_id: UUID) -> User:
        try:
            return self._get(User, user_id)
        except AggregateNotFoundError:
            raise LinkRefused("This link names no account here.") from None
