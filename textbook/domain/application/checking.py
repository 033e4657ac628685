"""Text checked against the book before a proposal is opened or approved: the images it shows,
its problems (math, citations, links), the links elsewhere that it would break, and the images
uploaded with it."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence

from textbook.domain.application.base import Base
from textbook.domain.book import Book
from textbook.domain.checks import (
    BrokenReference,
    Context,
    Refs,
    bibliography_keys,
    dropped_ids,
    new_problems,
    references_to,
)
from textbook.domain.errors import BreaksReferences, ImageMissing, InvalidInput, TextProblems
from textbook.domain.images import checked_image, image_names
from textbook.domain.markdown import outside_code
from textbook.domain.proposal import Proposal
from textbook.domain.references import ReferenceIndex
from textbook.domain.section import Section
from textbook.domain.state import ImageRef

# Where image bytes go once every check has passed, before the event that names them is saved.
BlobSink = Callable[[dict[str, bytes]], None]
Upload = tuple[str, bytes]  # an image's name in the book, and its bytes
Attached = Sequence[tuple[ImageRef, bytes]]  # uploads checked, each with its bytes


class Checking(Base):
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
            (book.chapter_of(other).id, other, refs)
            for other, refs in self._refs(book).items()
            if other != section_id
        )
        return references_to(dropped, others)

    def _check_references(
        self, book: Book, section: Section, text: str | None, confirmed: bool
    ) -> None:
        """Refuse, unless confirmed, to remove ids that other sections still link to."""
        broken = self._broken_references(book, section.section_id, section.text, text)
        if broken and not confirmed:
            raise BreaksReferences(broken)

    def _attachments(
        self, text: str, book: Book, images: Sequence[Upload], carried: Sequence[str] = ()
    ) -> Attached:
        """The uploads, checked, once the text shows no image that is in neither place."""
        checked = checked_uploads(images)
        self._check_images_shown(text, book, {i.name for i in checked} | set(carried))
        return [(image, data) for image, (_, data) in zip(checked, images, strict=True)]

    def _carry(self, proposal: Proposal, attached: Attached, store: BlobSink | None) -> None:
        """Attach the checked images to the proposal, and store their bytes (last, as nothing
        can refuse them any more but the save itself, which leaves at worst unnamed bytes)."""
        for image, _ in attached:
            proposal.attach_image(**vars(image), by=proposal.author)
        blobs = {image.sha256: data for image, data in attached}
        if store is not None:
            store(blobs)
        else:
            self._store_images(blobs)


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
