"""The Book aggregate: metadata, the outline of chapters and sections, members and images."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from textbook.domain import ids
from textbook.domain.editions import checked_edition_name, edition_slug
from textbook.domain.errors import (
    BookArchived,
    Conflict,
    EditionExists,
    InvalidInput,
    NotAMaintainer,
    NotAMember,
    NotAnEditor,
    NotTheStarter,
    OthersContributed,
    SectionNotFound,
    SlugTaken,
    StaleDetails,
)
from textbook.domain.metadata import PEOPLE_FIELDS, TEXT_FIELDS, Metadata, filled
from textbook.domain.outline import ChapterOutline, Outline, OutlineJson
from textbook.domain.vocabulary import ProposalKind, Role

if TYPE_CHECKING:
    from textbook.domain.proposal import Proposal

# Events hold `metadata` as a JSON object: text fields, and lists of names (authors, editors).
# Fields added later (publisher, isbn, cover, authors, editors) are simply absent from older
# events; metadata.filled() reads them as empty, so no upcasting is needed.
METADATA_FIELDS = (*TEXT_FIELDS, *PEOPLE_FIELDS)


def checked_role(role: str) -> Role:
    """The role named, or InvalidInput naming the roles there are."""
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(f"'{role}' is not a role; use one of {', '.join(Role)}.") from None


def may_mark_needs(role: Role | None, archived: bool) -> bool:
    """Whether a person with `role` in a book (None: none) marks what its sections and chapters
    need: any member, while the book is not archived."""
    return role is not None and not archived


class Book(Aggregate):
    class Created(Aggregate.Created):
        slug: str
        metadata: Metadata
        metadata_yaml: str
        chapters: OutlineJson  # the outline as JSON: see textbook.domain.outline
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
        chapters: OutlineJson  # the outline as JSON: see textbook.domain.outline
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

    class Forked(Aggregate.Event):
        """The book began as a copy of another book's approved state: the upstream's version
        and the store's position (the notification id of its latest event) at that moment."""

        upstream_slug: str
        upstream_title: str
        upstream_version: int
        upstream_position: int
        licence: str
        by: UUID

    class DetailsChanged(Aggregate.Event):
        """The details (title, authors, licence...) changed by approving a proposal."""

        metadata: Metadata
        metadata_yaml: str
        by: UUID  # who wrote the proposal
        approved_by: UUID
        proposal_id: UUID

    class ContributorJoined(Aggregate.Event):
        """Someone other than the person who started the book took part for the first time
        (by opening a proposal): from then on, the book can only be archived, never deleted."""

        user_id: UUID

    class Archived(Aggregate.Event):
        by: UUID

    class Unarchived(Aggregate.Event):
        by: UUID

    class Deleted(Aggregate.Event):
        """Deleted by the person who started it, alone in it: hidden, its record kept."""

        by: UUID

    class Remixed(Aggregate.Event):
        """The book began as a remix: chapters and sections taken from other books. `sources`
        holds, for each book taken from, {"slug", "title", "licence", "version", "pieces"}
        (the chapter and section ids taken, as asked); `position`, the store's then."""

        sources: list[dict[str, Any]]
        licence: str
        position: int
        by: UUID

    class EditionMarked(Aggregate.Event):
        """An editor named the book's approved state at this moment (the event's own time) an
        edition: `name` as given (stripped), `edition_slug` the part of its addresses."""

        name: str
        edition_slug: str
        by: UUID

    @staticmethod
    def create_id(slug: str) -> UUID:
        return ids.book_id(slug)

    @classmethod
    def create(
        cls, slug: str, metadata: Metadata, metadata_yaml: str, outline: Outline, by: UUID
    ) -> Book:
        return cls(slug, metadata, metadata_yaml, outline.to_json(), by)

    @event(Created)
    def __init__(
        self, slug: str, metadata: Metadata, metadata_yaml: str, chapters: OutlineJson, by: UUID
    ) -> None:
        self.slug = slug
        self.metadata = metadata
        self.metadata_yaml = metadata_yaml
        # Kept as the events hold it, so that snapshots (which store the attributes) keep
        # their shape too; `outline` is the typed value.
        self.chapters = chapters
        self.members: dict[str, str] = {str(by): Role.MAINTAINER}
        self.images: dict[str, dict[str, Any]] = {}
        self.bibliography = ""
        self.open_to_all = False
        self.created_by = by

    @property
    def title(self) -> str:
        return str(self.metadata["title"])

    @property
    def licence(self) -> str:
        return str(self.metadata.get("license") or "")

    # Where the book came from, when it is a fork.

    @property
    def upstream(self) -> dict[str, Any] | None:
        """{"slug", "title", "version", "position", "licence"} of the book this one was forked
        from, or None (books and snapshots from before forks have no such attribute)."""
        return self.__dict__.get("_upstream")

    def record_fork(self, upstream: Book, position: int, by: UUID) -> None:
        if self.upstream is not None:
            raise InvalidInput(f"The book '{self.slug}' is already a fork.")
        self._record_fork(
            upstream_slug=upstream.slug,
            upstream_title=upstream.title,
            upstream_version=upstream.version,
            upstream_position=position,
            licence=upstream.licence,
            by=by,
        )

    @event(Forked)
    def _record_fork(
        self,
        upstream_slug: str,
        upstream_title: str,
        upstream_version: int,
        upstream_position: int,
        licence: str,
        by: UUID,
    ) -> None:
        self._upstream = {
            "slug": upstream_slug,
            "title": upstream_title,
            "version": upstream_version,
            "position": upstream_position,
            "licence": licence,
        }

    @property
    def remixed_from(self) -> list[dict[str, Any]]:
        """The books the book was remixed from (see `Remixed`), or [] (not a remix)."""
        return list(self.__dict__.get("_remixed_from", []))

    def record_remix(
        self, sources: list[dict[str, Any]], licence: str, position: int, by: UUID
    ) -> None:
        if self.remixed_from or self.upstream is not None:
            raise InvalidInput(f"The book '{self.slug}' already came from other books.")
        self._record_remix(sources=sources, licence=licence, position=position, by=by)

    @event(Remixed)
    def _record_remix(
        self, sources: list[dict[str, Any]], licence: str, position: int, by: UUID
    ) -> None:
        self._remixed_from = sources

    # Members and the rules that depend on them.

    def role_of(self, user_id: UUID) -> Role | None:
        role = self.members.get(str(user_id))
        return None if role is None else Role(role)  # snapshots hold the plain string

    def may_propose(self, user_id: UUID) -> bool:
        if self.is_archived:
            return False
        return self.open_to_all or self.role_of(user_id) is not None

    def may_review(self, user_id: UUID) -> bool:
        role = self.role_of(user_id)
        return role is not None and role.reviews and not self.is_archived

    def check_may_propose(self, user_id: UUID, user_name: str) -> None:
        self.check_not_archived()
        if not self.may_propose(user_id):
            raise NotAMember(user_name, self.slug)

    def check_may_review(self, user_id: UUID, user_name: str) -> None:
        self.check_not_archived()
        if not self.may_review(user_id):
            raise NotAnEditor(user_name, self.slug)

    def check_may_mark_need(self, user_id: UUID, user_name: str) -> None:
        """Its authors and editors (any member) mark what a section or chapter needs."""
        self.check_not_archived()
        if not may_mark_needs(self.role_of(user_id), archived=False):
            raise NotAMember(user_name, self.slug)

    def check_may_maintain(self, user_id: UUID, user_name: str) -> None:
        role = self.role_of(user_id)
        if role is None or not role.maintains:
            raise NotAMaintainer(user_name, self.slug)

    def grant(self, user_id: UUID, role: str, by: UUID) -> None:
        """Give the user a role (InvalidInput if there is no such role)."""
        granted = checked_role(role)
        if self.role_of(user_id) is not granted:
            self._grant(user_id=user_id, role=granted, by=by)

    @event(MemberGranted)
    def _grant(self, user_id: UUID, role: str, by: UUID) -> None:
        self.members[str(user_id)] = Role(role)
        if user_id != self.created_by:
            self._others_joined = True

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

    @property
    def outline(self) -> Outline:
        return Outline.from_json(self.chapters)

    def section_ids(self) -> list[str]:
        return self.outline.section_ids()

    def has_section(self, section_id: str) -> bool:
        return self.outline.has_section(section_id)

    def chapter_of(self, section_id: str) -> ChapterOutline:
        chapter = self.outline.chapter_of(section_id)
        if chapter is None:
            raise SectionNotFound(self.slug, section_id)
        return chapter

    def is_intro(self, section_id: str) -> bool:
        return self.outline.is_intro(section_id)

    def outline_after(self, proposal: Proposal) -> Outline:
        """The outline that approving the proposal leads to. Refuses (saying why) a new section
        or chapter whose id is taken since, and a place in a chapter that no longer exists."""
        outline, kind, section_id = self.outline, proposal.kind, proposal.section_id
        if kind.adds and outline.has_section(section_id):
            raise SlugTaken("section id", section_id)
        chapter_id, after = proposal.chapter_id, proposal.after
        placed = kind in (ProposalKind.ADD_SECTION, ProposalKind.MOVE_SECTION)
        if placed and not outline.has_chapter(chapter_id):
            raise Conflict(f"The chapter '{chapter_id}' no longer exists.")
        if kind is ProposalKind.ADD_SECTION:
            return outline.with_section(chapter_id, after, section_id)
        if kind is ProposalKind.ADD_CHAPTER:
            return outline.with_chapter(after, section_id)
        if kind is ProposalKind.REMOVE_SECTION:
            return outline.without_section(section_id)
        if kind is ProposalKind.MOVE_SECTION:
            return outline.with_section_moved(section_id, chapter_id, after)
        return outline

    def change_outline(self, outline: Outline, by: UUID, proposal_id: UUID | None) -> None:
        chapters = outline.to_json()
        if chapters != self.chapters:
            self._change_outline(chapters=chapters, by=by, proposal_id=proposal_id)

    @event(OutlineChanged)
    def _change_outline(self, chapters: OutlineJson, by: UUID, proposal_id: UUID | None) -> None:
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
        self._details_revision = self.details_revision + 1

    # The details through reviewed proposals (title, authors, licence, cover...).

    @property
    def details_revision(self) -> int:
        """How many times the metadata was set: 1 when created, one more for each change."""
        return int(self.__dict__.get("_details_revision", 1))

    def check_details_base(self, base_revision: int) -> None:
        if base_revision != self.details_revision:
            raise StaleDetails(base_revision, self.details_revision)

    def change_details(
        self, metadata: Metadata, metadata_yaml: str, by: UUID, approved_by: UUID, proposal_id: UUID
    ) -> None:
        self._change_details(
            metadata=metadata,
            metadata_yaml=metadata_yaml,
            by=by,
            approved_by=approved_by,
            proposal_id=proposal_id,
        )

    @event(DetailsChanged)
    def _change_details(
        self, metadata: Metadata, metadata_yaml: str, by: UUID, approved_by: UUID, proposal_id: UUID
    ) -> None:
        self.metadata = metadata
        self.metadata_yaml = metadata_yaml
        self._details_revision = self.details_revision + 1

    # Archiving and deleting: books others took part in are never deleted, only archived.

    @property
    def is_archived(self) -> bool:
        return bool(self.__dict__.get("_archived", False))

    @property
    def is_deleted(self) -> bool:
        return bool(self.__dict__.get("_deleted", False))

    @property
    def others_joined(self) -> bool:
        """Whether anyone but its starter took part: a role granted, or a proposal opened (an
        approval needs an editor other than the author, so it implies one or the other)."""
        if self.__dict__.get("_others_joined", False):
            return True
        return any(member != str(self.created_by) for member in self.members)

    def check_not_archived(self) -> None:
        if self.is_archived:
            raise BookArchived(self.slug)

    def note_contributor(self, user_id: UUID) -> None:
        """Note the first time someone other than the starter takes part (once per book)."""
        if user_id != self.created_by and not self.others_joined:
            self._note_contributor(user_id=user_id)

    @event(ContributorJoined)
    def _note_contributor(self, user_id: UUID) -> None:
        self._others_joined = True

    def archive(self, by: UUID, user_name: str) -> None:
        self.check_may_maintain(by, user_name)
        if not self.is_archived:
            self._archive(by=by)

    @event(Archived)
    def _archive(self, by: UUID) -> None:
        self._archived = True

    def unarchive(self, by: UUID, user_name: str) -> None:
        self.check_may_maintain(by, user_name)
        if self.is_deleted:
            raise BookArchived(self.slug)
        if self.is_archived:
            self._unarchive(by=by)

    @event(Unarchived)
    def _unarchive(self, by: UUID) -> None:
        self._archived = False

    def check_may_delete(self, by: UUID, user_name: str) -> None:
        """Only its starter, still a maintainer, deletes a book, and only while alone in it."""
        self.check_may_maintain(by, user_name)
        if by != self.created_by:
            raise NotTheStarter(user_name, self.slug)
        if self.others_joined:
            raise OthersContributed(self.slug)

    def delete(self, by: UUID, user_name: str) -> None:
        self.check_may_delete(by, user_name)
        if not self.is_deleted:
            self._delete(by=by)

    @event(Deleted)
    def _delete(self, by: UUID) -> None:
        self._archived = True
        self._deleted = True

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

    # Named editions: the approved state at a moment, named by an editor, kept for good.

    @property
    def editions(self) -> dict[str, str]:
        """The book's named editions, {edition slug: name}, in the order they were marked
        (books and snapshots from before editions have none)."""
        return dict(self.__dict__.get("_editions", {}))

    def mark_edition(self, name: str, by: UUID, user_name: str) -> None:
        """Name the approved state now an edition: an editor or maintainer of a book that is
        not archived and has a chapter, under a name no other edition of the book has."""
        self.check_may_review(by, user_name)
        given = checked_edition_name(name)
        if not self.outline.chapters:
            raise InvalidInput(
                f"The book '{self.slug}' has no chapter yet: there is nothing to make an "
                "edition of."
            )
        slug = edition_slug(given)
        if slug in self.editions:
            raise EditionExists(self.slug, given, self.editions[slug])
        self._mark_edition(name=given, edition_slug=slug, by=by)

    @event(EditionMarked)
    def _mark_edition(self, name: str, edition_slug: str, by: UUID) -> None:
        self._editions = {**self.editions, edition_slug: name}
