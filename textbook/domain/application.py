"""Textbook: the commands that change books, and the queries that need an aggregate."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, TypeVar, cast
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError

from textbook.domain import ids
from textbook.domain.book import (
    ROLES,
    Book,
    outline_with_chapter,
    outline_with_section,
    outline_without_section,
)
from textbook.domain.checks import (
    BrokenReference,
    Context,
    Refs,
    bibliography_keys,
    dropped_ids,
    new_problems,
    references_to,
)
from textbook.domain.errors import (
    BookDidNotExist,
    BookNotFound,
    BreaksReferences,
    ConcurrentChange,
    Conflict,
    ImageMissing,
    InvalidInput,
    MergeConflict,
    ProposalNotFound,
    SectionNotFound,
    SignInLocked,
    SlugTaken,
    TextProblems,
    TokenNotFound,
    TokenRefused,
    UserNotFound,
)
from textbook.domain.images import checked_image, image_names
from textbook.domain.markdown import (
    VALID_ID,
    canonical,
    checked_section_text,
    heading_of,
    outside_code,
)
from textbook.domain.merge import merge
from textbook.domain.metadata import filled
from textbook.domain.proposal import VERDICTS, OpenProposals, Proposal, checked_message
from textbook.domain.questions import Questions
from textbook.domain.references import ReferenceIndex
from textbook.domain.section import Section
from textbook.domain.state import (
    BookState,
    ChapterState,
    ImageRef,
    ImportProblem,
    ImportReport,
    ProposalInfo,
    SectionState,
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

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")
# Where image bytes go once every check has passed, before the event that names them is saved.
BlobSink = Callable[[dict[str, bytes]], None]
Upload = tuple[str, bytes]  # an image's name in the book, and its bytes
HASHER = PasswordHasher()
_DUMMY_HASHES: dict[int, str] = {}


def dummy_hash() -> str:
    """Checked instead when there is no account (or no password): a hash made with the same
    parameters as new accounts' hashes, so the same work and the same time."""
    found = _DUMMY_HASHES.get(id(HASHER))
    if found is None:
        found = _DUMMY_HASHES[id(HASHER)] = HASHER.hash(secrets.token_urlsafe(16))
    return found


