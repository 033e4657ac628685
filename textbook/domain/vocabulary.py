"""The words of the domain, typed: what a proposal does, where it stands, what a reviewer says,
and what a member may do. Everything else (the command line's choices, the OpenAPI enums, the
templates, the read models) takes them from here.

They are `StrEnum`s, so that events and read models keep holding the same plain strings they
always held: `ProposalStatus.OPEN == "open"`.
"""

from __future__ import annotations

from enum import StrEnum


class ProposalKind(StrEnum):
    EDIT = "edit"
    ADD_SECTION = "add_section"
    ADD_CHAPTER = "add_chapter"
    REMOVE_SECTION = "remove_section"
    MOVE_SECTION = "move_section"
    DETAILS = "details"  # the book's details: title, authors, licence, cover...

    @property
    def label(self) -> str:
        """What the kind is called on a page: "A new section"."""
        return _KIND_LABELS[self]

    @property
    def lead(self) -> str:
        """How a proposal's page begins to say what it does: "A change to" “Title”."""
        return _KIND_LEADS[self]

    @property
    def carries_text(self) -> bool:
        """Whether a proposal of this kind proposes text (and so may carry images)."""
        return self in (ProposalKind.EDIT, ProposalKind.ADD_SECTION, ProposalKind.ADD_CHAPTER)

    @property
    def carries_images(self) -> bool:
        """Whether a proposal of this kind may carry images (text's figures, or a cover)."""
        return self.carries_text or self is ProposalKind.DETAILS

    @property
    def adds(self) -> bool:
        """Whether it adds a section or a chapter that did not exist."""
        return self in (ProposalKind.ADD_SECTION, ProposalKind.ADD_CHAPTER)

    @property
    def acts_on_existing(self) -> bool:
        """Whether it changes a section that exists (an edit, a move, a removal)."""
        return not self.adds


_KIND_LABELS = {
    ProposalKind.EDIT: "A change",
    ProposalKind.ADD_SECTION: "A new section",
    ProposalKind.ADD_CHAPTER: "A new chapter",
    ProposalKind.REMOVE_SECTION: "A removal",
    ProposalKind.MOVE_SECTION: "A move",
    ProposalKind.DETAILS: "A change to the details",
}

_KIND_LEADS = {
    ProposalKind.EDIT: "A change to",
    ProposalKind.ADD_SECTION: "A new section",
    ProposalKind.ADD_CHAPTER: "A new chapter",
    ProposalKind.REMOVE_SECTION: "Removing",
    ProposalKind.MOVE_SECTION: "Moving",
    ProposalKind.DETAILS: "A change to the book's details",
}


class ProposalStatus(StrEnum):
    OPEN = "open"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        """Still under review: open, or waiting for the changes an editor requested."""
        return self in OPEN_STATUSES

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The statuses of a proposal still under review (the queue lists these).
OPEN_STATUSES = (ProposalStatus.OPEN, ProposalStatus.CHANGES_REQUESTED)


class Verdict(StrEnum):
    """What a reviewer says of a proposal."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    COMMENT = "comment"

    @property
    def decides(self) -> bool:
        """Whether it is a review decision (only a reviewer other than the author makes one)."""
        return self is not Verdict.COMMENT

    @property
    def option(self) -> str:
        """As typed at the command line: request-changes."""
        return self.value.replace("_", "-")


class Role(StrEnum):
    """A member's role in a book, each holding every right of the ones before it."""

    AUTHOR = "author"
    EDITOR = "editor"
    MAINTAINER = "maintainer"

    @property
    def reviews(self) -> bool:
        return self in (Role.EDITOR, Role.MAINTAINER)

    @property
    def maintains(self) -> bool:
        return self is Role.MAINTAINER


def choices(vocabulary: type[StrEnum]) -> list[str]:
    """The values of a vocabulary, in order: for a command line's choices or an OpenAPI enum."""
    return [member.value for member in vocabulary]


class NeedKind(StrEnum):
    """What a section or chapter needs: the kinds of work on a book's task board."""

    FIGURE = "figure"
    CITATIONS = "citations"
    FACT_CHECK = "fact_check"
    EXAMPLE = "example"
    EXERCISES = "exercises"
    ACCESSIBILITY = "accessibility"  # alt text, table headers
    STUB = "stub"
    OUTDATED = "outdated"
    COPY_EDITING = "copy_editing"
    ERROR = "error"  # a reader's report
    IMPORT_PROBLEM = "import_problem"

    @property
    def label(self) -> str:
        """What the kind is called on a page: "Needs a figure"."""
        return _NEED_LABELS[self]


_NEED_LABELS = {
    NeedKind.FIGURE: "A figure",
    NeedKind.CITATIONS: "Citations",
    NeedKind.FACT_CHECK: "A fact check",
    NeedKind.EXAMPLE: "An example",
    NeedKind.EXERCISES: "Exercises",
    NeedKind.ACCESSIBILITY: "Accessibility (alt text, table headers)",
    NeedKind.STUB: "A stub to write",
    NeedKind.OUTDATED: "Outdated",
    NeedKind.COPY_EDITING: "Copy-editing",
    NeedKind.ERROR: "An error a reader reported",
    NeedKind.IMPORT_PROBLEM: "A problem found at import",
}
