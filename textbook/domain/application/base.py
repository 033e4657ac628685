"""The plumbing every part of the application shares: loading aggregates by their names,
saving them together, and running a command again when another writer saved first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

from argon2 import PasswordHasher
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from textbook.domain import ids
from textbook.domain.book import Book
from textbook.domain.copies import CopyFinder
from textbook.domain.errors import (
    BookNotFound,
    ConcurrentChange,
    InvalidInput,
    NeedNotFound,
    ProposalNotFound,
    SectionNotFound,
    UserNotFound,
)
from textbook.domain.need import Need
from textbook.domain.proposal import OpenProposals, Proposal
from textbook.domain.section import Section
from textbook.domain.user import User
from textbook.domain.watchlist import Watchlist

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")


class ImageStore(Protocol):
    """Where image bytes live, by their SHA-256: beside the events, in the same database."""

    def put(self, blobs: dict[str, bytes]) -> None: ...

    def get_many(self, hashes: Sequence[str]) -> dict[str, bytes]: ...


class Base(Application[UUID]):
    # Aggregates that every command loads, or that grow without end, start from a snapshot.
    snapshotting_intervals: ClassVar[dict[type[MutableOrImmutableAggregate[Any]], int]] = {
        Book: 100,
        Section: 50,
        User: 100,
        OpenProposals: 100,
        Watchlist: 100,
    }

    def __init__(self, env: EnvType | None = None, *, hasher: PasswordHasher | None = None) -> None:
        super().__init__(env)
        # Passwords are hashed with these parameters (cheap ones in tests, set in the settings).
        self.hasher = hasher if hasher is not None else PasswordHasher()
        # The image store, given by whoever opens the application (storage.open_textbook):
        # commands store images' bytes there once every check has passed, before the events
        # that name them are saved. None: this application stores no image.
        self.image_store: ImageStore | None = None
        # The index of every approved paragraph that proposals are checked against for copies
        # (textbook.domain.copies), given by whoever opens the application with its read
        # models (the web, the command line). None: no copy is looked for.
        self.copy_finder: CopyFinder | None = None

    def _store_images(self, blobs: dict[str, bytes]) -> None:
        if not blobs:
            return
        if self.image_store is None:
            raise InvalidInput("Images cannot be stored here.")
        self.image_store.put(blobs)

    # Aggregates by the names people give them.

    def user(self, name: str) -> User:
        try:
            return self._get(User, ids.user_id(name))
        except AggregateNotFoundError:
            raise UserNotFound(name) from None

    def book(self, slug: str) -> Book:
        try:
            return self._get(Book, ids.book_id(slug))
        except AggregateNotFoundError:
            raise BookNotFound(slug) from None

    def _proposal(self, proposal_id: UUID) -> Proposal:
        try:
            return self._get(Proposal, proposal_id)
        except AggregateNotFoundError:
            raise ProposalNotFound(str(proposal_id)) from None

    def _need(self, need_id: UUID) -> Need:
        try:
            return self._get(Need, need_id)
        except AggregateNotFoundError:
            raise NeedNotFound(str(need_id)) from None

    def _needs_closed(self, proposal: Proposal, by: str) -> list[Need]:
        """The open needs the (approved) proposal answers, closed by its approval, to save with
        it."""
        closed = []
        for need_id in proposal.need_ids:
            need = self._need(need_id)
            if need.is_open:
                need.close_answered(by, proposal.id, f"Answered by “{proposal.message}”.")
                closed.append(need)
        return closed

    def _live_section(self, book: Book, section_id: str) -> Section:
        if not book.has_section(section_id):
            raise SectionNotFound(book.slug, section_id)
        return self._get(Section, ids.section_id(book.slug, section_id))

    def _maintainer(self, book: Book, name: str | None) -> UUID:
        """The acting maintainer's id; None is the operator at the command line, who may all."""
        if name is None:
            return ids.OPERATOR
        user = self.user(name)
        book.check_may_maintain(user.id, name)
        return user.id

    def _closed(self, proposal: Proposal) -> list[Aggregate]:
        """The author's OpenProposals with this proposal closed, to save with it (if counted)."""
        try:
            open_proposals = self._get(
                OpenProposals, OpenProposals.create_id(proposal.book_slug, proposal.author)
            )
        except AggregateNotFoundError:
            return []
        open_proposals.close(proposal.id)
        return [open_proposals]

    # Loading and saving.

    def _text_at_revision(self, section_id: UUID, revision: int) -> str:
        """A section's text at one of its revisions (which the aggregate's version is not)."""
        for domain_event in self.events.get(section_id):
            if isinstance(domain_event, Section.Created) and revision == 1:
                return domain_event.text
            if isinstance(domain_event, Section.Revised) and domain_event.revision == revision:
                return domain_event.text
        raise InvalidInput(f"The section has no revision {revision}.")

    def _get(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        if not isinstance(aggregate, cls):
            raise AggregateNotFoundError(aggregate_id)
        return aggregate

    def _exists(self, aggregate_id: UUID) -> bool:
        return next(iter(self.events.get(aggregate_id, limit=1)), None) is not None

    @staticmethod
    def _retrying(command: Callable[[], T]) -> T:
        """Run a command that loads, decides and saves; again, on fresh loads, if another
        writer saved one of its aggregates first (such as the author's OpenProposals)."""
        for _attempt in range(2):
            try:
                return command()
            except ConcurrentChange:
                continue
        return command()

    def _save(self, *aggregates: Aggregate) -> list[Any]:
        try:
            return list(self.save(*aggregates))
        except IntegrityError:
            raise ConcurrentChange() from None
