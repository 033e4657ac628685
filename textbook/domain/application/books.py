"""Books: their members and who may propose, and the import of a whole book from its source."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from textbook.domain import ids
from textbook.domain.application.base import Base
from textbook.domain.book import Book
from textbook.domain.errors import InvalidSectionText
from textbook.domain.markdown import check_section_size
from textbook.domain.need import import_needs
from textbook.domain.section import Section
from textbook.domain.state import BookState, ImportProblem, ImportReport, SectionState


class Books(Base):
    # Members.

    def grant(self, slug: str, user_name: str, role: str, by: str | None = None) -> None:
        """Give `user_name` a role in the book; `by` must be a maintainer (None: the operator)."""
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

    # Import: the source files become approved revisions by the importing maintainer.

    def import_book(
        self,
        state: BookState,
        by: str,
        problems: tuple[ImportProblem, ...] = (),
        blobs: Mapping[str, bytes] | None = None,
    ) -> ImportReport:
        """Record the source as approved revisions by `by`, the person who imports it.

        Imported text is credited to a person a reader can see, never to a system account:
        `by` must be a registered user, and a maintainer of the book if it exists already.
        `problems` (found by the reader, losing no text) are recorded on the book for all to see.
        Each section is held to the size a proposal is held to. `blobs` are the images' bytes
        (by SHA-256), stored once every check has passed, before the events that name them.
        """
        check_sizes(state)
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
        outline = state.outline()
        if book is None:
            book = Book.create(state.slug, state.metadata, state.metadata_yaml, outline, by=actor)
        else:
            book.change_metadata(state.metadata, state.metadata_yaml, by=actor)
            book.change_outline(outline, by=actor, proposal_id=None)
        self._import_assets(book, state, actor)
        found = [{"file": p.file, "line": p.line, "problem": p.problem} for p in problems]
        needs = import_needs(book, state, found, self.user(by).name)
        book.record_import_problems(found, by=actor)
        changed: list[Aggregate] = [book, *needs]
        for section in (s for c in state.chapters for s in c.sections):
            aggregate = self._import_section(state.slug, section, actor, counts)
            if aggregate is not None:
                changed.append(aggregate)
        for section_id in known - set(new_ids):
            old = self._get(Section, ids.section_id(state.slug, section_id))
            old.remove(by=actor, approved_by=actor, proposal_id=None, message="Import")
            counts["removed"] += 1
            changed.append(old)
        self._store_images(dict(blobs or {}))  # every check has passed: the bytes, then the events
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


def check_sizes(state: BookState) -> None:
    """Refuse a book with a section over the size of one, naming the section and its file."""
    for chapter in state.chapters:
        for section in chapter.sections:
            try:
                check_section_size(section.text)
            except InvalidSectionText as error:
                raise InvalidSectionText(
                    f"The section '{section.id}' in {chapter.file}: {error}"
                ) from None
