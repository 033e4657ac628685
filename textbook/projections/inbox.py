"""Read model of each person's inbox: one row per person per happening that concerns them, and
what it keeps to know who is concerned (its own copies of names, members, books, outlines,
proposals, who follows each proposal, and what each person watches).

An item's id is derived from the position of the event that made it (`item_id`), so that a
rebuild makes the very same rows, and anyone following the ids (the mailer) sees each once,
in the order they happened. Nobody is told of their own action.

To add a kind of item: write a handler here that calls `notify(sql, e, position, ...)` and
register it in `ReadModelProjection.inbox_changes_for` (textbook.projections.projection).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textbook.domain import ids
from textbook.domain.glossary import chapter_numbers
from textbook.domain.markdown import heading_of
from textbook.domain.vocabulary import NeedKind
from textbook.projections.readmodel import ReadModel

if TYPE_CHECKING:
    from textbook.domain.book import Book
    from textbook.domain.need import Need
    from textbook.domain.proposal import Proposal
    from textbook.domain.section import Section
    from textbook.domain.user import User
    from textbook.domain.watchlist import Watchlist
    from textbook.storage import Sql

# The shape of this read model's tables. Changing TABLES (a new column, table or index) needs
# VERSION + 1: a process that finds an older version in the store rebuilds this read model.
VERSION = 3  # 3: the glossary is named, not numbered, in the places of items
TABLES = (
    "CREATE TABLE {s}.tb_inbox (id BIGINT PRIMARY KEY, person TEXT NOT NULL, at TEXT,"
    " kind TEXT, book_slug TEXT, title TEXT, link TEXT, actor TEXT)",
    "CREATE INDEX tb_inbox_by_person ON {s}.tb_inbox (person, id)",
    # Who each person is, how far they read, which key of their feed is current; when they
    # registered and when their feed's key last changed (what an empty feed was updated at).
    "CREATE TABLE {s}.tb_inbox_people (user_id TEXT PRIMARY KEY, name TEXT, watchlist_id TEXT,"
    " read_up_to BIGINT NOT NULL DEFAULT 0, feed_generation INTEGER NOT NULL DEFAULT 0,"
    " since TEXT, feed_at TEXT)",
    "CREATE INDEX tb_inbox_people_by_watchlist ON {s}.tb_inbox_people (watchlist_id)",
    "CREATE TABLE {s}.tb_inbox_books (book_id TEXT PRIMARY KEY, slug TEXT, title TEXT,"
    " upstream TEXT)",
    "CREATE TABLE {s}.tb_inbox_members (book_slug TEXT, user_id TEXT, role TEXT,"
    " PRIMARY KEY (book_slug, user_id))",
    # Where each section is: its chapter, and its number as the contents show it ("2.1"; a
    # chapter's introduction: "2").
    "CREATE TABLE {s}.tb_inbox_sections (book_slug TEXT, section_id TEXT, chapter_id TEXT,"
    " number TEXT, PRIMARY KEY (book_slug, section_id))",
    "CREATE TABLE {s}.tb_inbox_section_titles (aggregate_id TEXT PRIMARY KEY, book_slug TEXT,"
    " section_id TEXT, title TEXT)",
    "CREATE INDEX tb_inbox_section_titles_by_id ON {s}.tb_inbox_section_titles"
    " (book_slug, section_id)",
    # The open needs, and who opened and took each (user ids; "" for an anonymous reader). A
    # reporter's email is never kept here.
    "CREATE TABLE {s}.tb_inbox_needs (need_id TEXT PRIMARY KEY, book_slug TEXT,"
    " chapter_id TEXT, section_id TEXT, kind TEXT, reason TEXT, opened_by TEXT, taker TEXT)",
    "CREATE TABLE {s}.tb_inbox_proposals (proposal_id TEXT PRIMARY KEY, book_slug TEXT,"
    " author TEXT, message TEXT, section_id TEXT, chapter_id TEXT)",
    # Who hears of what happens to a proposal: its author, whoever took part, who was asked.
    "CREATE TABLE {s}.tb_inbox_followers (proposal_id TEXT, user_id TEXT,"
    " PRIMARY KEY (proposal_id, user_id))",
    "CREATE TABLE {s}.tb_inbox_watches (user_id TEXT, target TEXT, book_slug TEXT,"
    " chapter_id TEXT, section_id TEXT, at TEXT,"
    " PRIMARY KEY (user_id, target, book_slug, chapter_id, section_id))",
    "CREATE INDEX tb_inbox_watches_by_book ON {s}.tb_inbox_watches (book_slug)",
    "CREATE TABLE {s}.tb_review_requests (proposal_id TEXT, reviewer TEXT, by_user TEXT,"
    " at TEXT, answered INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (proposal_id, reviewer))",
)
MODEL = ReadModel("inbox", VERSION, TABLES)

# Items per event at most: an item's id is position * ID_STRIDE + its place among the event's.
ID_STRIDE = 1_000_000


def item_id(position: int, index: int) -> int:
    return position * ID_STRIDE + index


# Kinds of item.
NEW_PROPOSAL = "new_proposal"
COMMENTED = "commented"
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"
REJECTED = "rejected"
REVISED = "revised"
WITHDRAWN = "withdrawn"
REVIEW_REQUESTED = "review_requested"
UPSTREAM_APPROVED = "upstream_approved"
NEED_OPENED = "need_opened"
ERROR_REPORTED = "error_reported"
NEED_CLOSED = "need_closed"
KINDS = (
    NEW_PROPOSAL, COMMENTED, CHANGES_REQUESTED, APPROVED, REJECTED, REVISED, WITHDRAWN,
    REVIEW_REQUESTED, UPSTREAM_APPROVED, NEED_OPENED, ERROR_REPORTED, NEED_CLOSED,
)  # fmt: skip


def notify(
    sql: Sql,
    e: Any,
    position: int,
    kind: str,
    book_slug: str,
    link: str,
    actor: str,
    titles: dict[str, str],
) -> None:
    """One item for each person in `titles` (their user id -> the sentence they read), but
    none for `actor`, who did it."""
    people = sorted(person for person in titles if person != actor)
    sql.executemany(
        "INSERT INTO {s}.tb_inbox VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (item_id(position, index), person, e.timestamp.isoformat(), kind, book_slug,
             titles[person], link, actor)
            for index, person in enumerate(people[:ID_STRIDE])
        ],
    )  # fmt: skip


def addressed(
    layers: Iterable[tuple[Iterable[str], str]],
) -> dict[str, str]:
    """Each person's sentence: from the first layer that names them (the closest concern)."""
    titles: dict[str, str] = {}
    for people, title in layers:
        for person in people:
            titles.setdefault(person, title)
    return titles


