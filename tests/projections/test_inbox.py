"""The inbox read model: who hears of what, for a known history; never of their own action;
the same rows after a rebuild."""

from __future__ import annotations

from collections.abc import Callable

from textbook.domain.application import Textbook
from textbook.domain.details import Details
from textbook.projections.inbox import ID_STRIDE
from textbook.projections.queries import Queries
from textbook.projections.runner import rebuild
from textbook.projections.views import ReadModels

EDIT = "## Counting {#counting}\n\nOne, two.\n"
REVISED = "## Counting {#counting}\n\nOne, two, three.\n"


def history(app: Textbook, slug: str) -> str:
    """mallory (no member) watches 'counting'; tess maintains a fork of the book; alice
    proposes, asks bob, bob requests changes, alice revises, carol approves."""
    app.register_user("tess", "tess@example.org", "correct horse")
    app.fork_book(slug, "tiny-course", "tess")
    app.watch("mallory", "section", slug, "counting")
    edit = app.propose_edit(slug, "counting", EDIT, "Shorter counting", "alice")
    app.request_review(edit, "bob", "alice")
    app.review(edit, "request_changes", "Keep three.", "bob")
    app.revise_proposal(edit, REVISED, "Three is back", "alice")
    app.review(edit, "approve", "", "carol", version=2)
    return str(edit)


def titles(queries: Queries, person: str) -> list[str]:
    return [item.title for item in reversed(queries.inbox(person))]


