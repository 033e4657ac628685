"""People: the User aggregate, and the index aggregates that keep emails and tokens unique."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from textbook.domain import ids
from textbook.domain.errors import InvalidInput, SignInLocked, TokenRefused
from textbook.domain.moments import parse_moment

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,38}[A-Za-z0-9]$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_FAILED_SIGN_INS = 5  # wrong passwords within SIGN_IN_WINDOW that lock signing in ...
SIGN_IN_WINDOW = timedelta(minutes=15)  # ... for this long after the last of them
MAX_TOKEN_LABEL = 200
TOKEN_ID_LENGTH = 12  # hex digits of the token's SHA-256 that name it in lists; not a secret
DURATION = re.compile(r"^(\d{1,5})([mhdw])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


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


def checked_token_label(label: str) -> str:
    label = label.strip()
    if "\x00" in label:
        raise InvalidInput("The token's label contains a NUL character, which is not text.")
    if len(label) > MAX_TOKEN_LABEL:
        raise InvalidInput(
            f"The token's label has {len(label):,} characters; at most {MAX_TOKEN_LABEL}."
        )
    return label


def token_expiry(text: str, now: datetime) -> datetime | None:
    """When a token given `text` expires: "" never, "30d" (m, h, d, w) after `now`, or a date
    or time (ISO 8601, UTC unless it says otherwise), which must be in the future."""
    text = text.strip()
    if not text:
        return None
    duration = DURATION.match(text)
    try:
        if duration:
            amount, unit = duration.groups()
            until = now + timedelta(**{UNITS[unit]: int(amount)})
        else:
            until = parse_moment(text)
    except (InvalidInput, OverflowError):
        raise InvalidInput(
            f"'{text[:40]}' is not an expiry: give a duration such as 30d, 12h or 2w, "
            "or a date such as 2027-01-31."
        ) from None
    if until <= now:
        raise InvalidInput(f"The expiry {until:%Y-%m-%d %H:%M} UTC has already passed.")
    return until


@dataclass(frozen=True)
class TokenInfo:
    """An API token as its owner sees it in a list: never the secret, nor its hash."""

    id: str
    label: str
    created: datetime | None
    expires: datetime | None

    def expired(self, at: datetime) -> bool:
        return self.expires is not None and at >= self.expires


def token_hash(secret: str) -> str:
    """What is stored of a token: its SHA-256 (the secret itself is shown once)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def listed_id(secret: str) -> str:
    """The id under which a token is listed and revoked."""
    return token_hash(secret)[:TOKEN_ID_LENGTH]


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class User(Aggregate):
    class_version = 2  # tokens: hash -> label became hash -> {label, created, expires}

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["tokens"] = {
            token_hash: {"label": label, "created": None, "expires": None}
            for token_hash, label in state["tokens"].items()
        }

    class Registered(Aggregate.Created):
        name: str
        email: str
        password_hash: str

    class PasswordChanged(Aggregate.Event):
        password_hash: str

    class TokenCreated(Aggregate.Event):
        token_hash: str
        label: str
        expires: datetime | None
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["expires"] = None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, User)
            aggregate.tokens[self.token_hash] = {
                "label": self.label,
                "created": self.timestamp.isoformat(),
                "expires": None if self.expires is None else self.expires.isoformat(),
            }

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
        self.tokens: dict[str, dict[str, str | None]] = {}
        self.failed_sign_ins: list[datetime] = []

    @event(PasswordChanged)
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash

    def add_token(self, token_hash: str, label: str, expires: datetime | None = None) -> None:
        self.trigger_event(
            self.TokenCreated,
            token_hash=token_hash,
            label=checked_token_label(label),
            expires=expires,
        )

    def token_list(self) -> list[TokenInfo]:
        """The user's tokens, oldest first."""
        return [
            TokenInfo(
                token_hash[:TOKEN_ID_LENGTH],
                str(info["label"] or ""),
                _time(info["created"]),
                _time(info["expires"]),
            )
            for token_hash, info in self.tokens.items()
        ]

    def token_hash_of(self, token_id: str) -> str | None:
        """The hash of the token listed as `token_id`, if the user has it."""
        token_id = token_id.strip().lower()
        if len(token_id) < TOKEN_ID_LENGTH:
            return None
        found = [h for h in self.tokens if h.startswith(token_id)]
        return found[0] if len(found) == 1 else None

    def check_token(self, token_hash: str, at: datetime) -> None:
        """Refuses a token that was revoked or has expired."""
        info = self.tokens.get(token_hash)
        if info is None:
            raise TokenRefused("The token is unknown or has been revoked.")
        expires = _time(info["expires"])
        if expires is not None and at >= expires:
            raise TokenRefused(
                f"The token expired at {expires:%Y-%m-%d %H:%M} UTC: create a new one.",
                expired=True,
            )

    def revoke_token(self, token_hash: str) -> None:
        if token_hash in self.tokens:
            self._revoke_token(token_hash=token_hash)

    @event(TokenRevoked)
    def _revoke_token(self, token_hash: str) -> None:
        del self.tokens[token_hash]

    # Signing in: a limit on wrong passwords, kept in events so every web worker sees it.

    def locked_until(self, at: datetime) -> datetime | None:
        """When signing in becomes possible again, if it is locked at `at`."""
        return locked_until(self.failed_sign_ins, at)

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


def locked_until(failures: list[datetime], at: datetime) -> datetime | None:
    """When signing in becomes possible again after these wrong passwords, if locked at `at`."""
    recent = failures[-MAX_FAILED_SIGN_INS:]
    if len(recent) < MAX_FAILED_SIGN_INS or recent[-1] - recent[0] > SIGN_IN_WINDOW:
        return None
    until = recent[-1] + SIGN_IN_WINDOW
    return until if at < until else None


def check_may_sign_in(failures: list[datetime], at: datetime, name: str) -> None:
    """The lock, told the same way for every name, known or not."""
    until = locked_until(failures, at)
    if until is not None:
        minutes = int(SIGN_IN_WINDOW.total_seconds() // 60)
        raise SignInLocked(name, MAX_FAILED_SIGN_INS, minutes, until)


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