# What the model keeps to know who is concerned.


def name_of(sql: Sql, user_id: str) -> str:
    row = sql.one("SELECT name FROM {s}.tb_inbox_people WHERE user_id = ?", (user_id,))
    return row["name"] if row is not None and row["name"] else "someone"


def registered(sql: Sql, e: User.Registered, position: int) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_inbox_people (user_id, name, since) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, since = excluded.since",
        (str(e.originator_id), e.name, e.timestamp.isoformat()),
    )


def book_created(sql: Sql, e: Book.Created, position: int) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_inbox_books VALUES (?, ?, ?, NULL)",
        (str(e.originator_id), e.slug, str(e.metadata.get("title") or e.slug)),
    )
    member(sql, e.slug, str(e.by), "maintainer")
    sections(sql, e.slug, e.chapters)


def slug_of(sql: Sql, book_id: Any) -> str:
    row = sql.one("SELECT slug FROM {s}.tb_inbox_books WHERE book_id = ?", (str(book_id),))
    return "" if row is None else str(row["slug"])


def title_of(sql: Sql, slug: str) -> str:
    row = sql.one("SELECT title FROM {s}.tb_inbox_books WHERE slug = ?", (slug,))
    return slug if row is None else str(row["title"])


def retitled(sql: Sql, e: Book.MetadataChanged | Book.DetailsChanged, position: int) -> None:
    title = e.metadata.get("title")
    if title:
        sql.execute(
            "UPDATE {s}.tb_inbox_books SET title = ? WHERE book_id = ?",
            (str(title), str(e.originator_id)),
        )


def member(sql: Sql, slug: str, user_id: str, role: str) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_inbox_members VALUES (?, ?, ?) ON CONFLICT (book_slug, user_id)"
        " DO UPDATE SET role = excluded.role",
        (slug, user_id, role),
    )


def member_granted(sql: Sql, e: Book.MemberGranted, position: int) -> None:
    member(sql, slug_of(sql, e.originator_id), str(e.user_id), str(e.role))


def member_revoked(sql: Sql, e: Book.MemberRevoked, position: int) -> None:
    sql.execute(
        "DELETE FROM {s}.tb_inbox_members WHERE book_slug = ? AND user_id = ?",
        (slug_of(sql, e.originator_id), str(e.user_id)),
    )