def test_each_person_hears_of_what_concerns_them(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    edit = history(app, tiny)
    found = queries()
    assert titles(found, "alice") == [
        "bob requested changes to your proposal “Shorter counting”",
        "carol approved your proposal “Shorter counting”",
    ]
    assert titles(found, "bob") == [
        "alice proposed “Shorter counting” in A Tiny Book",
        "alice asked you to review “Shorter counting”",
        "alice revised “Shorter counting”",
        "carol approved “Shorter counting”",
    ]
    assert titles(found, "carol") == ["alice proposed “Shorter counting” in A Tiny Book"]
    assert titles(found, "mia") == ["alice proposed “Shorter counting” in A Tiny Book"]
    assert titles(found, "mallory") == [
        "alice proposed “Shorter counting” in A Tiny Book",
        "carol approved “Shorter counting” in A Tiny Book",
    ]
    assert titles(found, "tess") == [
        "“Shorter counting” was approved in A Tiny Book, the upstream of your fork A Tiny Book"
    ]
    (item,) = found.inbox("tess")
    assert (item.kind, item.link, item.book_slug, item.actor) == (
        "upstream_approved",
        "/books/tiny-course/upstream",
        "tiny-course",
        "carol",
    )
    newest = found.inbox("alice")[0]
    assert (newest.kind, newest.link, newest.actor, newest.unread) == (
        "approved",
        f"/proposals/{edit}",
        "carol",
        True,
    )


def test_nobody_hears_of_their_own_action(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    edit = app.propose_edit(tiny, "counting", EDIT, "Mine", "bob")
    app.review(edit, "comment", "A note to myself.", "bob")
    app.watch("bob", "book", tiny)
    app.review(edit, "approve", "", "carol", version=1)
    found = queries()
    assert titles(found, "bob") == ["carol approved your proposal “Mine”"]
    assert titles(found, "carol") == ["bob proposed “Mine” in A Tiny Book"]
    for item in found.inbox_after(0, limit=200):
        assert item.actor != item.person


def test_unread_count_and_marking_read(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    history(app, tiny)
    found = queries()
    assert found.unread_count("bob") == 4
    newest = found.inbox("bob")[0]
    app.mark_inbox_read("bob", newest.id)
    found = queries()
    assert found.unread_count("bob") == 0
    assert not any(item.unread for item in found.inbox("bob"))
    app.review(app.propose_edit(tiny, "summing", "## Summing {#summing}\n\nSums.\n", "S", "alice"),
               "comment", "Hm.", "carol")  # fmt: skip
    assert queries().unread_count("bob") == 1


def test_the_inbox_pages_and_the_mailer_follows_ids_in_order(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    history(app, tiny)
    found = queries()
    everything = found.inbox_after(0, limit=200)
    ids = [item.id for item in everything]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == 11
    assert found.inbox_after(ids[4], limit=3) == everything[5:8]
    page = found.inbox("bob", limit=2)
    assert [item.id for item in found.inbox("bob", before=page[-1].id)] == [
        item.id for item in found.inbox("bob")[2:]
    ]
    assert all(item.id // ID_STRIDE > 0 for item in everything)


def test_a_rebuild_makes_the_same_items(
    app: Textbook, views: ReadModels, tiny: str, queries: Callable[[], Queries]
) -> None:
    history(app, tiny)
    app.mark_inbox_read("bob", queries().inbox("bob")[1].id)
    app.unwatch("mallory", "section", tiny, "counting")
    before = queries().dump()
    assert before["tb_inbox"]
    rebuild(app, views)
    assert Queries(views).dump() == before


def test_review_requests_show_who_asked_whom(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    edit = app.propose_edit(tiny, "counting", EDIT, "Shorter", "alice")
    app.request_review(edit, "bob", "carol")
    found = queries()
    (request,) = found.review_requests(str(edit))
    assert (request.reviewer, request.by, request.answered) == ("bob", "carol", False)
    assert found.asked_of("bob", tiny) == {str(edit)}
    assert titles(found, "alice")[-1] == "carol asked bob to review your proposal “Shorter”"
    app.review(edit, "comment", "Looking.", "bob")
    assert queries().asked_of("bob", tiny) == set()


def test_watching_lists_what_a_person_watches(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.watch("alice", "section", tiny, "summing")
    app.watch("alice", "book", tiny)
    app.watch("alice", "chapter", tiny, "first")
    watched = queries().watching("alice")
    assert [(w.target, w.book_title, w.place) for w in watched] == [
        ("book", "A Tiny Book", ""),
        ("chapter", "A Tiny Book", "first"),
        ("section", "A Tiny Book", "summing"),
    ]


def test_a_chapter_watcher_hears_of_approvals_in_its_sections_until_unwatching(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.watch("mallory", "chapter", tiny, "second")
    summing = "## Summing {#summing}\n\nSums, briefly.\n"
    first = app.propose_edit(tiny, "summing", summing, "Briefer sums", "alice")
    app.review(first, "approve", "", "bob", version=1)
    elsewhere = app.propose_edit(tiny, "counting", EDIT, "Not in chapter two", "alice")
    app.review(elsewhere, "approve", "", "bob", version=1)
    app.unwatch("mallory", "chapter", tiny, "second")
    again = app.propose_edit(tiny, "summing", summing.replace("briefly", "in short"), "S", "alice")
    app.review(again, "approve", "", "bob", version=1)
    assert titles(queries(), "mallory") == [
        "alice proposed “Briefer sums” in A Tiny Book",
        "bob approved “Briefer sums” in A Tiny Book",
    ]


def test_a_readers_report_reaches_the_editors_and_watchers_never_its_email(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.watch("mallory", "chapter", tiny, "second")
    app.watch("alice", "section", tiny, "counting")  # elsewhere: hears nothing of it
    need = app.report_error(
        tiny, "summing", "The sum $\\sum_{i=1}^n i$.", "The bound should be n, not n+1…",
        email="reader@example.org",
    )  # fmt: skip
    found = queries()
    said = "A reader reported an error in 2.1 Summing: “The bound should be n, not n+1…”"
    for person in ("mia", "bob", "carol", "mallory"):
        assert titles(found, person) == [said], person
    assert titles(found, "alice") == []
    (item,) = found.inbox("bob")
    assert (item.kind, item.link, item.actor, item.book_title) == (
        "error_reported",
        f"/books/tiny/needs#need-{need}",
        "",
        "A Tiny Book",
    )
    everything = str(found.dump())
    assert "reader@example.org" not in everything


def test_a_need_marked_and_closed_by_an_approval_tells_the_taker_opener_and_watchers(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.watch("mallory", "book", tiny)
    need = app.mark_need(tiny, "counting", "figure", "Add a figure", "alice")
    app.take_need(need, "carol")
    text = "## Counting {#counting}\n\nOne, two, three.\n\n![Fingers.](images/ruler.svg)\n"
    fix = app.propose_edit(tiny, "counting", text, "Fix the bound", "carol", needs=[need])
    app.review(fix, "approve", "", "bob", version=1)
    found = queries()
    closed = (
        "bob closed the need “Add a figure” in 1.1 Counting: answered by \u2018Fix the bound\u2019"
    )
    assert titles(found, "mallory") == [
        "alice marked a need in 1.1 Counting: a figure (“Add a figure”)",
        "carol proposed “Fix the bound” in A Tiny Book",
        "bob approved “Fix the bound” in A Tiny Book",
        closed,
    ]
    assert titles(found, "carol")[-1] == closed.replace("the need", "the need you took,")
    assert titles(found, "alice")[-1] == closed.replace("the need", "the need you opened")
    assert "closed" not in " ".join(titles(found, "bob"))  # not of their own action
    item = found.inbox("mallory")[0]
    assert (item.kind, item.link, item.actor) == (
        "need_closed",
        "/books/tiny/chapters/first#counting",
        "bob",
    )


def test_a_need_closed_by_an_editor_says_why(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.watch("mallory", "section", tiny, "second")  # the chapter's introduction
    need = app.mark_need(tiny, None, "exercises", "No exercises yet.", "alice", "second")
    app.take_need(need, "mallory")
    app.release_need(need, "mallory")
    app.close_need(need, "They are in the appendix.", "carol")
    found = queries()
    assert titles(found, "mallory") == [
        "alice marked a need in 2. Second Thoughts: exercises (“No exercises yet.”)",
        "carol closed the need “No exercises yet.” in 2. Second Thoughts: "
        "“They are in the appendix.”",
    ]  # released: no longer the taker
    assert titles(found, "alice") == [
        "carol closed the need you opened “No exercises yet.” in 2. Second Thoughts: "
        "“They are in the appendix.”"
    ]
    assert titles(found, "bob") == []  # an editor hears of a reader's report, not of this


def test_the_book_is_named_by_its_title_and_an_empty_feed_by_the_registration(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    found = queries()
    since = found.inbox_since("alice")
    assert since is not None and since.startswith("20")
    assert found.inbox_since("nobody") is None
    app.rotate_feed_key("alice")
    later = queries().inbox_since("alice")
    assert later is not None and later > since
    app.report_error(tiny, "counting", "One, two, three.", "Four is missing.")
    assert queries().inbox("bob")[0].book_title == "A Tiny Book"


def test_a_rebuild_makes_the_same_need_items(
    app: Textbook, views: ReadModels, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.watch("mallory", "book", tiny)
    app.report_error(tiny, "summing", "The sum.", "Off by one.", email="r@example.org")
    need = app.mark_need(tiny, "counting", "figure", "Add a figure", "alice")
    app.take_need(need, "carol")
    app.close_need(need, "Not needed.", "bob")
    before = queries().dump()
    assert len([row for row in before["tb_inbox"] if "need" in str(row)]) >= 3
    rebuild(app, views)
    assert Queries(views).dump() == before


def test_a_retitled_book_is_named_by_its_new_title_in_every_item(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.report_error(tiny, "counting", "One, two, three.", "Four is missing.")
    details = Details("Tiny, Retitled", "", ("Mia",), "", "CC-BY-4.0")
    retitle = app.propose_details(tiny, details, "A better title", "alice")
    app.review(retitle, "approve", "", "bob", version=1)
    found = queries()
    assert {item.book_title for item in found.inbox("carol")} == {"Tiny, Retitled"}
    assert {item.book_title for item in found.inbox_after(0)} == {"Tiny, Retitled"}
