"""Named editions: an editor marks the book's approved state at this moment as an edition."""

from __future__ import annotations

from textbook.domain.application.base import Base
from textbook.domain.editions import edition_slug


class Editions(Base):
    def mark_edition(self, slug: str, name: str, by: str) -> str:
        """Name the book's approved state now an edition; returns the edition's slug.

        Refused (nothing recorded) to anyone but an editor or maintainer, for an archived book
        or one without a chapter, and for a name empty, too long, or another edition's. Two
        editors naming the same edition at once record it once: the second is refused.
        """
        return self._retrying(lambda: self._mark_edition(slug, name, by))

    def _mark_edition(self, slug: str, name: str, by: str) -> str:
        book, user = self.book(slug), self.user(by)
        book.mark_edition(name, user.id, by)
        self._save(book)
        return edition_slug(name.strip())
