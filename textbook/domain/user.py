"""People: the User aggregate, and the index aggregates that keep emails and tokens unique."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from textbook.domain import ids
from textbook.domain.errors import InvalidInput, SignInLocked

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,38}[A-Za-z0-9]$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_FAILED_SIGN_INS = 5  # wrong passwords within SIGN_IN_WINDOW that lock signing in ...
SIGN_IN_WINDOW = timedelta(minutes=15)  # ... for this long after the last of them


def checked_name(name: str) -> str:
    if not NAME.match(name):
        raise InvalidInput(
            f"'{name}' is not a valid user name: use 3 to 40 letters, digits, '.', '_' or '-', "
            "starting with a letter."
        )
    return name


def checked_email(email: str) -> str:
    email = email.strip()
    if "\x00" in email:
        raise InvalidInput("The email address contains a NUL character.")
    if len(email) > 254 or not EMAIL.match(email):
        raise InvalidInput(f"'{email}' is not a valid email address.")
    return email


def checked_password(password: str) -> str:
    if "\x00" in password:
        raise InvalidInput("A password cannot contain a NUL character.")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"A password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters; "
            f"this one has {len(password)}."
        )
    return password


class User(Aggregate):
    class Registered(Aggregate.Created):
        name: str
        email: str
        password_hash: str

    class PasswordChanged(Aggregate.Event):
        password_hash: str

    class TokenCreated(Aggregate.Event):
        token_hash: str
        label: str

    class TokenRevoked(Aggregate.Event):
        token_hash: str

    class SignInFailed(Aggregate.Event):
        at: datetime

    class SignInsCleared(Aggregate.Event):
        pass

    @staticmethod
    def create_id(name: str) -> UUID:
        return ids.user_id(name)

    @event(Registered)
    def __init__(self, name: str, email: str, password_hash: str) -> None:
        self.name = name
        self.email = email
        self.password_hash = password_hash
        self.tokens: dict[str, str] = {}
        self.failed_sign_ins: list[datetime] = []

    @event(PasswordChanged)
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash

    @event(TokenCreated)
    def add_token(self, token_hash: str, label: str) -> None:
        self.tokens[token_hash] = label

    def revoke_token(self, token_hash: str) -> None:
        if token_hash in self.tokens:
            self._revoke_token(token_hash=token_hash)

    @event(TokenRevoked)
    def _revoke_token(self, token_hash: str) -> None:
        del self.tokens[token_hash]

    # Signing in: a limit on wrong passwords, kept in events so every web worker sees it.

    def locked_until(self, at: datetime) -> datetime | None:
        """When signing in becomes possible again, if it is locked at `at`."""
        recent = self.failed_sign_ins[-MAX_FAILED_SIGN_INS:]
        if len(recent) < MAX_FAILED_SIGN_INS or recent[-1] - recent[0] > SIGN_IN_WINDOW:
            return None
        until = recent[-1] + SIGN_IN_WINDOW
        return until if at < until else None

    def check_may_sign_in(self, at: datetime) -> None:
        until = self.locked_until(at)
        if until is not None:
            minutes = int(SIGN_IN_WINDOW.total_seconds() // 60)
            raise SignInLocked(self.name, MAX_FAILED_SIGN_INS, minutes, until)

    def record_failed_sign_in(self, at: datetime) -> None:
        """Record a wrong password, unless signing in is locked already (so the store stays
        bounded however long an attacker goes on)."""
        if self.locked_until(at) is None:
            self._fail_sign_in(at=at)

    @event(SignInFailed)
    def _fail_sign_in(self, at: datetime) -> None:
        self.failed_sign_ins = [*self.failed_sign_ins, at][-MAX_FAILED_SIGN_INS:]

    def clear_failed_sign_ins(self) -> None:
        if self.failed_sign_ins:
            self._clear_failed_sign_ins()

    @event(SignInsCleared)
    def _clear_failed_sign_ins(self) -> None:
        self.failed_sign_ins = []


class EmailIndex(Aggregate):
    """Exists once per email address, so that two accounts never share one."""

    class Claimed(Aggregate.Created):
        email: str
        user_id: UUID

    @staticmethod
    def create_id(email: str) -> UUID:
        return ids.email_id(email)

    @event(Claimed)
    def __init__(self, email: str, user_id: UUID) -> None:
        self.user_id = user_id


class TokenIndex(Aggregate):
    """Finds the user of an API token from the token's hash."""

    class Issued(Aggregate.Created):
        token_hash: str
        user_id: UUID

    class Revoked(Aggregate.Event):
        pass

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return ids.token_id(token_hash)

    @event(Issued)
    def __init__(self, token_hash: str, user_id: UUID) -> None:
        self.user_id = user_id
        self.revoked = False

    @event(Revoked)
    def revoke(self) -> None:
        self.revoked = True
