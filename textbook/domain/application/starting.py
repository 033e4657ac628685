"""Starting a book on the platform, changing its details through reviewed proposals, and
archiving or deleting it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from textbook.domain import ids
from textbook.domain.application.checking import Attached, BlobSink, Upload, checked_uploads
from textbook.domain.application.proposals import Proposals
from textbook.domain.book import Book
from textbook.domain.details import (
    Details,
    InvalidDetails,
    checked_details,
    checked_slug,
    details_of,
    details_yaml,
    metadata_yaml,
    new_metadata,
    parse_details,
    with_details,
)
from textbook.domain.errors import ConcurrentChange, InvalidInput, SlugTaken, TextbookError
from textbook.domain.metadata import Metadata
from textbook.domain.outline import Outline
from textbook.domain.proposal import Proposal
from textbook.domain.vocabulary import ProposalKind


@dataclass(frozen=True)
class NewBook:
    """What a person gives to start a book."""

    slug: str
    title: str
    language: str
    license: str
    authors: Sequence[str] = ()
    description: str = ""
    subtitle: str = ""


class Starting(Proposals):
    def start_book(self, new: NewBook, by: str) -> str:
        """Start an empty book (no chapter yet) whose maintainer is `by`; returns its slug.
        The slug of a book that exists, or existed (deleted books keep theirs), is refused."""
        metadata = self.checked_new_book(new)
        slug, user = new.slug, self.user(by)
        book = Book.create(slug, metadata, metadata_yaml(metadata, []), Outline(), by=user.id)
        try:
            self._save(book)
        except ConcurrentChange:  # someone started a book at that address at the same moment
            raise SlugTaken("book address", slug) from None
        return slug

    def checked_new_book(self, new: NewBook) -> Metadata:
        """The new book's metadata, once its slug, free, and its details pass every check."""
        slug = checked_slug(new.slug)
        details = checked_details(
            new.title, new.subtitle, tuple(new.authors), new.description, new.license
        )
        metadata = new_metadata(slug, new.language, details)
        if self._exists(ids.book_id(slug)):
            raise SlugTaken("book address", slug)
        return metadata

    def book_details(self, slug: str) -> Details:
        return details_of(self.book(slug).metadata)

    # The details, through proposals reviewed like text.

    def propose_details(
        self,
        slug: str,
        details: Details,
        message: str,
        by: str,
        images: Sequence[Upload] = (),
        store: BlobSink | None = None,
    ) -> UUID:
        """Propose new details for the book; `images` may carry the new cover (only it)."""
        book, author = self._proposer(slug, by)
        details = checked_details(**details.as_dict())
        if details == details_of(book.metadata) and not images:
            raise InvalidInput("The proposed details are the same as the book's.")
        attached = self._cover(details, book, images)
        text = details_yaml(details)
        kind, base = ProposalKind.DETAILS, book.details_revision
        return self._open(book, kind, "", "", "", base, text, message, author, attached, store)

    def revise_details(
        self,
        proposal_id: UUID,
        details: Details,
        message: str,
        by: str,
        images: Sequence[Upload] = (),
        store: BlobSink | None = None,
    ) -> None:
        """A new version of a proposal of details, against the book's details as they are now."""
        proposal, user = self._proposal(proposal_id), self.user(by)
        if proposal.kind is not ProposalKind.DETAILS:
            raise InvalidInput("This proposal changes text, not the book's details.")
        book = self.book(proposal.book_slug)
        details = checked_details(**details.as_dict())
        attached = self._cover(details, book, images, tuple(proposal.images))
        proposal.revise(details_yaml(details), message, book.details_revision, user.id, by, book)
        self._carry(proposal, attached, store)
        self._save(proposal)

    def revise_proposal(
        self,
        proposal_id: UUID,
        text: str,
        message: str,
        by: str,
        base_revision: int | None = None,
        images: Sequence[Upload] = (),
        store: BlobSink | None = None,
        needs: Sequence[UUID] = (),
    ) -> None:
        """A new version of any proposal; that of a proposal of details is its YAML."""
        if self._proposal(proposal_id).kind is ProposalKind.DETAILS:
            if needs:
                raise InvalidInput("A change to the book's details answers no needs.")
            self.revise_details(proposal_id, parse_details(text), message, by, images, store)
            return
        super().revise_proposal(proposal_id, text, message, by, base_revision, images, store, needs)

    @staticmethod
    def _cover(
        details: Details, book: Book, images: Sequence[Upload], carried: Sequence[str] = ()
    ) -> Attached:
        checked = checked_uploads(images)
        if len(checked) > 1:
            raise InvalidDetails("cover", "A change to the details carries one image: the cover.")
        names = {image.name for image in checked} | set(carried) | set(book.images)
        cover = details.cover.removeprefix("images/")
        if checked and details.cover != f"images/{checked[0].name}":
            raise InvalidDetails("cover", "The image carried must be the one named as the cover.")
        if cover and cover not in names:
            raise InvalidDetails(
                "cover", f"The cover '{details.cover}' is not an image of the book; upload it."
            )
        return [(image, data) for image, (_, data) in zip(checked, images, strict=True)]

    # Archiving and deleting.

    def archive_book(self, slug: str, by: str) -> None:
        book, user = self.book(slug), self.user(by)
        book.archive(user.id, by)
        self._save(book)

    def unarchive_book(self, slug: str, by: str) -> None:
        book, user = self.book(slug), self.user(by)
        book.unarchive(user.id, by)
        self._save(book)

    def delete_book(self, slug: str, by: str) -> None:
        """Delete (archive and hide) a book its starter alone worked on; its record stays."""
        book, user = self.book(slug), self.user(by)
        book.delete(user.id, by)
        self._save(book)

    def may_propose(self, slug: str, user_name: str) -> bool:
        """Whether the person may propose in the book (open to all, or a member; not archived)."""
        return self.book(slug).may_propose(self.user(user_name).id)

    def may_delete(self, slug: str, user_name: str) -> bool:
        try:
            self.book(slug).check_may_delete(self.user(user_name).id, user_name)
        except TextbookError:  # any refusal: the button is not shown
            return False
        return True


def approved_details(
    proposal: Proposal, book: Book, comment: str, by: UUID, name: str, version: int | None
) -> list[Aggregate]:
    """Approve a proposal of details (four eyes, the version read, details not changed since):
    the cover it carries goes into the book, then the details; the aggregates to save."""
    proposal.check_may_approve(by, name, book, version)
    book.check_details_base(proposal.base_revision)
    details = parse_details(proposal.text)
    proposal.approve(comment, by, name, book, version, None, proposal.text)
    for image_name, image in sorted(proposal.images.items()):
        book.put_image(image_name, **image, by=by, proposal_id=proposal.id)
    metadata = with_details(book.metadata, details)
    files = [chapter.file for chapter in book.outline]
    book.change_details(metadata, metadata_yaml(metadata, files), proposal.author, by, proposal.id)
    return [proposal, book]