def password_matches(password_hash: str, password: str) -> bool:
    try:
        HASHER.verify(password_hash or dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(password_hash)


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


class Textbook(Application[UUID], Questions):
    name = "Textbook"
    # Aggregates that every command loads, or that grow without end, start from a snapshot.
    snapshotting_intervals: ClassVar[dict[type[MutableOrImmutableAggregate[Any]], int]] = {
        Book: 100,
        Section: 50,
        User: 100,
        OpenProposals: 100,
    }

    # People.

    def register_user(self, name: str, email: str, password: str | None) -> UUID:
        name, email = checked_name(name), checked_email(email)
        password_hash = HASHER.hash(checked_password(password)) if password is not None else ""
        if self._exists(ids.user_id(name)):
            raise SlugTaken("user name", name)
        if self._exists(ids.email_id(email)):
            raise SlugTaken("email address", email)
        user = User(name=name, email=email, password_hash=password_hash)
        self._save(user, EmailIndex(email=email, user_id=user.id))
        return user.id

    def user_exists(self, name: str) -> bool:
        return self._exists(ids.user_id(name))

    def user(self, name: str) -> User:
        try:
            return self._get(User, ids.user_id(name))
        except AggregateNotFoundError:
            raise UserNotFound(name) from None

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
            if user is not None and password_matches(user.password_hash, password):
                self._record_sign_in(name, True)
                return user.id
            if user is None:
                password_matches("", password)
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
        self._revoke(user, [hashed])

    def revoke_all_tokens(self, name: str) -> int:
        user = self.user(name)
        hashes = list(user.tokens)
        self._revoke(user, hashes)
        return len(hashes)

    def _revoke(self, user: User, hashes: list[str]) -> None:
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

    # Books and members.

    def book(self, slug: str) -> Book:
        try:
            return self._get(Book, ids.book_id(slug))
        except AggregateNotFoundError:
            raise BookNotFound(slug) from None

    def grant(self, slug: str, user_name: str, role: str, by: str | None = None) -> None:
        """Give `user_name` a role in the book; `by` must be a maintainer (None: the operator)."""
        if role not in ROLES:
            raise InvalidInput(f"'{role}' is not a role; use one of {', '.join(ROLES)}.")
        book, member = self.book(slug), self.user(user_name)
        book.grant(member.id, role, by=self._maintainer(book, by))
        self._save(book)

    def revoke(self, slug: str, user_name: str, by: str | None = None) -> None:
        book, member = self.book(slug), self.user(user_name)
        book.revoke(member.id, by=self._maintainer(book, by))
        self._save(book)

    def set_open_to_all(self, slug: str, open_to_all: bool, by: str | None = None) -> None:
        book = self.book(slug)
        book.set_open_to_all(open_to_all=open_to_all, by=self._maintainer(book, by))
        self._save(book)

    def _maintainer(self, book: Book, name: str | None) -> UUID:
        """The acting maintainer's id; None is the operator at the command line, who may all."""
        if name is None:
            return ids.OPERATOR
        user = self.user(name)
        book.check_may_maintain(user.id, name)
        return user.id

    # Images: bytes live in the image store; events name each image's name and hash.
    # Images reach a book only through the import or with an approved proposal.

    def attach_image(
        self, proposal_id: UUID, name: str, data: bytes, by: str, store: BlobSink
    ) -> ImageRef:
        """Attach an image to the author's open proposal: checked, then stored, then recorded.

        It is a revision of the proposal (its text unchanged), so that a review of what was
        there before cannot approve an image attached since.
        """
        proposal, user = self._proposal(proposal_id), self.user(by)
        book = self.book(proposal.book_slug)
        (image,) = checked_uploads([(name, data)])
        # Both refuse (not the author, closed, no longer a member...) before anything is stored.
        proposal.revise(proposal.text, "", proposal.base_revision, user.id, by, book)
        proposal.attach_image(**vars(image), by=user.id)
        store({image.sha256: data})
        self._save(proposal)
        return image

    @staticmethod
    def _check_images_shown(text: str, book: Book, attached: set[str]) -> None:
        """Refuse text that shows an image neither in the book nor carried by the proposal."""
        missing: dict[str, int] = {}
        for index, line in outside_code(text.split("\n")):
            for name in image_names([line]):
                if name not in book.images and name not in attached:
                    missing.setdefault(name, index + 1)
        if missing:
            raise ImageMissing(list(missing), list(missing.values()))

    def _check_problems(
        self, text: str, published: str, book: Book, section_id: str, attached: set[str]
    ) -> None:
        """Refuse text with problems (broken math, unknown citations, links to no id...) that
        the published text of the section does not have already, each named with its line."""
        refs = self._refs(book)
        context = Context(
            ids={
                found: other
                for other, r in refs.items()
                if other != section_id
                for _, found in r.ids
            },
            keys=bibliography_keys(book.bibliography),
            images=frozenset(book.images) | frozenset(attached),
        )
        problems = new_problems(text, published, context)
        if problems:
            raise TextProblems(problems)

    @functools.cached_property
    def _references(self) -> ReferenceIndex:
        return ReferenceIndex(self)

    def _refs(self, book: Book) -> dict[str, Refs]:
        """The ids and links of each live section of the book."""
        live = set(book.section_ids())
        return {
            key: refs for key, refs in self._references.of_book(book.slug).items() if key in live
        }

    def _broken_references(
        self, book: Book, section_id: str, old: str, new: str | None
    ) -> list[BrokenReference]:
        dropped = dropped_ids(old, new)
        if not dropped:
            return []
        others = (
            (book.chapter_of(other)["id"], other, refs)
            for other, refs in self._refs(book).items()
            if other != section_id
        )
        return references_to(dropped, others)

    # Import: the source files become approved revisions by the importing maintainer.

    def import_book(
        self, state: BookState, by: str, problems: tuple[ImportProblem, ...] = ()
    ) -> ImportReport:
        """Record the source as approved revisions by `by`, the person who imports it.

        Imported text is credited to a person a reader can see, never to a system account:
        `by` must be a registered user, and a maintainer of the book if it exists already.
        `problems` (found by the reader, losing no text) are recorded on the book for all to see.
        """
        try:
            book: Book | None = self._get(Book, ids.book_id(state.slug))
        except AggregateNotFoundError:
            book = None
        actor = self._maintainer(book, by) if book is not None else self.user(by).id
        created = book is None
        known = set(book.section_ids()) if book else set()
        new_ids = [s.id for c in state.chapters for s in c.sections]
        counts = {"added": 0, "revised": 0, "removed": 0}
        # The book first: every section's revision is then recorded at a moment when the book,
        # its outline and its images already hold it, so "the book at this moment" shows it.
        outline = [dict(chapter) for chapter in state.outline()]
        if book is None:
            book = Book(state.slug, state.metadata, state.metadata_yaml, outline, by=actor)
        else:
            book.change_metadata(state.metadata, state.metadata_yaml, by=actor)
            book.change_outline(outline, by=actor, proposal_id=None)
        self._import_assets(book, state, actor)
        found = [{"file": p.file, "line": p.line, "problem": p.problem} for p in problems]
        book.record_import_problems(found, by=actor)
        changed: list[Aggregate] = [book]
        for section in (s for c in state.chapters for s in c.sections):
            aggregate = self._import_section(state.slug, section, actor, counts)
            if aggregate is not None:
                changed.append(aggregate)
        for section_id in known - set(new_ids):
            old = self._get(Section, ids.section_id(state.slug, section_id))
            old.remove(by=actor, approved_by=actor, proposal_id=None, message="Import")
            counts["removed"] += 1
            changed.append(old)
        recordings = self._save(*changed)
        return ImportReport(
            slug=state.slug,
            created=created,
            sections_added=counts["added"],
            sections_revised=counts["revised"],
            sections_removed=counts["removed"],
            events=len(recordings),
            problems=problems,
        )

    def _import_section(
        self, slug: str, section: SectionState, by: UUID, counts: dict[str, int]
    ) -> Section | None:
        try:
            aggregate = self._get(Section, ids.section_id(slug, section.id))
        except AggregateNotFoundError:
            counts["added"] += 1
            return Section(slug, section.id, section.text, by, by, None, "Import")
        before = aggregate.version
        aggregate.revise(section.text, by=by, approved_by=by, proposal_id=None, message="Import")
        if aggregate.version == before:
            return None
        counts["revised"] += 1
        return aggregate

    @staticmethod
    def _import_assets(book: Book, state: BookState, by: UUID) -> None:
        for image in state.images:
            book.put_image(image.name, image.sha256, image.media_type, image.size, by=by)
        for name in set(book.images) - {image.name for image in state.images}:
            book.remove_image(name, by=by)
        book.change_bibliography(state.bibliography, by=by)

    # Proposals.

    def propose_edit(
        self,
        slug: str,
        section_id: str,
        text: str,
        message: str,
        by: str,
        base_revision: int | None = None,
        images: Sequence[Upload] = (),
        store: BlobSink | None = None,
    ) -> UUID:
        """Propose a section's new text, with the images it brings (new, or replacing some)."""
        book, author = self._proposer(slug, by)
        section = self._live_section(book, section_id)
        level = 1 if book.is_intro(section_id) else 2
        text = checked_section_text(text, level, section_id)
        if text == section.text and not images:
            raise InvalidInput("The proposed text is the same as the current text.")
        base = section.revision if base_revision is None else base_revision
        if not 1 <= base <= section.revision:
            raise InvalidInput(f"'{section_id}' has no revision {base}.")
        attached = self._attachments(text, book, images)
        shown = {image.name for image, _ in attached}
        self._check_problems(text, section.text, book, section_id, shown)
        return self._open(
            book, "edit", section_id, "", "", base, text, message, author, (attached, store)
        )

    def propose_section(
        self,
        slug: str,
        chapter_id: str,
        after: str,
        text: str,
        message: str,
        by: str,
        images: Sequence[Upload] = (),
        store: BlobSink | None = None,
    ) -> UUID:
        book, author = self._proposer(slug, by)
        chapter = next((c for c in book.chapters if c["id"] == chapter_id), None)
        if chapter is None:
            raise SectionNotFound(slug, chapter_id)
        if after and after not in chapter["sections"]:
            raise SectionNotFound(slug, after)
        section_id = self._new_id(book, text)
        text = checked_section_text(text, 2, section_id)
        attached = self._attachments(text, book, images)
        self._check_problems(text, "", book, section_id, {image.name for image, _ in attached})
        return self._open(
            book,
            "add_section",
            section_id,
            chapter_id,
            after,
            0,
            text,
            message,
            author,
            (attached, store),
        )

    def propose_chapter(
        self,
        slug: str,
        after: str,
        text: str,
        message: str,
        by: str,
        images: Sequence[Upload] = (),
        store: BlobSink | None = None,
    ) -> UUID:
        book, author = self._proposer(slug, by)
        if after and after not in [c["id"] for c in book.chapters]:
            raise SectionNotFound(slug, after)
        chapter_id = self._new_id(book, text)
        text = checked_section_text(text, 1, chapter_id)
        attached = self._attachments(text, book, images)
        self._check_problems(text, "", book, chapter_id, {image.name for image, _ in attached})
        return self._open(
            book,
            "add_chapter",
            chapter_id,
            chapter_id,
            after,
            0,
            text,
            message,
            author,
            (attached, store),
        )

    def _attachments(
        self, text: str, book: Book, images: Sequence[Upload], carried: Sequence[str] = ()
    ) -> list[tuple[ImageRef, bytes]]:
        """The uploads, checked, once the text shows no image that is in neither place."""
        checked = checked_uploads(images)
        self._check_images_shown(text, book, {i.name for i in checked} | set(carried))
        return [(image, data) for image, (_, data) in zip(checked, images, strict=True)]

    @staticmethod
    def _carry(
        proposal: Proposal, attached: list[tuple[ImageRef, bytes]], store: BlobSink | None
    ) -> None:
        """Attach the checked images to the proposal, and store their bytes (last, as nothing
        can refuse them any more but the save itself, which leaves at worst unnamed bytes)."""
        for image, _ in attached:
            proposal.attach_image(**vars(image), by=proposal.author)
        if attached:
            if store is None:
                raise InvalidInput("Images cannot be attached here.")
            store({image.sha256: data for image, data in attached})

    def propose_removal(self, slug: str, section_id: str, message: str, by: str) -> UUID:
        book, author = self._proposer(slug, by)
        section = self._live_section(book, section_id)
        if book.is_intro(section_id) and len(book.chapter_of(section_id)["sections"]) > 1:
            raise InvalidInput("Remove or move the chapter's sections before the chapter itself.")
        return self._open(
            book, "remove_section", section_id, "", "", section.revision, "", message, author
        )

    def propose_move(
        self, slug: str, section_id: str, chapter_id: str, after: str, message: str, by: str
    ) -> UUID:
        book, author = self._proposer(slug, by)
        section = self._live_section(book, section_id)
        if book.is_intro(section_id):
            raise InvalidInput("A chapter's intro cannot move out of its chapter.")
        if chapter_id not in [c["id"] for c in book.chapters]:
            raise SectionNotFound(slug, chapter_id)
        return self._open(
            book,
            "move_section",
            section_id,
            chapter_id,
            after,
            section.revision,
            "",
            message,
            author,
        )

    def revise_proposal(
        self,
        proposal_id: UUID,
        text: str,
        message: str,
        by: str,
        base_revision: int | None = None,
        images: Sequence[Upload] = (),
        store: BlobSink | None = None,
    ) -> None:
        proposal, user = self._proposal(proposal_id), self.user(by)
        book = self.book(proposal.book_slug)
        level = 1 if proposal.kind == "add_chapter" or book.is_intro(proposal.section_id) else 2
        text = checked_section_text(text, level, proposal.section_id)
        base = proposal.base_revision
        if proposal.kind == "edit":
            current = self._live_section(book, proposal.section_id).revision
            base = current if base_revision is None else base_revision
        attached = self._attachments(text, book, images, list(proposal.images))
        published = (
            self._live_section(book, proposal.section_id).text if proposal.kind == "edit" else ""
        )
        shown = {image.name for image, _ in attached} | set(proposal.images)
        self._check_problems(text, published, book, proposal.section_id, shown)
        proposal.revise(text, message, base, user.id, by, book)
        self._carry(proposal, attached, store)
        self._save(proposal)

    def withdraw(self, proposal_id: UUID, by: str) -> None:
        def withdraw() -> None:
            proposal = self._proposal(proposal_id)
            proposal.withdraw(by=self.user(by).id)
            self._save(proposal, *self._closed(proposal))

        self._retrying(withdraw)

    def review(
        self,
        proposal_id: UUID,
        verdict: str,
        comment: str,
        by: str,
        version: int | None = None,
        break_references: bool = False,
    ) -> str:
        """Record a review; returns the proposal's status afterwards.

        To approve, `version` names the proposal's version the reviewer read; any other than
        the current one is refused (ProposalChanged), so only text an editor read is published.
        An approval that would remove ids other sections link to is refused (BreaksReferences)
        unless `break_references` confirms it.
        """
        verdict = verdict.replace("-", "_")
        if verdict not in VERDICTS:
            raise InvalidInput(f"'{verdict}' is not a verdict; use one of {', '.join(VERDICTS)}.")
        return self._retrying(
            lambda: self._review(proposal_id, verdict, comment, by, version, break_references)
        )

    def _review(
        self,
        proposal_id: UUID,
        verdict: str,
        comment: str,
        by: str,
        version: int | None,
        break_references: bool = False,
    ) -> str:
        proposal, user = self._proposal(proposal_id), self.user(by)
        book = self.book(proposal.book_slug)
        if verdict == "comment":
            if user.id != proposal.author:
                book.check_may_propose(user.id, by)
            proposal.comment(comment, by=user.id)
            self._save(proposal)
        elif verdict == "request_changes":
            proposal.request_changes(comment, user.id, by, book)
            self._save(proposal)
        elif verdict == "reject":
            proposal.reject(comment, user.id, by, book)
            self._save(proposal, *self._closed(proposal))
        else:
            # The images before the text that shows them (nothing is saved if approval fails).
            with_images = self._put_images(proposal, book, user.id)
            approved = self._approve(
                proposal, book, comment, user.id, by, version, break_references
            )
            if with_images and not any(a is book for a in approved):
                approved.append(book)
            self._save(*approved, *self._closed(proposal))
        return proposal.status

    @staticmethod
    def _put_images(proposal: Proposal, book: Book, by: UUID) -> bool:
        """Put the proposal's images in the book; whether there were any."""
        for name, image in sorted(proposal.images.items()):
            book.put_image(name, **image, by=by, proposal_id=proposal.id)
        return bool(proposal.images)

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

    def _approve(
        self,
        proposal: Proposal,
        book: Book,
        comment: str,
        by: UUID,
        name: str,
        version: int | None,
        break_references: bool = False,
    ) -> list[Aggregate]:
        """Approve and apply the proposal; returns the aggregates to save together."""
        section_id, kind = proposal.section_id, proposal.kind
        if kind in ("add_section", "add_chapter"):
            if book.has_section(section_id):
                raise SlugTaken("section id", section_id)
            proposal.approve(comment, by, name, book, 0, 1, version)
            if kind == "add_section":
                if proposal.chapter_id not in [c["id"] for c in book.chapters]:
                    raise Conflict(f"The chapter '{proposal.chapter_id}' no longer exists.")
                outline = outline_with_section(
                    book.chapters, proposal.chapter_id, proposal.after, section_id
                )
            else:
                outline = outline_with_chapter(book.chapters, proposal.after, section_id)
            # The outline before the text, so that the book at the revision's moment holds it.
            book.change_outline(outline, by=by, proposal_id=proposal.id)
            section = self._revived_section(book.slug, section_id, proposal, by)
            return [proposal, section, book]
        section = self._live_section(book, section_id)
        current = section.revision
        if kind == "edit":
            proposal.check_may_approve(by, name, book, version)
            text = self._merged(proposal, section)
            self._check_references(book, section, text, break_references)
            changed = text != section.text
            proposal.approve(comment, by, name, book, current, current + changed, version)
            section.revise(text, proposal.author, by, proposal.id, proposal.message)
            return [proposal, section]
        if kind == "remove_section":
            proposal.check_may_approve(by, name, book, version)
            self._check_references(book, section, None, break_references)
        proposal.approve(comment, by, name, book, current, current, version)
        if kind == "remove_section":
            book.change_outline(outline_without_section(book.chapters, section_id), by, proposal.id)
            section.remove(proposal.author, by, proposal.id, proposal.message)
            return [proposal, section, book]
        if proposal.chapter_id not in [c["id"] for c in book.chapters]:
            raise Conflict(f"The chapter '{proposal.chapter_id}' no longer exists.")
        outline = outline_with_section(
            outline_without_section(book.chapters, section_id),
            proposal.chapter_id,
            proposal.after,
            section_id,
        )
        book.change_outline(outline, by=by, proposal_id=proposal.id)
        return [proposal, book]

    def _check_references(
        self, book: Book, section: Section, text: str | None, confirmed: bool
    ) -> None:
        """Refuse, unless confirmed, to remove ids that other sections still link to."""
        broken = self._broken_references(book, section.section_id, section.text, text)
        if broken and not confirmed:
            raise BreaksReferences(broken)

    def references_broken(self, proposal_id: UUID) -> list[BrokenReference]:
        """The links elsewhere in the book that approving the proposal now would break."""
        proposal = self._proposal(proposal_id)
        if proposal.kind not in ("edit", "remove_section") or proposal.status not in (
            "open",
            "changes_requested",
        ):
            return []
        book = self.book(proposal.book_slug)
        if not book.has_section(proposal.section_id):
            return []
        section = self._live_section(book, proposal.section_id)
        text: str | None = None
        if proposal.kind == "edit":
            try:
                text = self._merged(proposal, section)
            except MergeConflict:
                text = proposal.text
        return self._broken_references(book, proposal.section_id, section.text, text)

    def _revived_section(self, slug: str, section_id: str, proposal: Proposal, by: UUID) -> Section:
        try:
            section = self._get(Section, ids.section_id(slug, section_id))
        except AggregateNotFoundError:
            return Section(
                slug, section_id, proposal.text, proposal.author, by, proposal.id, proposal.message
            )
        section.revise(proposal.text, proposal.author, by, proposal.id, proposal.message)
        return section

    def merged_text(self, proposal_id: UUID) -> str:
        """The text that approving this edit would publish now: the proposal's change merged
        with the changes approved since its base revision. Raises MergeConflict if they clash.
        """
        proposal = self._proposal(proposal_id)
        if proposal.kind != "edit":
            raise InvalidInput("Only a proposed edit of a section is merged when approved.")
        return self._merged(
            proposal, self._live_section(self.book(proposal.book_slug), proposal.section_id)
        )

    def _merged(self, proposal: Proposal, section: Section) -> str:
        if section.revision == proposal.base_revision:
            return proposal.text
        base = self._text_at_revision(section.id, proposal.base_revision)
        merged = merge(base, section.text, proposal.text)
        if merged.text is None:
            raise MergeConflict(
                proposal.section_id, proposal.base_revision, section.revision, merged.clashes
            )
        return merged.text

    def _text_at_revision(self, section_id: UUID, revision: int) -> str:
        """A section's text at one of its revisions (which the aggregate's version is not)."""
        for domain_event in self.events.get(section_id):
            if isinstance(domain_event, Section.Created) and revision == 1:
                return domain_event.text
            if isinstance(domain_event, Section.Revised) and domain_event.revision == revision:
                return domain_event.text
        raise InvalidInput(f"The section has no revision {revision}.")

    def proposal_info(self, proposal_id: UUID) -> ProposalInfo:
        proposal = self._proposal(proposal_id)
        author = self._get(User, proposal.author)
        return ProposalInfo(
            id=proposal.id,
            book_slug=proposal.book_slug,
            kind=proposal.kind,
            section_id=proposal.section_id,
            status=proposal.status,
            author=author.name,
            base_revision=proposal.base_revision,
            text=proposal.text,
            message=proposal.message,
            applied_revision=getattr(proposal, "applied_revision", None),
            version=proposal.text_version,
        )

    def may_approve(self, proposal_id: UUID, user_name: str) -> bool:
        proposal, user = self._proposal(proposal_id), self.user(user_name)
        return proposal.may_be_approved_by(user.id, self.book(proposal.book_slug))

    def _proposer(self, slug: str, name: str) -> tuple[Book, UUID]:
        book, user = self.book(slug), self.user(name)
        book.check_may_propose(user.id, name)
        return book, user.id

    def _open(
        self,
        book: Book,
        kind: str,
        section_id: str,
        chapter_id: str,
        after: str,
        base_revision: int,
        text: str,
        message: str,
        author: UUID,
        images: tuple[list[tuple[ImageRef, bytes]], BlobSink | None] = ([], None),
    ) -> UUID:
        message = checked_message(message)

        def open_proposal() -> UUID:
            proposal = Proposal(
                book.slug, kind, section_id, chapter_id, after, base_revision, text, message, author
            )
            open_proposals = self._open_proposals(book.slug, author)
            open_proposals.add(proposal.id)
            self._carry(proposal, *images)
            self._save(proposal, open_proposals)
            return proposal.id

        return self._retrying(open_proposal)

    def _open_proposals(self, slug: str, author: UUID) -> OpenProposals:
        try:
            return self._get(OpenProposals, OpenProposals.create_id(slug, author))
        except AggregateNotFoundError:
            return OpenProposals(slug, author)

    def _new_id(self, book: Book, text: str) -> str:
        heading = heading_of(canonical(text))  # browsers send CRLF: "{#id}\r" is still an id
        if heading is None or heading.id is None:
            raise InvalidInput("A new section's heading needs an id: '## Title {#new-id}'.")
        if not VALID_ID.match(heading.id):
            raise InvalidInput(
                f"'{heading.id}' is not a valid id: use lowercase letters, digits and hyphens."
            )
        if book.has_section(heading.id):
            raise SlugTaken("section id", heading.id)
        return heading.id

    def _live_section(self, book: Book, section_id: str) -> Section:
        if not book.has_section(section_id):
            raise SectionNotFound(book.slug, section_id)
        return self._get(Section, ids.section_id(book.slug, section_id))

    def _proposal(self, proposal_id: UUID) -> Proposal:
        try:
            return self._get(Proposal, proposal_id)
        except AggregateNotFoundError:
            raise ProposalNotFound(str(proposal_id)) from None

    # The book now, or as it was at any past moment.

    def book_state(self, slug: str, as_of: datetime | None = None) -> BookState:
        book = self._at(Book, ids.book_id(slug), as_of)
        if book is None:
            if as_of is not None and self._exists(ids.book_id(slug)):
                raise BookDidNotExist(slug, as_of.isoformat())
            raise BookNotFound(slug)
        chapters = []
        for chapter in book.chapters:
            sections = []
            for section_id in chapter["sections"]:
                section = self._at(Section, ids.section_id(slug, section_id), as_of)
                if section is not None:
                    sections.append(SectionState(section_id, section.text, section.revision))
            chapters.append(ChapterState(chapter["id"], chapter["file"], tuple(sections)))
        return BookState(
            slug=slug,
            metadata=filled(book.metadata),
            metadata_yaml=book.metadata_yaml,
            chapters=tuple(chapters),
            images=tuple(ImageRef(name, **info) for name, info in sorted(book.images.items())),
            bibliography=book.bibliography,
            as_of=as_of,
        )

    def _at(self, cls: type[A], aggregate_id: UUID, as_of: datetime | None) -> A | None:
        """The aggregate as it was at `as_of` (now if None), or None if it did not exist yet."""
        if as_of is None:
            try:
                return self._get(cls, aggregate_id)
            except AggregateNotFoundError:
                return None
        version = None
        for domain_event in self.events.get(aggregate_id):
            if cast(Aggregate.Event, domain_event).timestamp > as_of:
                break
            version = domain_event.originator_version
        return None if version is None else self._get(cls, aggregate_id, version)

    def history(self, aggregate_id: UUID) -> Iterator[Any]:
        return iter(self.events.get(aggregate_id))

    # Plumbing.

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


def checked_uploads(uploads: Sequence[Upload]) -> list[ImageRef]:
    """Each upload checked (name, type, size, pixels, SVG allowlist), as the image it would be."""
    images = []
    for name, data in uploads:
        media_type = checked_image(name, data)
        images.append(ImageRef(name, hashlib.sha256(data).hexdigest(), media_type, len(data)))
    names = [image.name for image in images]
    if len(set(names)) != len(names):
        raise InvalidInput("Two of the images have the same name.")
    return images
