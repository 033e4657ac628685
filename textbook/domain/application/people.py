"""People and access: accounts, signing in (with its lock), and API tokens."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID, uuid4

from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError

from textbook.domain import ids
from textbook.domain.application.base import Base
from textbook.domain.errors import (
    ConcurrentChange,
    InvalidInput,
    SignInLocked,
    SlugTaken,
    TokenNotFound,
    TokenRefused,
    UserNotFound,
)
from textbook.domain.user import (
    EmailIndex,
    TokenIndex,
    TokenInfo,
    User,
    check_may_sign_in,
    checked_email,
    checked_name,
    checked_password,
    locked_until,
    token_hash,
)


class SignInLedger(Protocol):
    """What the web keeps beside the events about signing in, shared by every worker and host:
    the attempts being checked right now (claims), and wrong passwords for names that have no
    account (kept outside the events, which an attacker could otherwise fill with made-up
    names)."""

    def claim(self, name: str, at: datetime) -> tuple[str, int]:
        """Claim a check of `name`'s password: the claim, and how many others are held."""
        ...

    def release(self, name: str, claim: str) -> None: ...

    def failures(self, name: str, at: datetime) -> list[datetime]: ...

    def record(self, name: str, at: datetime) -> None: ...


class People(Base):
    def register_user(
        self, name: str, email: str, password: str | None, verified: bool = False
    ) -> UUID:
        """A new account. Its address is mailed a link that verifies it, unless the operator
        vouches for it (`verified`: the demo's accounts); no other mail goes to it before."""
        name, email = checked_name(name), checked_email(email)
        hashed = self.hasher.hash(checked_password(password)) if password is not None else ""
        if self._exists(ids.user_id(name)):
            raise SlugTaken("user name", name)
        if self._exists(ids.email_id(email)):
            raise SlugTaken("email address", email)
        user = User(name=name, email=email, password_hash=hashed)
        if verified:
            user.vouch_for_email()
        else:
            user.request_email_verification(email, uuid4().hex, datetime.now(UTC))
        self._save(user, EmailIndex(email=email, user_id=user.id))
        return user.id

    def user_exists(self, name: str) -> bool:
        return self._exists(ids.user_id(name))

    # Signing in.

    @functools.cached_property
    def dummy_hash(self) -> str:
        """Checked instead when there is no account (or no password): a hash made with the same
        parameters as new accounts' hashes, so the same work and the same time."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def password_matches(self, password_hash: str, password: str) -> bool:
        try:
            self.hasher.verify(password_hash or self.dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return bool(password_hash)

    def check_password(
        self,
        name: str,
        password: str,
        at: datetime | None = None,
        ledger: SignInLedger | None = None,
    ) -> UUID | None:
        """The user's id if the password is theirs, else None (also for unknown users).

        Wrong passwords are recorded on the user; after too many, signing in is locked for a
        while (SignInLocked), even with the right password. With a `ledger`, the lock holds
        however many attempts arrive at once: each attempt claims its check before the
        password is verified, and is refused when the wrong passwords already recorded and
        the checks under way reach the limit. Names without an account lock the same way
        and take the same time (a dummy hash is verified), so that neither the answer nor
        its time tells whether an account exists.
        """
        at = at or datetime.now(UTC)
        self._recent_failures(name, at, ledger)  # locked already: refused before any work
        claim, others = ledger.claim(name, at) if ledger is not None else ("", 0)
        try:
            try:
                user = self._recent_failures(name, at, ledger, others)
            except SignInLocked:  # too many checks under way: a guess refused unchecked ...
                self._count_as_wrong(name, at, ledger)  # ... counts as a wrong one
                raise
            if user is not None and self.password_matches(user.password_hash, password):
                self._record_sign_in(name, True)
                return user.id
            if user is None:
                self.password_matches("", password)
                if ledger is not None:
                    ledger.record(name, at)
            else:
                self._record_sign_in(name, False, at)
        finally:
            if ledger is not None:
                ledger.release(name, claim)
        self._recent_failures(name, at, ledger)  # this failure may have been the one that locks
        return None

    def _recent_failures(
        self, name: str, at: datetime, ledger: SignInLedger | None, in_flight: int = 0
    ) -> User | None:
        """The user (None for names without an account), once sure that signing in is not
        locked, counting `in_flight` checks under way as wrong passwords."""
        try:
            user: User | None = self.user(name)
        except UserNotFound:
            user = None
        if user is not None:
            failures = user.failed_sign_ins
        else:
            failures = ledger.failures(name, at) if ledger is not None else []
        check_may_sign_in([*failures, *[at] * in_flight], at, name)
        return user

    def _count_as_wrong(self, name: str, at: datetime, ledger: SignInLedger | None) -> None:
        if self._exists(ids.user_id(name)):
            self._record_sign_in(name, False, at)
        elif ledger is not None and locked_until(ledger.failures(name, at), at) is None:
            ledger.record(name, at)

    def _record_sign_in(self, name: str, matched: bool, at: datetime | None = None) -> None:
        """A right password clears the wrong ones; a wrong one is recorded, whoever else
        writes to the user at the same moment."""
        for _attempt in range(20):
            user = self.user(name)
            if matched:
                user.clear_failed_sign_ins()
            else:
                user.record_failed_sign_in(at or datetime.now(UTC))
            try:
                if user.pending_events:  # a right password after none wrong records nothing
                    self._save(user)
                return
            except ConcurrentChange:
                continue

    # API tokens.

    def create_token(self, name: str, label: str = "", expires: datetime | None = None) -> str:
        user = self.user(name)
        token = "tb_" + secrets.token_urlsafe(32)
        hashed = token_hash(token)
        if expires is not None and expires <= datetime.now(UTC):
            raise InvalidInput("The expiry has already passed.")
        user.add_token(token_hash=hashed, label=label, expires=expires)
        self._save(user, TokenIndex(token_hash=hashed, user_id=user.id))
        return token

    def tokens(self, name: str) -> list[TokenInfo]:
        return self.user(name).token_list()

    def revoke_token(self, name: str, token_id: str) -> None:
        """Revoke the user's token listed as `token_id` (TokenNotFound if there is none)."""
        user = self.user(name)
        hashed = user.token_hash_of(token_id)
        if hashed is None:
            raise TokenNotFound(name, token_id[:40])
        self._revoke_tokens(user, [hashed])

    def revoke_all_tokens(self, name: str) -> int:
        user = self.user(name)
        hashes = list(user.tokens)
        self._revoke_tokens(user, hashes)
        return len(hashes)

    def _revoke_tokens(self, user: User, hashes: list[str]) -> None:
        indexes = []
        for hashed in hashes:
            user.revoke_token(hashed)
            index = self._get(TokenIndex, ids.token_id(hashed))
            if not index.revoked:
                index.revoke()
                indexes.append(index)
        if hashes:
            self._save(user, *indexes)

    def user_for_token(self, token: str, at: datetime | None = None) -> User:
        """The token's user; TokenRefused if it is unknown, revoked or expired. Read from the
        store each time, so a revocation holds at once on every worker and host."""
        hashed = token_hash(token)
        try:
            index = self._get(TokenIndex, ids.token_id(hashed))
        except AggregateNotFoundError:
            raise TokenRefused("The token is unknown or has been revoked.") from None
        if index.revoked:
            raise TokenRefused("The token is unknown or has been revoked.")
        user = self._get(User, index.user_id)
        user.check_token(hashed, at or datetime.now(UTC))
        return user
