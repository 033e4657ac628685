"""The review queue as an editor reads it: where each proposal goes, and whether it is stale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textbook.domain.markdown import heading_of
from textbook.domain.vocabulary import ProposalKind

if TYPE_CHECKING:
    from textbook.projections.queries.values import (
        BookOutline,
        ChapterSummary,
        ProposalSummary,
        SectionSummary,
    )

# What each kind is called in the queue's column (its label without the article).
KIND_NAMES: dict[str, str] = {
    ProposalKind.EDIT: "Change",
    ProposalKind.ADD_SECTION: "New section",
    ProposalKind.ADD_CHAPTER: "New chapter",
    ProposalKind.REMOVE_SECTION: "Removal",
    ProposalKind.MOVE_SECTION: "Move",
    ProposalKind.DETAILS: "Details",
}


@dataclass(frozen=True)
class QueueEntry:
    """One proposal in the queue, with the titles a person knows its place by."""

    proposal: ProposalSummary
    chapter_number: int | None  # None for a new chapter, or a chapter no longer in the book
    chapter_title: str
    section_title: str  # the section's current title; for new text, its proposed heading
    place: str  # for new text, where it goes: "after “Bisection”"; else ""
    current_revision: int | None  # of the section it changes; None for new text

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.proposal.kind, self.proposal.kind)

    @property
    def stale(self) -> bool:
        """The section changed since the proposal was written (or revised) against it."""
        return (
            self.current_revision is not None
            and self.current_revision != self.proposal.base_revision
        )


def queue_entries(
    outline: BookOutline, proposals: list[ProposalSummary], texts: dict[str, str]
) -> list[QueueEntry]:
    """The entries for `proposals` (of the book `outline`); `texts` are their proposed texts."""
    chapters = {c.id: (number, c) for number, c in outline.numbered()}
    sections = {s.id: (c.id, s) for c in outline.chapters for s in c.sections}
    entries = []
    for proposal in proposals:
        place = place_in(outline, proposal.kind, proposal.chapter_id, proposal.after)
        if proposal.kind == ProposalKind.DETAILS:  # the book's, not a section's
            entries.append(QueueEntry(proposal, None, "", "The book's details", "", None))
            continue
        if ProposalKind(proposal.kind).adds:
            heading = heading_of(texts.get(proposal.id, ""))
            proposed = heading.title if heading else proposal.section_id
            number, chapter = chapters.get(proposal.chapter_id, (None, None))
            title = chapter.title if chapter else ""
            entries.append(QueueEntry(proposal, number, title, proposed, place, None))
            continue
        chapter_id, section = sections.get(proposal.section_id, (proposal.chapter_id, None))
        number, chapter = chapters.get(chapter_id, (None, None))
        entries.append(
            QueueEntry(
                proposal,
                number,
                chapter.title if chapter else "",
                title_of(section, chapter, proposal.section_id),
                place,
                section.revision if section else None,
            )
        )
    return entries


def place_in(outline: BookOutline, kind: str, chapter_id: str, after: str) -> str:
    """Where a new chapter or section, or a moved section, goes, in words: "in chapter 2,
    “Solving Equations”, after “Bisection”"; "" for a proposal that stays where it is."""
    chapters = {c.id: (number, c) for number, c in outline.numbered()}
    if kind == ProposalKind.ADD_CHAPTER:
        number, chapter = chapters.get(after, (None, None))
        if chapter is None:
            return "as the first chapter"
        return (
            f"after chapter {number}, “{chapter.title}”" if number else f"after the {chapter.title}"
        )
    if kind not in (ProposalKind.ADD_SECTION, ProposalKind.MOVE_SECTION):
        return ""
    number, chapter = chapters.get(chapter_id, (None, None))
    where = (
        "in a chapter no longer there"
        if chapter is None
        else f"in chapter {number}, “{chapter.title}”"
        if number
        else f"in the {chapter.title}"
    )
    titles = {s.id: s.title for s in chapter.sections} if chapter else {}
    if after in titles:
        return f"{where}, after “{titles[after]}”"
    return f"{where}, after its introduction"


def title_of(
    section: SectionSummary | None, chapter: ChapterSummary | None, section_id: str
) -> str:
    if section is None:
        return section_id  # no longer in the book
    return "Introduction" if chapter is not None and section.id == chapter.id else section.title
