"""The Book aggregate: metadata, the outline of chapters and sections, members and images."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from textbook.domain import ids
from textbook.domain.errors import NotAMaintainer, NotAMember, NotAnEditor, SectionNotFound
from textbook.domain.metadata import PEOPLE_FIELDS, TEXT_FIELDS, Metadata, filled

ROLES = ("author", "editor", "maintainer")
# Events hold `metadata` as a JSON object: text fields, and lists of names (authors, editors).
# Fields added later (publisher, isbn, cover, authors, editors) are simply absent from older
# events; metadata.filled() reads them as empty, so no upcasting is needed.
METADATA_FIELDS = (*TEXT_FIELDS, *PEOPLE_FIELDS)

# An outline is a list of chapters: {"id": chapter id, "file": "name.md", "sections": [ids]}.
# The first section of a chapter is its intro, whose id is the chapter's id.
Outline = list[dict[str, Any]]


class Book(Aggregate):
    class Created(Aggregate.Created):
        slug: str
        metadata: Metadata
        metadata_yaml: str
        chapters: Outline
        by: UUID

    class MemberGranted(Aggregate.Event):
        user_id: UUID
        role: str
        by: UUID

    class MemberRevoked(Aggregate.Event):
        user_id: UUID
        by: UUID

    class AccessChanged(Aggregate.Event):
        open_to_all: bool
        by: UUID

    class OutlineChanged(Aggregate.Event):
        chapters: Outline
        by: UUID
        proposal_id: UUID | None

    class MetadataChanged(Aggregate.Event):
        metadata: Metadata
        metadata_yaml: str
        by: UUID

    class ImageAdded(Aggregate.Event):
        """An image put in the book: by the import, or by approving the proposal carrying it."""

        class_version = 2
        name: str
        sha256: str
        media_type: str
        size: int
        by: UUID
        proposal_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["proposal_id"] = None  # version 1 had no proposals carrying images

    class ImageRemoved(Aggregate.Event):
        name: str
        by: UUID

    class BibliographyChanged(Aggregate.Event):
        text: str
        by: UUID

    class ImportProblemsFound(Aggregate.Event):
        """What the latest import found that loses no text ([] once a re-import finds none):
        each {"file": "intro.md", "line": 12, "problem": "the citation '@x' is not in ..."}."""

        problems: list[dict[str, Any]]
        by: UUID

    @staticmethod
    def create_id(slug: str) -> UUID:
        return ids.book_id(slug)

    @event(Created)
    def __init__(
        self, slug: str, metadata: Metadata, metadata_yaml: str, chapters: Outline, by: UUID
    ) -> None:
        self.slug = slug
        self.metadata = metadata
        self.metadata_yaml = metadata_yaml
        self.chapters = chapters
        self.members: dict[str, str] = {str(by): "maintainer"}
        self.images: dict[str, dict[str, Any]] = {}
        self.bibliography = ""
        self.open_to_all = False
        self.created_by = by

    @property
    def title(self) -> str:
        return str(self.metadata["title"])

    # Members and the rules that depend on them.

    def role_of(self, user_id: UUID) -> str | None:
        return self.members.get(str(user_id))

    def may_propose(self, user_id: UUID) -> bool:
        return self.open_to_all or self.role_of(user_id) is not None

    def may_review(self, user_id: UUID) -> bool:
        return self.role_of(user_id) in ("editor", "maintainer")

    def check_may_propose(self, user_id: UUID, user_name: str) -> None:
        if not self.may_propose(user_id):
            raise NotAMember(user_name, self.slug)

    def check_may_review(self, user_id: UUID, user_name: str) -> None:
        if not self.may_review(user_id):
            raise NotAnEditor(user_name, self.slug)

    def check_may_maintain(self, user_id: UUID, user_name: str) -> None:
        if self.role_of(user_id) != "maintainer":
            raise NotAMaintainer(user_name, self.slug)

    def grant(self, user_id: UUID, role: str, by: UUID) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if self.role_of(user_id) != role:
            self._grant(user_id=user_id, role=role, by=by)

    @event(MemberGranted)
    def _grant(self, user_id: UUID, role: str, by: UUID) -> None:
        self.members[str(user_id)] = role

    def revoke(self, user_id: UUID, by: UUID) -> None:
        if self.role_of(user_id) is not None:
            self._revoke(user_id=user_id, by=by)

    @event(MemberRevoked)
    def _revoke(self, user_id: UUID, by: UUID) -> None:
        self.members.pop(str(user_id), None)

    def set_open_to_all(self, open_to_all: bool, by: UUID) -> None:
        if open_to_all != self.open_to_all:
            self._set_open_to_all(open_to_all=open_to_all, by=by)

    @event(AccessChanged)
    def _set_open_to_all(self, open_to_all: bool, by: UUID) -> None:
        self.open_to_all = open_to_all

    # The outline.

    def section_ids(self) -> list[str]:
        return [section for chapter in self.chapters for section in chapter["sections"]]

    def has_section(self, section_id: str) -> bool:
        return section_id in self.section_ids()

    def chapter_of(self, section_id: str) -> dict[str, Any]:
        for chapter in self.chapters:
            if section_id in chapter["sections"]:
                return chapter
        raise SectionNotFound(self.slug, section_id)

    def is_intro(self, section_id: str) -> bool:
        return any(chapter["id"] == section_id for chapter in self.chapters)

    def change_outline(self, chapters: Outline, by: UUID, proposal_id: UUID | None) -> None:
        if chapters != self.chapters:
            self._change_outline(chapters=chapters, by=by, proposal_id=proposal_id)

    @event(OutlineChanged)
    def _change_outline(self, chapters: Outline, by: UUID, proposal_id: UUID | None) -> None:
        self.chapters = chapters

    # Metadata, images and bibliography (maintainers' changes, recorded as they come).

    def change_metadata(self, metadata: Metadata, metadata_yaml: str, by: UUID) -> None:
        # Books stored before a field existed lack it: compare with every field filled in.
        if filled(metadata) != filled(self.metadata) or metadata_yaml != self.metadata_yaml:
            self._change_metadata(metadata=metadata, metadata_yaml=metadata_yaml, by=by)

    @event(MetadataChanged)
    def _change_metadata(self, metadata: Metadata, metadata_yaml: str, by: UUID) -> None:
        self.metadata = metadata
        self.metadata_yaml = metadata_yaml

    def put_image(
        self,
        name: str,
        sha256: str,
        media_type: str,
        size: int,
        by: UUID,
        proposal_id: UUID | None = None,
    ) -> None:
        if self.images.get(name, {}).get("sha256") != sha256:
            self._put_image(
                name=name,
                sha256=sha256,
                media_type=media_type,
                size=size,
                by=by,
                proposal_id=proposal_id,
            )

    @event(ImageAdded)
    def _put_image(
        self,
        name: str,
        sha256: str,
        media_type: str,
        size: int,
        by: UUID,
        proposal_id: UUID | None,
    ) -> None:
        self.images[name] = {"sha256": sha256, "media_type": media_type, "size": size}

    def remove_image(self, name: str, by: UUID) -> None:
        if name in self.images:
            self._remove_image(name=name, by=by)

    @event(ImageRemoved)
    def _remove_image(self, name: str, by: UUID) -> None:
        del self.images[name]

    @property
    def import_problems(self) -> list[dict[str, Any]]:
        # Books (and snapshots) from before this event existed have no such attribute.
        return list(self.__dict__.get("_import_problems", []))

    def record_import_problems(self, problems: list[dict[str, Any]], by: UUID) -> None:
        if problems != self.import_problems:
            self._record_import_problems(problems=problems, by=by)

    @event(ImportProblemsFound)
    def _record_import_problems(self, problems: list[dict[str, Any]], by: UUID) -> None:
        self._import_problems = problems

    def change_bibliography(self, text: str, by: UUID) -> None:
        if text != self.bibliography:
            self._change_bibliography(text=text, by=by)

    @event(BibliographyChanged)
    def _change_bibliography(self, text: str, by: UUID) -> None:
        self.bibliography = text


def outline_with_section(
    chapters: Outline, chapter_id: str, after: str, section_id: str
) -> Outline:
    """The outline with `section_id` placed after `after` in chapter `chapter_id` ('' = first)."""
    new = [dict(chapter, sections=list(chapter["sections"])) for chapter in chapters]
    for chapter in new:
        if chapter["id"] == chapter_id:
            sections = chapter["sections"]
            position = sections.index(after) + 1 if after in sections else 1
            sections.insert(position, section_id)
            return new
    raise ValueError(f"no chapter {chapter_id!r}")


def outline_without_section(chapters: Outline, section_id: str) -> Outline:
    new = []
    for chapter in chapters:
        if chapter["id"] == section_id:
            continue  # removing a chapter's intro removes the (otherwise empty) chapter
        sections = [s for s in chapter["sections"] if s != section_id]
        new.append(dict(chapter, sections=sections))
    return new


def outline_with_chapter(chapters: Outline, after: str, chapter_id: str) -> Outline:
    """The outline with a new chapter after chapter `after` ('' = at the start)."""
    new = [dict(chapter, sections=list(chapter["sections"])) for chapter in chapters]
    ids = [chapter["id"] for chapter in new]
    position = ids.index(after) + 1 if after in ids else 0
    new.insert(position, {"id": chapter_id, "file": f"{chapter_id}.md", "sections": [chapter_id]})
    return new
