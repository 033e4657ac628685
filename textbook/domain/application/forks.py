"""Forks: a new book that begins as a copy of another's approved state, and remembers it.

Each section of the fork records where its text came from (`Section.Taken`), so that later the
fork can see what changed upstream since, and every edition can credit the upstream."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate

from textbook.domain import ids
from textbook.domain.application.base import Base
from textbook.domain.book import Book
from textbook.domain.details import checked_slug
from textbook.domain.errors import InvalidInput, LicenceRefused, SlugTaken
from textbook.domain.licences import check_derivatives_allowed
from textbook.domain.section import Section, Source

MAX_TITLE = 300
FORKED_FROM = "Forked from "  # the message of the revisions a fork begins with


@dataclass(frozen=True)
class ForkReport:
    slug: str
    upstream: str
    sections: int
    images: int
    position: int


class Forks(Base):
    def fork_book(self, slug: str, new_slug: str, by: str, title: str | None = None) -> ForkReport:
        """Fork the approved state of `slug` as `new_slug`, maintained by `by`.

        Refused (LicenceRefused) when the upstream's licence allows no derivatives, and
        (SlugTaken) when the new slug is a book already. The fork keeps the upstream's licence,
        authors and text; it gets its own identifier, slug, members and review.
        """
        checked_slug(new_slug)
        title = (title or "").strip()
        if len(title) > MAX_TITLE:
            raise InvalidInput(f"The title has {len(title):,} characters; at most {MAX_TITLE}.")
        if any(ord(c) < 32 or ord(c) == 127 for c in title):
            raise InvalidInput(
                "The title holds a control character (a NUL, a tab or a line break): give it as "
                "one line of text."
            )
        user = self.user(by)
        upstream = self.book(slug)
        check_derivatives_allowed(upstream.licence, upstream.title)
        if self._exists(ids.book_id(new_slug)):
            raise SlugTaken("book", new_slug)
        position = self.recorder.max_notification_id() or 0
        sections = [self._live_section(upstream, s) for s in upstream.section_ids()]
        fork = Book.create(
            new_slug, self._fork_metadata(upstream, title), "", upstream.outline, by=user.id
        )
        fork.record_fork(upstream, position, by=user.id)
        for name, image in sorted(upstream.images.items()):
            fork.put_image(name, **image, by=user.id)
        fork.change_bibliography(upstream.bibliography, by=user.id)
        copies: list[Aggregate] = []
        message = f"{FORKED_FROM}{upstream.title}"
        for section in sections:
            copy = Section(
                new_slug, section.section_id, section.text, user.id, user.id, None, message
            )
            source = Source(slug, section.section_id, section.revision, upstream.licence)
            copy.take(source, by=user.id)
            copies.append(copy)
        self._save(fork, *copies)
        return ForkReport(new_slug, slug, len(copies), len(upstream.images), position)

    @staticmethod
    def _fork_metadata(upstream: Book, title: str) -> dict[str, Any]:
        metadata = dict(upstream.metadata)
        metadata["identifier"] = f"urn:uuid:{uuid.uuid4()}"  # another book, another identifier
        if title:
            metadata["title"] = title
        return metadata

    def fork_refused(self, slug: str) -> str | None:
        """Why the book cannot be forked (its licence allows no adaptations), or None."""
        book = self.book(slug)
        try:
            check_derivatives_allowed(book.licence, book.title)
        except LicenceRefused as refused:
            return refused.message
        return None

    def section_source(self, slug: str, section_id: str) -> tuple[Source | None, int | None]:
        """Where a section's text came from, and the section's revision that took it."""
        section = self._get(Section, ids.section_id(slug, section_id))
        return section.source, section.taken_at