def sections(sql: Sql, slug: str, chapters: list[dict[str, Any]]) -> None:
    sql.execute("DELETE FROM {s}.tb_inbox_sections WHERE book_slug = ?", (slug,))
    sql.executemany(
        "INSERT INTO {s}.tb_inbox_sections VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (slug, str(section), str(chapter["id"]),
             (f"{number}.{place}" if place else str(number)) if number else "")
            for number, chapter in zip(
                chapter_numbers([str(c["id"]) for c in chapters]), chapters, strict=True
            )
            for place, section in enumerate(chapter["sections"])
        ],
    )  # fmt: skip


def title_in(text: str) -> str:
    heading = heading_of(text)
    return heading.title if heading else ""


def section_created(sql: Sql, e: Section.Created, position: int) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_inbox_section_titles VALUES (?, ?, ?, ?) ON CONFLICT"
        " (aggregate_id) DO UPDATE SET title = excluded.title",
        (str(e.originator_id), e.book_slug, e.section_id, title_in(e.text)),
    )


def section_revised(sql: Sql, e: Section.Revised, position: int) -> None:
    """A revision may change the section's title (its heading)."""
    sql.execute(
        "UPDATE {s}.tb_inbox_section_titles SET title = ? WHERE aggregate_id = ?",
        (title_in(e.text), str(e.originator_id)),
    )


def place_of(sql: Sql, slug: str, section_id: str) -> str:
    """The section as the contents name it: "2.1 Bisection", or "2. Root Finding" for a
    chapter's introduction (the id alone when the book no longer has it)."""
    where = sql.one(
        "SELECT number FROM {s}.tb_inbox_sections WHERE book_slug = ? AND section_id = ?",
        (slug, section_id),
    )
    named = sql.one(
        "SELECT title FROM {s}.tb_inbox_section_titles WHERE book_slug = ? AND section_id = ?",
        (slug, section_id),
    )
    title = str(named["title"]) if named is not None and named["title"] else section_id
    if where is None or not where["number"]:  # not in the book now, or in its glossary
        return title
    number = str(where["number"])
    return f"{number} {title}" if "." in number else f"{number}. {title}"


def outline_changed(sql: Sql, e: Book.OutlineChanged, position: int) -> None:
    sections(sql, slug_of(sql, e.originator_id), e.chapters)


def forked(sql: Sql, e: Book.Forked, position: int) -> None:
    sql.execute(
        "UPDATE {s}.tb_inbox_books SET upstream = ? WHERE book_id = ?",
        (e.upstream_slug, str(e.originator_id)),
    )


# What people watch, and how far they read.


def watchlist_started(sql: Sql, e: Watchlist.Started, position: int) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_inbox_people (user_id, name, watchlist_id) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET watchlist_id = excluded.watchlist_id",
        (str(e.person), e.name, str(e.originator_id)),
    )


def person_of(sql: Sql, e: Watchlist.Event) -> str:
    """The user id whose watchlist `e` is (a watchlist's id is not its person's)."""
    row = sql.one(
        "SELECT user_id FROM {s}.tb_inbox_people WHERE watchlist_id = ?", (str(e.originator_id),)
    )
    return "" if row is None else str(row["user_id"])


def watched(sql: Sql, e: Watchlist.Watched, position: int) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_inbox_watches VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (person_of(sql, e), e.target, e.book_slug, e.chapter_id, e.section_id,
         e.timestamp.isoformat()),
    )  # fmt: skip


def unwatched(sql: Sql, e: Watchlist.Unwatched, position: int) -> None:
    sql.execute(
        "DELETE FROM {s}.tb_inbox_watches WHERE user_id = ? AND target = ? AND book_slug = ?"
        " AND chapter_id = ? AND section_id = ?",
        (person_of(sql, e), e.target, e.book_slug, e.chapter_id, e.section_id),
    )


def inbox_read(sql: Sql, e: Watchlist.InboxRead, position: int) -> None:
    sql.execute(
        "UPDATE {s}.tb_inbox_people SET read_up_to = ? WHERE user_id = ?",
        (e.up_to, person_of(sql, e)),
    )


def feed_key_rotated(sql: Sql, e: Watchlist.FeedKeyRotated, position: int) -> None:
    sql.execute(
        "UPDATE {s}.tb_inbox_people SET feed_generation = ?, feed_at = ? WHERE user_id = ?",
        (e.generation, e.timestamp.isoformat(), person_of(sql, e)),
    )


