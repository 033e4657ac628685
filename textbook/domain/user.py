"""People: the User aggregate, and the index aggregates that keep emails and tokens unique."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from textbook.domain import ids
from textbook.domain.errors import (
    InvalidInput,
    LinkRefused,
    RateLimited,
    SignInLocked,
    TokenRefused,
)
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
VERIFY_LIFE = timedelta(days=7)  # how long a link that verifies an address works
RESET_LIFE = timedelta(hours=1)  # how long a link that resets a password works
MAX_MAIL_REQUESTS = 3  # verification or reset mails one person may ask for within an hour
MAIL_REQUEST_WINDOW = timedelta(hours=1)


class MailChoice(StrEnum):
    """How a person hears about what concerns them by email."""

    IMMEDIATE = "immediate"  # a mail for each thing that happens
    DIGEST = "digest"  # one mail a day, gathering them
    NONE = "none"  # no mail (their own verification and password resets still come)


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
    class_version = 3  # 2: tokens hash -> {label, created, expires}; 3: addresses and mail

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["tokens"] = {
            token_hash: {"label": label, "created": None, "expires": None}
            for token_hash, label in state["tokens"].items()
        }

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state |= {
            "verified_email": None,
            "email_requests": {},
            "resets": {},
            "mail_choice": MailChoice.IMMEDIATE.value,
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

    class EmailVerificationRequested(Aggregate.Event):
        """A mail with a link is to go to `email`; following it verifies that address."""

        email: str
        request_id: str
        at: datetime

    class EmailVerified(Aggregate.Event):
        """`email` is the person's address from now on, and mail may go to it."""

        email: str
        request_id: str  # "" when the operator vouched for it (the demo's accounts)
        previous: str | None  # the verified address before, told of the change

    class PasswordResetRequested(Aggregate.Event):
        """A mail with a single-use link is to go to the verified `email`."""

        request_id: str
        email: str
        at: datetime

    class PasswordReset(Aggregate.Event):
        request_id: str
        password_hash: str

    class MailChoiceChanged(Aggregate.Event):
        choice: str  # a MailChoice's value

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
        self.verified_email: str | None = None
        # Links mailed and not yet followed, by request id: {"email", "at"} and the time asked.
        self.email_requests: dict[str, dict[str, str]] = {}
        self.resets: dict[str, str] = {}
        self.mail_choice = MailChoice.IMMEDIATE.value

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

    # Addresses: verified by following a mailed link; the old one stays until then.

    @property
    def mail_address(self) -> str | None:
        """Where mail may go: the verified address, or None."""
        return self.verified_email

    @property
    def pending_email(self) -> str | None:
        """The address waiting to be verified, newest request first."""
        if not self.email_requests:
            return None
        return list(self.email_requests.values())[-1]["email"]

    def request_email_verification(self, email: str, request_id: str, at: datetime) -> None:
        email = checked_email(email)
        if self.verified_email is not None and email.lower() == self.verified_email.lower():
            raise InvalidInput(f"{email} is already your verified address.")
        self._check_mail_requests(at)
        self._request_verification(email=email, request_id=request_id, at=at)

    @event(EmailVerificationRequested)
    def _request_verification(self, email: str, request_id: str, at: datetime) -> None:
        self.email_requests = {
            **_recent(self.email_requests, at, VERIFY_LIFE),
            request_id: {"email": email, "at": at.isoformat()},
        }

    def verification_of(self, request_id: str, at: datetime) -> str:
        """The address a verification link names, if the link still works: one for the address
        asked for last (a link to an address changed again since would verify a mistyped or
        someone else's address, which password resets then go to)."""
        request = self.email_requests.get(request_id)
        pending = self.pending_email
        if request is None or pending is None or request["email"].lower() != pending.lower():
            raise LinkRefused(
                "This verification link has been used already, or a newer one replaced it."
            )
        if at >= datetime.fromisoformat(request["at"]) + VERIFY_LIFE:
            raise LinkRefused(
                "This verification link has expired: ask for a new one on your profile page."
            )
        return request["email"]

    def verify_email(self, request_id: str, at: datetime) -> None:
        email = self.verification_of(request_id, at)
        self._verify(email=email, request_id=request_id, previous=self.verified_email)

    def vouch_for_email(self) -> None:
        """The operator vouches for the address (the demo's accounts): verified, unmailed."""
        if self.verified_email != self.email:
            self._verify(email=self.email, request_id="", previous=self.verified_email)

    @event(EmailVerified)
    def _verify(self, email: str, request_id: str, previous: str | None) -> None:
        self.email = email
        self.verified_email = email
        self.email_requests = {}

    # Passwords forgotten: a single-use link, mailed to the verified address only.

    def request_password_reset(self, request_id: str, at: datetime) -> bool:
        """Record a reset, unless there is no verified address or too many were asked for
        (then nothing is recorded, and nobody is told: the page answers the same)."""
        if self.verified_email is None:
            return False
        try:
            self._check_mail_requests(at)
        except RateLimited:
            return False
        self._request_reset(request_id=request_id, email=self.verified_email, at=at)
        return True

    @event(PasswordResetRequested)
    def _request_reset(self, request_id: str, email: str, at: datetime) -> None:
        recent = {key: {"at": when} for key, when in self.resets.items()}
        kept = _recent(recent, at, RESET_LIFE)
        self.resets = {
            **{key: value["at"] for key, value in kept.items()},
            request_id: at.isoformat(),
        }

    def check_reset(self, request_id: str, at: datetime) -> None:
        asked = self.resets.get(request_id)
        if asked is None:
            raise LinkRefused(
                "This password reset link has been used already, or is not one of ours: "
                "ask for a new one."
            )
        if at >= datetime.fromisoformat(asked) + RESET_LIFE:
            minutes = int(RESET_LIFE.total_seconds() // 60)
            raise LinkRefused(
                f"This password reset link has expired (a link works for {minutes} minutes): "
                "ask for a new one."
            )

    def reset_password(self, request_id: str, password_hash: str, at: datetime) -> None:
        self.check_reset(request_id, at)
        self._reset(request_id=request_id, password_hash=password_hash)

    @event(PasswordReset)
    def _reset(self, request_id: str, password_hash: str) -> None:
        self.password_hash = password_hash
        self.resets = {}  # every other link mailed before dies with this one
        self.failed_sign_ins = []

    def _check_mail_requests(self, at: datetime) -> None:
        """At most MAX_MAIL_REQUESTS mails of links within the window, so that nobody can
        flood an address (or the store) by asking again and again."""
        times = [datetime.fromisoformat(r["at"]) for r in self.email_requests.values()]
        times += [datetime.fromisoformat(when) for when in self.resets.values()]
        recent = sorted(t for t in times if at - t < MAIL_REQUEST_WINDOW)
        if len(recent) >= MAX_MAIL_REQUESTS:
            raise RateLimited(
                "Several mails were sent to you in the last hour: wait a while, and look in "
                "your spam folder.",
                recent[-MAX_MAIL_REQUESTS] + MAIL_REQUEST_WINDOW,
            )

    # How the person hears about what concerns them.

    def choose_mail(self, choice: str) -> None:
        try:
            chosen = MailChoice(choice)
        except ValueError:
            raise InvalidInput(
                f"'{choice[:40]}' is not a choice of mail: use immediate, digest or none."
            ) from None
        if chosen.value != self.mail_choice:
            self._choose_mail(choice=chosen.value)

    @event(MailChoiceChanged)
    def _choose_mail(self, choice: str) -> None:
        self.mail_choice = choice


def _recent(
    requests: dict[str, dict[str, str]], at: datetime, life: timedelta
) -> dict[str, dict[str, str]]:
    """The requests whose links still work at `at` (older ones are forgotten)."""
    return {
        key: value
        for key, value in requests.items()
        if at < datetime.fromisoformat(value["at"]) + life
    }


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
