"""The Proposal aggregate: a change to a book, its review, and the four-eyes rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from textbook.domain import ids
from textbook.domain.copies import CopyMatch
from textbook.domain.errors import (
    CopyNotMarked,
    InvalidInput,
    NotAnEditor,
    NotTheAuthor,
    ProposalChanged,
    ProposalClosed,
    ReviewAlreadyRequested,
    SectionNotFound,
    SelfApprovalRefused,
    SelfReviewRefused,
    StaleBaseRevision,
    TooManyOpenProposals,
)
from textbook.domain.licences import check_admits
from textbook.domain.section import Section, Source
from textbook.domain.vocabulary import ProposalKind, ProposalStatus, Verdict

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textbook.domain.book import Book
    from textbook.domain.need import Need

MAX_MESSAGE = 2000
MAX_COMMENT = 20000
MAX_OPEN = 50  # open proposals per author and book: enough for real work, bounded for spam
MAX_ATTACHED = 20  # images one proposal carries: a chapter's figures
MAX_NEEDS = 50  # needs one proposal answers


def checked_message(message: str, limit: int = MAX_MESSAGE) -> str:
    message = message.strip()
    if "\x00" in message:
        raise InvalidInput("The message contains a NUL character, which is not text.")
    if len(message) > limit:
        raise InvalidInput(f"The message has {len(message):,} characters; at most {limit:,}.")
    return message


def checked_verdict(verdict: str) -> Verdict:
    """The verdict named ("request-changes" as typed, or "request_changes"), or InvalidInput."""
    verdict = verdict.replace("-", "_")
    try:
        return Verdict(verdict)
    except ValueError:
        raise InvalidInput(
            f"'{verdict}' is not a verdict; use one of {', '.join(Verdict)}."
        ) from None


class Proposal(Aggregate):
    """A change to one section (or a new section or chapter, a move, a removal) under review."""

    class Opened(Aggregate.Created):
        book_slug: str
        kind: str
        section_id: str
        chapter_id: str
        after: str
        base_revision: int
        text: str
        message: str
        by: UUID

    class Revised(Aggregate.Event):
        text: str
        message: str
        base_revision: int
        by: UUID

    class Withdrawn(Aggregate.Event):
        by: UUID

    class ImageAttached(Aggregate.Event):
        """An image the proposal carries: put in the book when (and only if) it is approved."""

        name: str
        sha256: str
        media_type: str
        size: int
        by: UUID

    class SourceMarked(Aggregate.Event):
        """The proposed text is taken from a section of another book: approving it records the
        source on the section, and the editions credit it."""

        source_book: str
        source_section: str
        source_revision: int
        licence: str
        by: UUID

    class CopyDetected(Aggregate.Event):
        """What the copy check found when the text was proposed or revised: paragraphs copied
        from other books' sections (see textbook.domain.copies), [] once none is."""

        matches: list[dict[str, Any]]
        by: UUID

    class NeedsAnswered(Aggregate.Event):
        """The needs of its book (textbook.domain.need) the proposal answers: its approval
        closes them."""

        need_ids: list[str]
        by: UUID

    class Commented(Aggregate.Event):
        comment: str
        by: UUID

    class ReviewRequested(Aggregate.Event):
        """`by` (its author, or an editor of the book) asked the editor `reviewer` to review it;
        the request stays open until the reviewer comments or decides, or the proposal closes."""

        by: UUID
        reviewer: UUID

    class ChangesRequested(Aggregate.Event):
        comment: str
        by: UUID

    class Rejected(Aggregate.Event):
        comment: str
        by: UUID

    class Approved(Aggregate.Event):
        comment: str
        by: UUID
        revision: int
        version: int  # the proposal's version the reviewer read and approved
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["version"] = 0  # approved before versions were recorded: not known

    @event(Opened)
    def __init__(
        self,
        book_slug: str,
        kind: str,
        section_id: str,
        chapter_id: str,
        after: str,
        base_revision: int,
        text: str,
        message: str,
        by: UUID,
    ) -> None:
        self.book_slug = book_slug
        self.kind = ProposalKind(kind)
        self.section_id = section_id
        self.chapter_id = chapter_id
        self.after = after
        self.base_revision = base_revision
        self.text = text
        self.message = message
        self.author = by
        self.status = ProposalStatus.OPEN
        self.text_version = 1  # the proposal's version: each revision of its text adds one
        self.images: dict[str, dict[str, Any]] = {}

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def check_open(self) -> None:
        if not self.is_open:
            raise ProposalClosed(self.status)

    def may_be_approved_by(self, user_id: UUID, book: Book) -> bool:
        return self.is_open and user_id != self.author and book.may_review(user_id)

    def check_may_review(self, user_id: UUID, user_name: str, book: Book) -> None:
        self.check_open()
        book.check_may_review(user_id, user_name)

    def check_may_decide(self, user_id: UUID, user_name: str, book: Book) -> None:
        """Refuse a decision (request changes, reject) unless `user_id` may review the proposal
        and did not write it: four eyes. Its author revises or withdraws it instead."""
        self.check_may_review(user_id, user_name, book)
        if user_id == self.author:
            raise SelfReviewRefused()

    # The author's side.

    def check_version(self, version: int | None) -> None:
        """Refuse a decision on a version other than the current one: the text changed since."""
        if version is None:
            raise InvalidInput(
                "Name the version of the proposal you read to approve it (its 'version', which "
                "every view of the proposal shows): only text an editor has read is published."
            )
        if not 1 <= version <= self.text_version:
            raise InvalidInput(
                f"The proposal has no version {version}; it is at version {self.text_version}."
            )
        if version != self.text_version:
            raise ProposalChanged(version, self.text_version)

    def revise(
        self, text: str, message: str, base_revision: int, by: UUID, user_name: str, book: Book
    ) -> None:
        """A new version of the text, by its author while still allowed to propose in the book."""
        if by != self.author:
            raise NotTheAuthor()
        self.check_open()
        book.check_may_propose(by, user_name)
        self._revise(
            text=text, message=checked_message(message), base_revision=base_revision, by=by
        )

    @event(Revised)
    def _revise(self, text: str, message: str, base_revision: int, by: UUID) -> None:
        # The message says what this version changed (the discussion shows it); the proposal
        # keeps the title it was opened with.
        self.text = text
        self.base_revision = base_revision
        self.status = ProposalStatus.OPEN
        self.text_version += 1

    def attach_image(self, name: str, sha256: str, media_type: str, size: int, by: UUID) -> None:
        """Carry an image (already checked) with the proposal; the same name replaces it."""
        if by != self.author:
            raise NotTheAuthor()
        self.check_open()
        if not self.kind.carries_images:
            raise InvalidInput("Only a proposal of text, or of the book's details, carries images.")
        if name not in self.images and len(self.images) >= MAX_ATTACHED:
            raise InvalidInput(f"A proposal carries at most {MAX_ATTACHED} images.")
        if self.images.get(name, {}).get("sha256") != sha256:
            self._attach_image(name=name, sha256=sha256, media_type=media_type, size=size, by=by)

    @event(ImageAttached)
    def _attach_image(self, name: str, sha256: str, media_type: str, size: int, by: UUID) -> None:
        self.images[name] = {"sha256": sha256, "media_type": media_type, "size": size}

    @property
    def sources(self) -> list[Source]:
        """The sections of other books the text is marked as taken from."""
        return [Source(**source) for source in self.__dict__.get("_sources", [])]

    def mark_source(self, source: Source, by: UUID, book: Book) -> None:
        """The author (or the command that opened it for them) marks the text as taken from
        `source`, whose licence must let the text go out under the book's."""
        if by != self.author:
            raise NotTheAuthor()
        self.check_open()
        if not self.kind.carries_text:
            raise InvalidInput("Only a proposal of text is taken from another book.")
        check_admits(
            source.licence, book.licence, f"The section '{source.section}' of '{source.book}'"
        )
        if source not in self.sources:
            self._mark_source(
                source_book=source.book,
                source_section=source.section,
                source_revision=source.revision,
                licence=source.licence,
                by=by,
            )

    @event(SourceMarked)
    def _mark_source(
        self, source_book: str, source_section: str, source_revision: int, licence: str, by: UUID
    ) -> None:
        self._sources = [
            *self.__dict__.get("_sources", []),
            {
                "book": source_book,
                "section": source_section,
                "revision": source_revision,
                "licence": licence,
            },
        ]

    @property
    def copies(self) -> list[CopyMatch]:
        """Paragraphs of the text found in other books when it was last proposed or revised."""
        return [CopyMatch.from_json(match) for match in self.__dict__.get("_copies", [])]

    @property
    def unmarked_copies(self) -> list[CopyMatch]:
        """The copies whose source the author has not marked: approving waits for them."""
        sources = self.sources
        return [match for match in self.copies if not match.covered_by(sources)]

    def record_copies(self, matches: list[CopyMatch], by: UUID) -> None:
        found = [match.to_json() for match in matches]
        if found != self.__dict__.get("_copies", []):
            self._record_copies(matches=found, by=by)

    @event(CopyDetected)
    def _record_copies(self, matches: list[dict[str, Any]], by: UUID) -> None:
        self._copies = matches

    @property
    def need_ids(self) -> list[UUID]:
        """The needs the proposal says it answers."""
        return [UUID(need_id) for need_id in self.__dict__.get("_needs", [])]

    def answer_needs(self, needs: Sequence[Need], by: UUID) -> None:
        """Say the proposal answers `needs`: open needs of its own book, by its author."""
        if by != self.author:
            raise NotTheAuthor()
        self.check_open()
        if len(set(self.need_ids) | {need.id for need in needs}) > MAX_NEEDS:
            raise InvalidInput(f"A proposal answers at most {MAX_NEEDS} needs.")
        for need in needs:
            need.check_answerable(self.book_slug)
        new = [str(need.id) for need in needs if need.id not in self.need_ids]
        if new:
            self._answer_needs(need_ids=sorted(set(new)), by=by)

    @event(NeedsAnswered)
    def _answer_needs(self, need_ids: list[str], by: UUID) -> None:
        self._needs = [*self.__dict__.get("_needs", []), *need_ids]

    def withdraw(self, by: UUID) -> None:
        if by != self.author:
            raise NotTheAuthor()
        self.check_open()
        self._withdraw(by=by)

    @event(Withdrawn)
    def _withdraw(self, by: UUID) -> None:
        self.status = ProposalStatus.WITHDRAWN

    # The reviewers' side.

    def comment(self, comment: str, by: UUID) -> None:
        comment = checked_message(comment, MAX_COMMENT)
        if not comment:
            raise InvalidInput("A comment needs some text.")
        self._comment(comment=comment, by=by)

    @event(Commented)
    def _comment(self, comment: str, by: UUID) -> None:
        self._answered(by)

    @property
    def review_requests(self) -> list[UUID]:
        """The editors asked to review it who have not answered yet (while it is open)."""
        if not self.is_open:
            return []
        return [UUID(reviewer) for reviewer in self.__dict__.get("_asked", [])]

    def may_ask_review(self, by: UUID, book: Book) -> bool:
        """Whether `by` may ask an editor to review it: its author, or an editor of the book."""
        return self.is_open and not book.is_archived and (by == self.author or book.may_review(by))

    def request_review(
        self, by: UUID, reviewer: UUID, reviewer_name: str, user_name: str, book: Book
    ) -> None:
        """`by`, its author or an editor of the book, asks the editor `reviewer` to review it."""
        self.check_open()
        if by != self.author:
            book.check_may_review(by, user_name)
        book.check_not_archived()
        if reviewer == self.author:
            raise SelfReviewRefused(
                "The author of a proposal cannot be asked to review it: ask another editor."
            )
        if reviewer == by:
            raise InvalidInput("Ask another editor: you can review it yourself without asking.")
        if not book.may_review(reviewer):
            raise NotAnEditor(reviewer_name, book.slug)
        if reviewer in self.review_requests:
            raise ReviewAlreadyRequested(reviewer_name)
        self._request_review(by=by, reviewer=reviewer)

    @event(ReviewRequested)
    def _request_review(self, by: UUID, reviewer: UUID) -> None:
        self._asked = [*self.__dict__.get("_asked", []), str(reviewer)]

    def _answered(self, by: UUID) -> None:
        """A review step by `by` answers the request made of them (called on replay too)."""
        asked = self.__dict__.get("_asked", [])
        if str(by) in asked:
            self._asked = [reviewer for reviewer in asked if reviewer != str(by)]

    def request_changes(self, comment: str, by: UUID, user_name: str, book: Book) -> None:
        self.check_may_decide(by, user_name, book)
        comment = checked_message(comment, MAX_COMMENT)
        if not comment:
            raise InvalidInput("Say which changes you request: the comment is empty.")
        self._request_changes(comment=comment, by=by)

    @event(ChangesRequested)
    def _request_changes(self, comment: str, by: UUID) -> None:
        self._answered(by)
        self.status = ProposalStatus.CHANGES_REQUESTED

    def reject(self, comment: str, by: UUID, user_name: str, book: Book) -> None:
        self.check_may_decide(by, user_name, book)
        self._reject(comment=checked_message(comment, MAX_COMMENT), by=by)

    @event(Rejected)
    def _reject(self, comment: str, by: UUID) -> None:
        self._answered(by)
        self.status = ProposalStatus.REJECTED

    def check_may_approve(self, by: UUID, user_name: str, book: Book, version: int | None) -> None:
        """Refuse unless `by` may approve, and `version`, the one they read, is the current one."""
        self.check_may_review(by, user_name, book)
        if by == self.author:
            raise SelfApprovalRefused()
        self.check_version(version)

    def approve(
        self,
        comment: str,
        by: UUID,
        user_name: str,
        book: Book,
        version: int | None,
        section: Section | None,
        text: str,
    ) -> None:
        """Approve, if `by` may, publishing `text` in `section` (None: a new section); a
        removal or move only if the section is still at the revision it was proposed on.

        An edit whose base is behind is merged with the current text by the caller, which has
        both texts (and refuses with MergeConflict where they clash): `text` is the result.
        """
        self.check_may_approve(by, user_name, book, version)
        for copy in self.unmarked_copies[:1]:
            raise CopyNotMarked(copy.book, copy.section, copy.excerpt)
        for source in self.sources:  # the book's licence may have changed since
            check_admits(
                source.licence, book.licence, f"The section '{source.section}' of '{source.book}'"
            )
        if self.kind in (ProposalKind.REMOVE_SECTION, ProposalKind.MOVE_SECTION):
            if section is None:
                raise SectionNotFound(book.slug, self.section_id)
            if section.revision != self.base_revision:
                raise StaleBaseRevision(self.section_id, self.base_revision, section.revision)
            revision = section.revision
        elif self.kind is ProposalKind.DETAILS:
            revision = book.details_revision + 1  # the version of the details it makes
        else:
            revision = 1 if section is None else section.next_revision(text)
        self._approve(
            comment=checked_message(comment, MAX_COMMENT),
            by=by,
            revision=revision,
            version=self.text_version,
        )

    @event(Approved)
    def _approve(self, comment: str, by: UUID, revision: int, version: int) -> None:
        self._answered(by)
        self.status = ProposalStatus.APPROVED
        self.applied_revision = revision

    def published(self, section: Section | None, text: str, approved_by: UUID) -> list[Section]:
        """Publish the approved proposal in its section: the section to save (new, revised or
        removed), or none for a move, which changes only the outline."""
        if self.status is not ProposalStatus.APPROVED:
            raise InvalidInput("Only an approved proposal is published.")
        if self.kind in (ProposalKind.MOVE_SECTION, ProposalKind.DETAILS):
            return []
        message, proposal_id = self.message, self.id
        if section is None:
            section = Section(
                self.book_slug,
                self.section_id,
                text,
                self.author,
                approved_by,
                proposal_id,
                message,
            )
        elif self.kind is ProposalKind.REMOVE_SECTION:
            section.remove(self.author, approved_by, proposal_id, message)
            return [section]
        else:
            section.revise(text, self.author, approved_by, proposal_id, message)
        for source in self.sources:
            section.take(source, by=approved_by)
        return [section]