# Who is concerned by what happens to a proposal.


def proposal_row(sql: Sql, proposal_id: str) -> dict[str, Any]:
    row = sql.one("SELECT * FROM {s}.tb_inbox_proposals WHERE proposal_id = ?", (proposal_id,))
    return row or {"proposal_id": proposal_id, "book_slug": "", "author": "", "message": "",
                   "section_id": "", "chapter_id": ""}  # fmt: skip


def follow(sql: Sql, proposal_id: str, user_id: str) -> None:
    sql.execute(
        "INSERT INTO {s}.tb_inbox_followers VALUES (?, ?) ON CONFLICT DO NOTHING",
        (proposal_id, user_id),
    )


def followers(sql: Sql, proposal_id: str) -> list[str]:
    rows = sql.all(
        "SELECT user_id FROM {s}.tb_inbox_followers WHERE proposal_id = ? ORDER BY user_id",
        (proposal_id,),
    )
    return [row["user_id"] for row in rows]


def editors(sql: Sql, slug: str) -> list[str]:
    rows = sql.all(
        "SELECT user_id FROM {s}.tb_inbox_members WHERE book_slug = ?"
        " AND role IN ('editor', 'maintainer') ORDER BY user_id",
        (slug,),
    )
    return [row["user_id"] for row in rows]


def watchers(sql: Sql, proposal: dict[str, Any]) -> list[str]:
    """Who watches the proposal's book, or its chapter, or its section."""
    rows = sql.all(
        "SELECT DISTINCT user_id FROM {s}.tb_inbox_watches WHERE book_slug = ? AND ("
        "target = 'book' OR (target = 'chapter' AND chapter_id = ?)"
        " OR (target = 'section' AND section_id = ?)) ORDER BY user_id",
        (proposal["book_slug"], proposal["chapter_id"], proposal["section_id"]),
    )
    return [row["user_id"] for row in rows]


def quoted(proposal: dict[str, Any]) -> str:
    message = str(proposal["message"] or proposal["section_id"] or "a proposal")
    first = message.splitlines()[0] if message.strip() else "a proposal"
    return f"“{first[:120]}{'…' if len(first) > 120 else ''}”"


def link_to(proposal: dict[str, Any]) -> str:
    return f"/proposals/{proposal['proposal_id']}"


def opened(sql: Sql, e: Proposal.Opened, position: int) -> None:
    proposal_id, slug = str(e.originator_id), e.book_slug
    chapter = e.chapter_id
    if not chapter:
        row = sql.one(
            "SELECT chapter_id FROM {s}.tb_inbox_sections WHERE book_slug = ? AND section_id = ?",
            (slug, e.section_id),
        )
        chapter = "" if row is None else str(row["chapter_id"])
    sql.execute(
        "INSERT INTO {s}.tb_inbox_proposals VALUES (?, ?, ?, ?, ?, ?)",
        (proposal_id, slug, str(e.by), e.message, e.section_id, chapter),
    )
    follow(sql, proposal_id, str(e.by))
    proposal = proposal_row(sql, proposal_id)
    title = f"{name_of(sql, str(e.by))} proposed {quoted(proposal)} in {title_of(sql, slug)}"
    titles = addressed([(editors(sql, slug), title), (watchers(sql, proposal), title)])
    notify(sql, e, position, NEW_PROPOSAL, slug, link_to(proposal), str(e.by), titles)


# For each step of a review: what the author reads, and what others who follow it read.
STEPS = {
    COMMENTED: ("{actor} commented on your proposal {title}", "{actor} commented on {title}"),
    CHANGES_REQUESTED: (
        "{actor} requested changes to your proposal {title}",
        "{actor} requested changes to {title}",
    ),
    APPROVED: ("{actor} approved your proposal {title}", "{actor} approved {title}"),
    REJECTED: ("{actor} rejected your proposal {title}", "{actor} rejected {title}"),
    REVISED: ("{actor} revised your proposal {title}", "{actor} revised {title}"),
    WITHDRAWN: ("{actor} withdrew your proposal {title}", "{actor} withdrew {title}"),
}


