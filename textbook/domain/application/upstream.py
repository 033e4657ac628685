"""Changes flowing both ways between a fork and its upstream.

Upstream to fork: which sections changed upstream since the fork took them (or were added or
removed there); an editor of the fork takes one as a proposal in the fork, whose text is the
three-way merge of both sides' changes, reviewed there like any other. Where both sides edited
the same lines, nothing is proposed until a person writes the resolution.

Fork to upstream: an author offers a section the fork changed to the upstream, as an ordinary
proposal there against the upstream revision the fork took, so that approval merges it with
whatever the upstream approved since; the upstream's editors review it under its rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from textbook.domain import ids
from textbook.domain.application.proposals import Proposals
from textbook.domain.book import Book
from textbook.domain.errors import Conflict, InvalidInput, SlugTaken, TextbookError
from textbook.domain.markdown import canonical, checked_section_text, heading_of
from textbook.domain.proposal import checked_message
from textbook.domain.section import Section, Source
from textbook.domain.sync import (
    ChangeKind,
    NotAFork,
    UpstreamChange,
    UpstreamConflict,
    changed,
    check_resolved,
)
from textbook.domain.vocabulary import ProposalKind


@dataclass(frozen=True)
class Offer:
    """A section the fork changed since it took it (or added), which it may offer upstream.

    `base` is the upstream text the fork took (empty for a section the fork added)."""

    section_id: str
    title: str
    kind: ProposalKind
    taken_revision: int
    upstream_revision: int
    base: str
    fork: str

    @property
    def upstream_changed(self) -> bool:
        """Whether the upstream changed the section since the fork took it (approval merges)."""
        return self.kind is ProposalKind.EDIT and self.upstream_revision > self.taken_revision


@dataclass
class SyncReport:
    """What `sync_upstream` did with each change: proposed, recorded (the fork already had
    the text), a conflict to resolve, or refused (with the reason)."""

    proposed: list[tuple[str, UUID]] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    conflicts: list[UpstreamChange] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def title_of(text: str, fallback: str) -> str:
    heading = heading_of(canonical(text)) if text else None
    return heading.title if heading is not None else fallback


class Upstream(Proposals):
    # Questions.

    def upstream_of(self, slug: str) -> Book:
        """The book `slug` was forked from (NotAFork if none)."""
        upstream = self.book(slug).upstream
        if upstream is None:
            raise NotAFork(slug)
        return self.book(upstream["slug"])

    def upstream_changes(self, slug: str) -> list[UpstreamChange]:
        """What changed upstream since the fork took each section: revised ones (in the fork's
        order), removed ones, then the ones added upstream (in the upstream's order)."""
        fork = self.book(slug)
        upstream = self.upstream_of(slug)
        changes: list[UpstreamChange] = []
        taken: set[str] = set()
        for section_id in fork.section_ids():
            section = self._live_section(fork, section_id)
            take = self._take_from(section, upstream.slug)
            if take is None:
                continue
            source, _ = take
            taken.add(source.section)
            change = self._change_of(upstream, section, source)
            if change is not None:
                changes.append(change)
        for section_id in upstream.section_ids():
            if section_id in taken or self._exists(ids.section_id(slug, section_id)):
                continue  # taken (or the fork removed it once): not new to the fork
            current = self._live_section(upstream, section_id)
            changes.append(
                UpstreamChange(
                    section_id,
                    ChangeKind.ADDED,
                    title_of(current.text, section_id),
                    0,
                    current.revision,
                    0,
                    "",
                    current.text,
                    "",
                    current.text,
                )
            )
        return changes

    def upstream_change(self, slug: str, section_id: str) -> UpstreamChange:
        """The upstream's change to one section of the fork (InvalidInput if there is none)."""
        for change in self.upstream_changes(slug):
            if change.section_id == section_id:
                return change
        raise InvalidInput(f"'{section_id}' has no change upstream that '{slug}' has not taken.")

    def offers(self, slug: str) -> list[Offer]:
        """The fork's sections whose text differs from what it took from the upstream, and
        those it added, in the fork's order: what it may offer the upstream."""
        fork = self.book(slug)
        upstream = self.upstream_of(slug)
        found = []
        for section_id in fork.section_ids():
            offer = self._offer_of(fork, upstream, section_id)
            if offer is not None:
                found.append(offer)
        return found

    def may_take_upstream(self, slug: str, user_name: str) -> bool:
        """Whether the person may take upstream changes into the fork: an editor of it."""
        book = self.book(slug)
        return book.upstream is not None and book.may_review(self.user(user_name).id)

    def may_offer_upstream(self, slug: str, user_name: str) -> bool:
        """Whether the person may offer the fork's changes upstream: one who may propose there."""
        upstream = self.book(slug).upstream
        if upstream is None:
            return False
        return self.book(upstream["slug"]).may_propose(self.user(user_name).id)

    # Upstream to fork.

    def take_upstream(
        self, slug: str, section_id: str, by: str, resolution: str | None = None
    ) -> UUID | None:
        """Open, for an editor of the fork, a proposal in the fork taking the upstream's change
        to one section: its three-way merge with the fork's text, or `resolution`, the text a
        person wrote where both changed the same lines (UpstreamConflict without it), holding
        no conflict marker. Returns the proposal's id; None when the fork already had the
        upstream's text, which is then recorded as taken (no text changes, nothing to review).
        """
        fork, user = self.book(slug), self.user(by)
        fork.check_may_review(user.id, by)
        upstream = self.upstream_of(slug)
        change = self.upstream_change(slug, section_id)
        if change.kind is ChangeKind.REMOVED:
            self._check_not_proposed(fork, user.id, None, section_id)
            message = f"Removed upstream in “{upstream.title}”"
            return self.propose_removal(slug, section_id, message, by)
        text = change.merged if resolution is None else check_resolved(resolution)
        if text is None:
            raise UpstreamConflict(section_id, change.clashes)
        source = Source(upstream.slug, section_id, change.upstream_revision, upstream.licence)
        self._check_not_proposed(fork, user.id, source)
        message = checked_message(
            f"From “{upstream.title}”: {change.title} (upstream revision "
            f"{change.upstream_revision})"
        )
        if change.kind is ChangeKind.ADDED:
            kind, chapter_id, after = self._place(upstream, fork, section_id)
            level = 1 if kind is ProposalKind.ADD_CHAPTER else 2
            text = checked_section_text(text, level, section_id)
            if fork.has_section(section_id):
                raise SlugTaken("section id", section_id)
            self._check_problems(text, "", fork, section_id, self._carried(text, fork, upstream))
            return self._open(
                fork,
                kind,
                section_id,
                chapter_id,
                after,
                0,
                text,
                message,
                user.id,
                source=(source, upstream),
            )
        section = self._live_section(fork, section_id)
        level = 1 if fork.is_intro(section_id) else 2
        text = checked_section_text(text, level, section_id)
        if text == section.text:
            section.take(source, by=user.id)  # the fork has the text already: only recorded
            self._save(section)
            return None
        carried = self._carried(text, fork, upstream)
        self._check_problems(text, section.text, fork, section_id, carried)
        return self._open(
            fork,
            ProposalKind.EDIT,
            section_id,
            "",
            "",
            section.revision,
            text,
            message,
            user.id,
            source=(source, upstream),
        )

    def sync_upstream(self, slug: str, by: str) -> SyncReport:
        """Take every upstream change that merges cleanly, as proposals in the fork; list the
        conflicts (for a person to resolve) and the changes refused, with the reason."""
        fork, user = self.book(slug), self.user(by)
        fork.check_may_review(user.id, by)
        report = SyncReport()
        for change in self.upstream_changes(slug):
            if change.conflict:
                report.conflicts.append(change)
                continue
            try:
                proposed = self.take_upstream(slug, change.section_id, by)
            except TextbookError as refused:
                report.refused.append((change.section_id, refused.message))
                continue
            if proposed is None:
                report.recorded.append(change.section_id)
            else:
                report.proposed.append((change.section_id, proposed))
        return report

    # Fork to upstream.

    def offer_upstream(self, slug: str, section_id: str, by: str, message: str = "") -> UUID:
        """Offer the fork's section to the upstream as an ordinary proposal there, by `by`,
        who must be allowed to propose in the upstream; reviewed by the upstream's editors."""
        fork, user = self.book(slug), self.user(by)
        upstream = self.upstream_of(slug)
        upstream.check_may_propose(user.id, by)
        offer = self._offer_of(fork, upstream, section_id)
        if offer is None:
            raise InvalidInput(
                f"'{section_id}' has not changed since this book took it from “{upstream.title}”:"
                " there is nothing to offer."
            )
        section = self._live_section(fork, section_id)
        source = Source(slug, section_id, section.revision, fork.licence)
        message = checked_message(message) or checked_message(
            f"From the fork “{fork.title}”: {offer.title}"
        )
        text = offer.fork
        if offer.kind is ProposalKind.EDIT:
            current = self._live_section(upstream, section_id)
            if text == current.text:
                raise InvalidInput(f"“{upstream.title}” has this text of '{section_id}' already.")
            carried = self._carried(text, upstream, fork)
            self._check_problems(text, offer.base, upstream, section_id, carried)
            return self._open(
                upstream,
                ProposalKind.EDIT,
                section_id,
                "",
                "",
                offer.taken_revision,
                text,
                message,
                user.id,
                source=(source, fork),
            )
        if self._exists(ids.section_id(upstream.slug, section_id)):
            raise SlugTaken("section id", section_id)
        kind, chapter_id, after = self._place(fork, upstream, section_id)
        self._check_problems(text, "", upstream, section_id, self._carried(text, upstream, fork))
        return self._open(
            upstream,
            kind,
            section_id,
            chapter_id,
            after,
            0,
            text,
            message,
            user.id,
            source=(source, fork),
        )

    # Helpers.

    def _take_from(self, section: Section, book: str) -> tuple[Source, int] | None:
        """The latest take of the section's text from `book`, and the revision that took it."""
        if section.source is not None and section.source.book == book:
            assert section.taken_at is not None
            return section.source, section.taken_at
        found = None
        for domain_event in self.events.get(section.id):
            if isinstance(domain_event, Section.Taken) and domain_event.source_book == book:
                source = Source(
                    domain_event.source_book,
                    domain_event.source_section,
                    domain_event.source_revision,
                    domain_event.licence,
                )
                found = (source, domain_event.at_revision)
        return found

    def _change_of(self, upstream: Book, section: Section, source: Source) -> UpstreamChange | None:
        title = title_of(section.text, section.section_id)
        if not upstream.has_section(source.section):
            removed = ids.section_id(upstream.slug, source.section)
            base = self._text_at_revision(removed, source.revision)
            return UpstreamChange(
                section.section_id, ChangeKind.REMOVED, title, source.revision, 0,
                section.revision, base, "", section.text, None,
            )  # fmt: skip
        current = self._live_section(upstream, source.section)
        if current.revision <= source.revision:
            return None
        base = self._text_at_revision(current.id, source.revision)
        return changed(
            section.section_id,
            title_of(current.text, title),
            source.revision,
            current.revision,
            section.revision,
            base,
            current.text,
            section.text,
        )

    def _offer_of(self, fork: Book, upstream: Book, section_id: str) -> Offer | None:
        section = self._live_section(fork, section_id)
        title = title_of(section.text, section_id)
        take = self._take_from(section, upstream.slug)
        if take is None:
            if self._exists(ids.section_id(upstream.slug, section_id)):
                return None  # the upstream has (or had) its own section of that id
            kind = (
                ProposalKind.ADD_CHAPTER if fork.is_intro(section_id) else ProposalKind.ADD_SECTION
            )
            return Offer(section_id, title, kind, 0, 0, "", section.text)
        source, _ = take
        if not upstream.has_section(source.section) or source.section != section_id:
            return None
        current = self._live_section(upstream, section_id)
        base = self._text_at_revision(current.id, source.revision)
        if section.text in (base, current.text):
            return None
        return Offer(
            section_id, title, ProposalKind.EDIT, source.revision, current.revision, base,
            section.text,
        )  # fmt: skip

    @staticmethod
    def _place(origin: Book, target: Book, section_id: str) -> tuple[ProposalKind, str, str]:
        """Where a section of `origin` goes in `target`: the same chapter, after the nearest
        section before it that `target` has (or first); a chapter after the nearest chapter."""
        outline = origin.outline
        if origin.is_intro(section_id):
            chapters = outline.chapter_ids()
            before = chapters[: chapters.index(section_id)]
            after = next((c for c in reversed(before) if target.outline.has_chapter(c)), "")
            return ProposalKind.ADD_CHAPTER, section_id, after
        chapter = origin.chapter_of(section_id)
        if not target.outline.has_chapter(chapter.id):
            raise InvalidInput(
                f"The chapter '{chapter.id}' of '{section_id}' is not in “{target.title}”: take "
                "or offer the chapter first."
            )
        preceding = chapter.sections[: chapter.sections.index(section_id)]
        after = next((s for s in reversed(preceding) if target.has_section(s)), "")
        return ProposalKind.ADD_SECTION, chapter.id, after

    def _check_not_proposed(
        self, book: Book, author: UUID, source: Source | None, removal: str = ""
    ) -> None:
        """Refuse to propose the same upstream change (`source`, or the removal of a section)
        twice: the person's open proposals take it already."""
        for proposal_id in self._open_proposals(book.slug, author).proposals:
            proposal = self._proposal(UUID(proposal_id))
            removes = proposal.kind is ProposalKind.REMOVE_SECTION
            if source in proposal.sources or (removes and proposal.section_id == removal):
                raise Conflict(f"This change is proposed already: proposal {proposal_id} takes it.")