class OpenProposals(Aggregate):
    """The proposals one author has open in one book, so that there are at most MAX_OPEN.

    Opening or closing a proposal changes this aggregate in the same save, so its version
    guards the count: of two opens racing for the last place, one saves and one conflicts.
    Proposals opened before this aggregate existed are not counted.
    """

    class Started(Aggregate.Created):
        book_slug: str
        author: UUID

    class Added(Aggregate.Event):
        proposal_id: UUID

    class Closed(Aggregate.Event):
        proposal_id: UUID

    @staticmethod
    def create_id(book_slug: str, author: UUID) -> UUID:
        return uuid5(ids.NAMESPACE, f"/books/{book_slug}/open-proposals/{author}")

    @event(Started)
    def __init__(self, book_slug: str, author: UUID) -> None:
        self.book_slug = book_slug
        self.proposals: list[str] = []

    def add(self, proposal_id: UUID) -> None:
        if len(self.proposals) >= MAX_OPEN:
            raise TooManyOpenProposals(self.book_slug, MAX_OPEN)
        self._add(proposal_id=proposal_id)

    @event(Added)
    def _add(self, proposal_id: UUID) -> None:
        self.proposals.append(str(proposal_id))

    def close(self, proposal_id: UUID) -> None:
        if str(proposal_id) in self.proposals:
            self._close(proposal_id=proposal_id)

    @event(Closed)
    def _close(self, proposal_id: UUID) -> None:
        self.proposals.remove(str(proposal_id))