def stepped(sql: Sql, e: Proposal.Event, position: int, kind: str) -> None:
    """A step of the review: its author and followers hear of it (and, for an approval, the
    people watching where it goes, and the maintainers of the book's forks)."""
    proposal_id, actor = str(e.originator_id), str(getattr(e, "by", ""))
    proposal = proposal_row(sql, proposal_id)
    slug = proposal["book_slug"]
    words = {"actor": name_of(sql, actor), "title": quoted(proposal)}
    yours, theirs = (template.format(**words) for template in STEPS[kind])
    layers = [([proposal["author"]], yours), (followers(sql, proposal_id), theirs)]
    if kind == APPROVED:
        layers.append((watchers(sql, proposal), f"{theirs} in {title_of(sql, slug)}"))
    notify(sql, e, position, kind, slug, link_to(proposal), actor, addressed(layers))
    if kind in (COMMENTED, CHANGES_REQUESTED, APPROVED, REJECTED):
        answered(sql, proposal_id, actor)
        follow(sql, proposal_id, actor)
    if kind == APPROVED:
        upstream_approved(sql, e, position, proposal, actor)


def commented(sql: Sql, e: Proposal.Commented, position: int) -> None:
    stepped(sql, e, position, COMMENTED)


def changes_requested(sql: Sql, e: Proposal.ChangesRequested, position: int) -> None:
    stepped(sql, e, position, CHANGES_REQUESTED)


def approved(sql: Sql, e: Proposal.Approved, position: int) -> None:
    stepped(sql, e, position, APPROVED)


def rejected(sql: Sql, e: Proposal.Rejected, position: int) -> None:
    stepped(sql, e, position, REJECTED)


def revised(sql: Sql, e: Proposal.Revised, position: int) -> None:
    stepped(sql, e, position, REVISED)


def withdrawn(sql: Sql, e: Proposal.Withdrawn, position: int) -> None:
    stepped(sql, e, position, WITHDRAWN)


def upstream_approved(
    sql: Sql, e: Proposal.Event, position: int, proposal: dict[str, Any], actor: str
) -> None:
    """The maintainers of each fork of the book hear that the upstream changed. Their items
    come after the approval's own (ids from ID_STRIDE // 2), one per fork and maintainer."""
    slug = proposal["book_slug"]
    forks = sql.all(
        "SELECT slug, title FROM {s}.tb_inbox_books WHERE upstream = ? ORDER BY slug", (slug,)
    )
    rows = []
    for fork in forks:
        maintainers = sql.all(
            "SELECT user_id FROM {s}.tb_inbox_members WHERE book_slug = ?"
            " AND role = 'maintainer' ORDER BY user_id",
            (fork["slug"],),
        )
        for found in maintainers:
            if found["user_id"] != actor:
                title = (
                    f"{quoted(proposal)} was approved in {title_of(sql, slug)}, the upstream "
                    f"of your fork {fork['title']}"
                )
                rows.append((found["user_id"], fork["slug"], title))
    sql.executemany(
        "INSERT INTO {s}.tb_inbox VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (item_id(position, ID_STRIDE // 2 + index), person, e.timestamp.isoformat(),
             UPSTREAM_APPROVED, fork_slug, title, f"/books/{fork_slug}/upstream", actor)
            for index, (person, fork_slug, title) in enumerate(rows[: ID_STRIDE // 2])
        ],
    )  # fmt: skip


def review_requested(sql: Sql, e: Proposal.ReviewRequested, position: int) -> None:
    proposal_id, actor, reviewer = str(e.originator_id), str(e.by), str(e.reviewer)
    proposal = proposal_row(sql, proposal_id)
    sql.execute(
        "INSERT INTO {s}.tb_review_requests VALUES (?, ?, ?, ?, 0) ON CONFLICT"
        " (proposal_id, reviewer) DO UPDATE SET by_user = excluded.by_user, at = excluded.at,"
        " answered = 0",
        (proposal_id, reviewer, actor, e.timestamp.isoformat()),
    )
    asked = f"{name_of(sql, actor)} asked you to review {quoted(proposal)}"
    if actor != proposal["author"]:
        mine = f"{name_of(sql, actor)} asked {name_of(sql, reviewer)} to review your proposal"
        layers = [([reviewer], asked), ([proposal["author"]], f"{mine} {quoted(proposal)}")]
    else:
        layers = [([reviewer], asked)]
    notify(
        sql, e, position, REVIEW_REQUESTED, proposal["book_slug"], link_to(proposal), actor,
        addressed(layers),
    )  # fmt: skip
    follow(sql, proposal_id, reviewer)


def answered(sql: Sql, proposal_id: str, reviewer: str) -> None:
    sql.execute(
        "UPDATE {s}.tb_review_requests SET answered = 1 WHERE proposal_id = ? AND reviewer = ?",
        (proposal_id, reviewer),
    )


