"""The attribution of a fork or remix, generated from the events, never typed by hand: for each
book its text was taken from, the title, authors, a link, the licence with its link, what was
taken and what was changed since ("Adapted: chapters 2 and 5 rewritten, chapter 7 added,
section “Roots” removed"), as Creative Commons licences ask (title, author, source, licence).

Computed once here, from the provenance read model (which sections were taken from where, at
which revision), the history (each taken revision's text) and the book's state; every edition
and the book's page show the same `Attribution`, and the edition's fingerprint includes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from textbook.domain.errors import BookNotFound
from textbook.domain.glossary import chapter_numbers
from textbook.domain.markdown import heading_of
from textbook.domain.metadata import Licence, licence_as_stored, people
from textbook.domain.state import BookState
from textbook.projections.queries import Contributor, Queries, Taken
from textbook.projections.queries.values import BookOutline

REWRITTEN, ADDED, REMOVED = "rewritten", "added", "removed"
MAX_DEPTH = 3  # sources of sources credited, through forks of forks


@dataclass(frozen=True)
class Credit:
    """One source, credited: title, authors, link, licence, what was taken and changed."""

    slug: str
    title: str
    authors: tuple[str, ...]
    link: str
    licence: Licence
    taken: str  # "The whole book, forked on 2026-12-01." / "Chapter 1 “First Steps”."
    changes: str  # "Adapted: chapter 2 rewritten." / "Not changed."
    contributors: tuple[str, ...]  # who wrote the taken revisions, in the source book
    via: str = ""  # the title of the book it reached this one through, if not directly

    @property
    def byline(self) -> str:
        return people(list(self.authors)) if self.authors else "its contributors"

    def sentence(self) -> str:
        """The credit in one line of plain text, as a reader would copy it."""
        licence = self.licence.name + (f" ({self.licence.url})" if self.licence.url else "")
        via = f" (through “{self.via}”)" if self.via else ""
        return (
            f"“{self.title}” by {self.byline}, {self.link}{via}, licensed under {licence}. "
            f"{self.taken} {self.changes}"
        )


@dataclass(frozen=True)
class Attribution:
    """Every source of a book's text, credited, and the book's own contributors apart."""

    credits: tuple[Credit, ...] = ()
    added: str = ""  # what the book has that none of its sources had, when it has several
    local: tuple[Contributor, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.credits)

    @property
    def kind(self) -> str:
        return "adaptation" if len(self.credits) == 1 else "remix"

    def text(self) -> str:
        """The whole attribution as plain text (in the edition's fingerprint)."""
        lines = [credit.sentence() for credit in self.credits]
        lines += [self.added] if self.added else []
        lines += [f"Upstream contributors of {c.title}: {', '.join(c.contributors)}." for c in
                  self.credits if c.contributors]  # fmt: skip
        return "\n".join(lines)


def attribution_of(
    queries: Queries, state: BookState, base_url: str = "", as_of: datetime | None = None
) -> Attribution:
    """The attribution of the book in `state` (as it stands, or as of `as_of`)."""
    return _attribution(queries, state, base_url.rstrip("/"), as_of, MAX_DEPTH)


def _attribution(
    queries: Queries, state: BookState, base_url: str, as_of: datetime | None, depth: int
) -> Attribution:
    takes = latest_takes(queries.taken(state.slug), as_of)
    if not takes:
        return Attribution()
    texts = queries.taken_texts(state.slug)
    originals = source_texts(queries, takes.values())
    statuses = section_statuses(state, takes, texts, originals)
    upstream = queries.upstream(state.slug)
    sources = list(dict.fromkeys(take.source_book for take in takes.values()))
    if upstream is not None and upstream.slug in sources:
        sources = [upstream.slug, *(s for s in sources if s != upstream.slug)]
    # What the book added is an adaptation of its upstream when it is a fork of one book; of
    # a remix, it is what is new in it; a book that only took some sections adapted nothing.
    fork_of_one = upstream is not None and sources == [upstream.slug]
    credits: list[Credit] = []
    for source in sources:
        mine = {sid: take for sid, take in takes.items() if take.source_book == source}
        forked = upstream.forked_at[:10] if upstream and upstream.slug == source else ""
        credits.append(
            credit(queries, source, mine, statuses, texts, state, fork_of_one, forked, base_url)
        )
    added = ""
    if not fork_of_one and (upstream is not None or queries.remixed_from(state.slug)):
        news = changed_items(state, statuses, set(), ADDED)
        added = f"New in this book: {joined(news)}." if news else ""
    for direct in list(credits) if depth > 1 else []:
        try:
            if not queries.taken(direct.slug):
                continue
            source_state = queries.book_state(direct.slug)
        except BookNotFound:
            continue
        further = _attribution(queries, source_state, base_url, None, depth - 1)
        if further:
            known = {c.slug for c in credits} | {state.slug}
            credits += [
                Credit(**{**vars(c), "via": c.via or direct.title})
                for c in further.credits
                if c.slug not in known
            ]
    return Attribution(tuple(credits), added, tuple(queries.local_contributors(state.slug)))


def latest_takes(takes: Iterable[Taken], as_of: datetime | None) -> dict[str, Taken]:
    """Each section's latest take (its current source), up to `as_of`."""
    latest: dict[str, Taken] = {}
    for take in takes:
        if as_of is not None and datetime.fromisoformat(take.taken_at) > as_of:
            continue
        known = latest.get(take.section_id)
        if known is None or take.at_revision >= known.at_revision:
            latest[take.section_id] = take
    return latest


def source_texts(queries: Queries, takes: Iterable[Taken]) -> dict[tuple[str, str, int], str]:
    """The text each take took, in its source book: (book, section, revision) -> text."""
    wanted: dict[str, list[tuple[str, int]]] = {}
    for take in takes:
        wanted.setdefault(take.source_book, []).append((take.source_section, take.source_revision))
    return {
        (book, section, revision): text
        for book, revisions in wanted.items()
        for (section, revision), text in queries.revision_texts(book, revisions).items()
    }


def section_statuses(
    state: BookState,
    takes: dict[str, Taken],
    texts: dict[tuple[str, int], str],
    originals: dict[tuple[str, str, int], str],
) -> dict[str, str]:
    """For each section of the book: rewritten (unlike its source's text, when taken or
    since), added (never taken), or ''."""
    statuses: dict[str, str] = {}
    for chapter in state.chapters:
        for section in chapter.sections:
            take = takes.get(section.id)
            if take is None:
                statuses[section.id] = ADDED
                continue
            taken = texts.get((section.id, take.at_revision))
            source = (take.source_book, take.source_section, take.source_revision)
            original = originals.get(source, taken)
            statuses[section.id] = REWRITTEN if section.text != original else ""
    return statuses


def credit(
    queries: Queries,
    source: str,
    mine: dict[str, Taken],
    statuses: dict[str, str],
    texts: dict[tuple[str, int], str],
    state: BookState,
    with_added: bool,
    forked: str,
    base_url: str,
) -> Credit:
    try:
        outline: BookOutline | None = queries.outline(source)
    except BookNotFound:  # books are never deleted; but a dump may hold only some of them
        outline = None
    licence = licence_as_stored(next(iter(mine.values())).licence)
    revisions = sorted({(t.source_section, t.source_revision) for t in mine.values()})
    writers = tuple(queries.writers(source, revisions))
    items = changed_items(state, statuses, set(mine), REWRITTEN)
    if with_added:
        items += changed_items(state, statuses, set(), ADDED)
    live = {s.id for c in state.chapters for s in c.sections}
    gone = [_title_of(texts.get((sid, t.at_revision), ""), sid) for sid, t in mine.items()]
    removed = [g for sid, g in zip(mine, gone, strict=True) if sid not in live]
    if removed:
        items.append(f"{joined(removed)} {REMOVED}")
    return Credit(
        slug=source,
        title=outline.title if outline else source,
        authors=(outline.authors if outline else ()) or writers,
        link=f"{base_url}/books/{source}",
        licence=licence,
        taken=(
            f"Forked from the whole book on {forked}."
            if forked
            else f"Taken: {taken_pieces(outline, mine.values())}."
        ),
        changes=f"Adapted: {', '.join(items)}." if items else "Not changed.",
        contributors=writers,
    )


def _title_of(text: str, section_id: str) -> str:
    heading = heading_of(text)
    title = heading.title if heading else section_id
    return f"{'chapter' if heading and heading.level == 1 else 'section'} “{title}”"


def changed_items(
    state: BookState, statuses: dict[str, str], among: set[str], status: str
) -> list[str]:
    """The chapters and sections of the book with `status` ("chapters 2 and 5 rewritten"),
    among the sections `among` (empty: all); a chapter whose every section has it is named
    as a chapter."""
    chapters, intros, sections, back = [], [], [], []
    numbers = chapter_numbers([chapter.id for chapter in state.chapters])
    for number, chapter in zip(numbers, state.chapters, strict=True):
        ids = [s.id for s in chapter.sections if not among or s.id in among]
        marked = [sid for sid in ids if statuses.get(sid) == status]
        if not marked:
            continue
        if not number:  # the glossary: named, not numbered
            back.append(f"the {chapter.id}")
            continue
        if len(marked) == len(chapter.sections):
            chapters.append(str(number))
            continue
        for index, section in enumerate(chapter.sections):
            if section.id in marked:
                if index == 0:
                    intros.append(str(number))
                else:
                    sections.append(f"{number}.{index}")
    found = []
    if chapters:
        found.append(f"{plural('chapter', chapters)} {joined(chapters)}")
    if intros:
        found.append(f"the {plural('introduction', intros)} of {plural('chapter', intros)} "
                     f"{joined(intros)}")  # fmt: skip
    if sections:
        found.append(f"{plural('section', sections)} {joined(sections)}")
    found += back
    return [f"{joined(found)} {status}"] if found else []


def taken_pieces(outline: BookOutline | None, takes: Iterable[Taken]) -> str:
    """What was taken from the source, in its own numbering: "chapter 1 “First Steps”, section
    2.1 “Halving”"."""
    wanted = {take.source_section for take in takes}
    if outline is None:
        return ", ".join(f"section “{s}”" for s in sorted(wanted))
    found: list[str] = []
    for number, chapter in outline.numbered():
        ids = [s.id for s in chapter.sections]
        if ids and set(ids) <= wanted:
            found.append(f"chapter {number} “{chapter.title}”" if number else chapter.title)
            continue
        for index, section in enumerate(chapter.sections):
            if section.id in wanted:
                what = f"the introduction of chapter {number}" if index == 0 else (
                    f"section {number}.{index}")  # fmt: skip
                if not number:
                    what = f"{chapter.title}, entry"
                found.append(f"{what} “{section.title}”")
    listed = {s.id for c in outline.chapters for s in c.sections}
    found += [f"section “{s}” (since removed there)" for s in sorted(wanted - listed)]
    return ", ".join(found)


def plural(word: str, items: Sequence[str]) -> str:
    return word + ("s" if len(items) > 1 else "")


def joined(items: Sequence[str]) -> str:
    return people(list(items))
