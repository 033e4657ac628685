"""Proposals: opening one of each kind, revising it, carrying images with it, withdrawing it."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from textbook.domain.application.checking import (
    Attached,
    BlobSink,
    Checking,
    Upload,
    checked_uploads,
)
from textbook.domain.application.copying import CopyChecks
from textbook.domain.book import Book
from textbook.domain.errors import InvalidInput, SectionNotFound, SlugTaken
from textbook.domain.images import image_names
from textbook.domain.markdown import VALID_ID, canonical, checked_section_text, heading_of
from textbook.domain.outline import page_name_problem
from textbook.domain.proposal import OpenProposals, Proposal, checked_message
from textbook.domain.section import Source
from textbook.domain.state import ImageRef
from textbook.domain.user import User
from textbook.domain.vocabulary import ProposalKind


class Proposals(CopyChecks, Checking):
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
        needs: Sequence[UUID] = (),
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
            book,
            ProposalKind.EDIT,
            section_id,
            "",
            "",
            base,
            text,
            message,
            author,
            attached,
            store,
            needs=needs,
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
        needs: Sequence[UUID] = (),
    ) -> UUID:
        book, author = self._proposer(slug, by)
        chapter = book.outline.chapter(chapter_id)
        if chapter is None:
            raise SectionNotFound(slug, chapter_id)
        if after and after not in chapter.sections:
            raise SectionNotFound(slug, after)
        section_id = self._new_id(book, text)
        text = checked_section_text(text, 2, section_id)
        attached = self._attachments(text, book, images)
        self._check_problems(text, "", book, section_id, {image.name for image, _ in attached})
        kind = ProposalKind.ADD_SECTION
        return self._open(
            book,
            kind,
            section_id,
            chapter_id,
            after,
            0,
            text,
            message,
            author,
            attached,
            store,
            needs=needs,
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
        needs: Sequence[UUID] = (),
    ) -> UUID:
        book, author = self._proposer(slug, by)
        if after and not book.outline.has_chapter(after):
            raise SectionNotFound(slug, after)
        chapter_id = self._new_id(book, text)
        problem = page_name_problem(chapter_id)
        if problem is not None:
            raise InvalidInput(problem[0].upper() + problem[1:] + ".")
        text = checked_section_text(text, 1, chapter_id)
        attached = self._attachments(text, book, images)
        self._check_problems(text, "", book, chapter_id, {image.name for image, _ in attached})
        kind = ProposalKind.ADD_CHAPTER
        return self._open(
            book,
            kind,
            chapter_id,
            chapter_id,
            after,
            0,
            text,
            message,
            author,
            attached,
            store,
            needs=needs,
        )

    def propose_removal(
        self, slug: str, section_id: str, message: str, by: str, needs: Sequence[UUID] = ()
    ) -> UUID:
        book, author = self._proposer(slug, by)
        section = self._live_section(book, section_id)
        if book.is_intro(section_id) and len(book.chapter_of(section_id).sections) > 1:
            raise InvalidInput("Remove or move the chapter's sections before the chapter itself.")
        kind, base = ProposalKind.REMOVE_SECTION, section.revision
        return self._open(book, kind, section_id, "", "", base, "", message, author, needs=needs)

    def propose_move(
        self,
        slug: str,
        section_id: str,
        chapter_id: str,
        after: str,
        message: str,
        by: str,
        needs: Sequence[UUID] = (),
    ) -> UUID:
        book, author = self._proposer(slug, by)
        section = self._live_section(book, section_id)
        if book.is_intro(section_id):
            raise InvalidInput("A chapter's intro cannot move out of its chapter.")
        if not book.outline.has_chapter(chapter_id):
            raise SectionNotFound(slug, chapter_id)
        kind, base = ProposalKind.MOVE_SECTION, section.revision
        return self._open(
            book, kind, section_id, chapter_id, after, base, "", message, author, needs=needs
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
        needs: Sequence[UUID] = (),
    ) -> None:
        """A new version of the proposal, by its author; `needs` adds needs it answers (those
        it answers already stay)."""
        proposal, user = self._proposal(proposal_id), self.user(by)
        book = self.book(proposal.book_slug)
        edit = proposal.kind is ProposalKind.EDIT
        intro = proposal.kind is ProposalKind.ADD_CHAPTER or book.is_intro(proposal.section_id)
        text = checked_section_text(text, 1 if intro else 2, proposal.section_id)
        base, published = proposal.base_revision, ""
        if edit:
            section = self._live_section(book, proposal.section_id)
            base = section.revision if base_revision is None else base_revision
            published = section.text
        attached = self._attachments(text, book, images, list(proposal.images))
        shown = {image.name for image, _ in attached} | set(proposal.images)
        self._check_problems(text, published, book, proposal.section_id, shown)
        found = self._copies_in(book, proposal.section_id, text, published)
        answered = [self._need(need_id) for need_id in dict.fromkeys(needs)]
        proposal.revise(text, message, base, user.id, by, book)
        proposal.answer_needs(answered, by=user.id)
        for need in answered:
            need.answer(proposal.id, user.name)
        self._record_copies(proposal, found)
        self._carry(proposal, attached, store)
        self._save(proposal, *answered)

    def attach_image(
        self, proposal_id: UUID, name: str, data: bytes, by: str, store: BlobSink | None = None
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
        if store is not None:
            store({image.sha256: data})
        else:
            self._store_images({image.sha256: data})
        self._save(proposal)
        return image

    def mark_source(
        self,
        proposal_id: UUID,
        source_book: str,
        source_section: str,
        by: str,
        source_revision: int | None = None,
    ) -> Source:
        """Mark the proposal's text as taken from a section of another book on the platform
        (its current revision unless named), under that book's licence: approving it records
        the source on the section, and the editions credit it. A new version of the proposal,
        so that a review of what was there before cannot approve it unmarked."""
        proposal, user = self._proposal(proposal_id), self.user(by)
        book, origin = self.book(proposal.book_slug), self.book(source_book)
        section = self._live_section(origin, source_section)
        revision = section.revision if source_revision is None else source_revision
        if not 1 <= revision <= section.revision:
            raise InvalidInput(
                f"The section '{source_section}' of '{source_book}' has no revision {revision}."
            )
        source = Source(origin.slug, source_section, revision, origin.licence)
        if source in proposal.sources:
            return source
        proposal.revise(proposal.text, "", proposal.base_revision, user.id, by, book)
        proposal.mark_source(source, by=user.id, book=book)
        self._save(proposal)
        return source

    def withdraw(self, proposal_id: UUID, by: str) -> None:
        def withdraw() -> None:
            proposal = self._proposal(proposal_id)
            proposal.withdraw(by=self.user(by).id)
            self._save(proposal, *self._closed(proposal))

        self._retrying(withdraw)

    def _proposer(self, slug: str, name: str) -> tuple[Book, UUID]:
        book, user = self.book(slug), self.user(name)
        book.check_may_propose(user.id, name)
        return book, user.id

    def _open(
        self,
        book: Book,
        kind: ProposalKind,
        section_id: str,
        chapter_id: str,
        after: str,
        base_revision: int,
        text: str,
        message: str,
        author: UUID,
        attached: Attached = (),
        store: BlobSink | None = None,
        source: tuple[Source, Book] | None = None,
        needs: Sequence[UUID] = (),
    ) -> UUID:
        """Open the proposal and save it with the author's open proposals: saved together, or
        not at all. With `source` (a section of another book, and that book), the text is
        marked as taken from it, and carries the images of that book it shows."""
        message = checked_message(message)
        known = self._live_section(book, section_id).text if kind is ProposalKind.EDIT else ""
        found = self._copies_in(book, section_id, text, known)
        carried = sorted(self._carried(text, book, source[1])) if source else []
        author_name = self._get(User, author).name if needs else ""

        def open_proposal() -> UUID:
            proposal = Proposal(
                book.slug, kind, section_id, chapter_id, after, base_revision, text, message, author
            )
            if source is not None:
                taken, origin = source
                proposal.mark_source(taken, by=author, book=book)
                for name in carried:
                    proposal.attach_image(name, **origin.images[name], by=author)
            self._record_copies(proposal, found)
            answered = [self._need(need_id) for need_id in dict.fromkeys(needs)]
            proposal.answer_needs(answered, by=author)
            for need in answered:
                need.answer(proposal.id, author_name)
            open_proposals = self._open_proposals(book.slug, author)
            open_proposals.add(proposal.id)
            self._carry(proposal, attached, store)
            self._save(proposal, open_proposals, *answered, *self._joined(book, author))
            return proposal.id

        return self._retrying(open_proposal)

    @staticmethod
    def _carried(text: str, target: Book, origin: Book) -> set[str]:
        """The images the text shows that `target` lacks (or holds other bytes of) and
        `origin` has: a proposal taken from `origin` carries them (their bytes are stored)."""
        return {
            name
            for name in image_names(text.split("\n"))
            if name in origin.images
            and target.images.get(name, {}).get("sha256") != origin.images[name]["sha256"]
        }

    def _joined(self, book: Book, author: UUID) -> list[Book]:
        """The book, freshly loaded, noting that someone other than its starter took part for
        the first time (it can then no longer be deleted); [] if that is known already."""
        if author == book.created_by or book.others_joined:
            return []
        fresh = self.book(book.slug)
        fresh.note_contributor(author)
        return [fresh]

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