# Needs: who hears that one was opened or closed.


def need_row(sql: Sql, need_id: str) -> dict[str, Any] | None:
    return sql.one("SELECT * FROM {s}.tb_inbox_needs WHERE need_id = ?", (need_id,))


def need_watchers(sql: Sql, need: dict[str, Any]) -> list[str]:
    """Who watches the need's book, its chapter, or its section."""
    return watchers(
        sql,
        {"book_slug": need["book_slug"], "chapter_id": need["chapter_id"],
         "section_id": need["section_id"] or need["chapter_id"]},
    )  # fmt: skip


def person_named(name: str | None) -> str:
    """The user id of the person a need's event names ("" for an anonymous reader)."""
    return str(ids.user_id(name)) if name else ""


def cut(text: str, limit: int = 120) -> str:
    first = (text.strip().splitlines() or [""])[0]
    return f"{first[:limit]}{'…' if len(first) > limit else ''}"


def need_opened(sql: Sql, e: Need.Opened, position: int) -> None:
    """Who watches where the need is hears of it; so do the book's editors and maintainers of
    a reader's report of an error, so that no report goes unseen."""
    need_id, opener = str(e.originator_id), person_named(e.by)
    sql.execute(
        "INSERT INTO {s}.tb_inbox_needs VALUES (?, ?, ?, ?, ?, ?, ?, '')"
        " ON CONFLICT (need_id) DO NOTHING",
        (need_id, e.book_slug, e.chapter_id, e.section_id or "", e.kind, e.reason, opener),
    )
    need = {"book_slug": e.book_slug, "chapter_id": e.chapter_id, "section_id": e.section_id}
    place = place_of(sql, e.book_slug, e.section_id or e.chapter_id)
    who = e.by or "A reader"
    if e.kind == NeedKind.ERROR:
        kind, title = ERROR_REPORTED, f"{who} reported an error in {place}: “{cut(e.reason)}”"
        layers = [(editors(sql, e.book_slug), title), (need_watchers(sql, need), title)]
    else:
        label = NeedKind(e.kind).label
        what = label[0].lower() + label[1:]
        kind, title = NEED_OPENED, f"{who} marked a need in {place}: {what} (“{cut(e.reason)}”)"
        layers = [(need_watchers(sql, need), title)]
    link = f"/books/{e.book_slug}/needs#need-{need_id}"
    notify(sql, e, position, kind, e.book_slug, link, opener, addressed(layers))


def need_taken(sql: Sql, e: Need.Taken, position: int) -> None:
    sql.execute(
        "UPDATE {s}.tb_inbox_needs SET taker = ? WHERE need_id = ?",
        (person_named(e.by), str(e.originator_id)),
    )


def need_released(sql: Sql, e: Need.Released, position: int) -> None:
    sql.execute(
        "UPDATE {s}.tb_inbox_needs SET taker = '' WHERE need_id = ?", (str(e.originator_id),)
    )


def need_closed(sql: Sql, e: Need.Closed, position: int) -> None:
    """Who took the need, who opened it and who watches where it is hear how it was closed:
    by an editor, saying why, or by the approval of a proposal that answers it."""
    need_id = str(e.originator_id)
    need = need_row(sql, need_id)
    if need is None:
        return
    slug, section = need["book_slug"], need["section_id"] or need["chapter_id"]
    if e.proposal_id is not None:
        message = cut(str(proposal_row(sql, str(e.proposal_id))["message"]))
        how = f"answered by \u2018{message}\u2019" if message else "answered by a proposal"
    else:
        how = f"“{cut(e.reason)}”"
    what, where = f"“{cut(need['reason'])}”", f"in {place_of(sql, slug, section)}: {how}"
    yours = "your report" if need["kind"] == NeedKind.ERROR else "the need you opened"
    layers = [
        ([need["taker"]], f"{e.by} closed the need you took, {what} {where}"),
        ([need["opened_by"]], f"{e.by} closed {yours} {what} {where}"),
        (need_watchers(sql, need), f"{e.by} closed the need {what} {where}"),
    ]
    link = f"/books/{slug}/chapters/{need['chapter_id']}"
    if need["section_id"] and need["section_id"] != need["chapter_id"]:
        link += f"#{need['section_id']}"
    people = addressed(([p for p in found if p], title) for found, title in layers)
    notify(sql, e, position, NEED_CLOSED, slug, link, person_named(e.by), people)
    sql.execute("DELETE FROM {s}.tb_inbox_needs WHERE need_id = ?", (need_id,))
