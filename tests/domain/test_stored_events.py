"""Events are a schema stored forever: events written by version 1 still load and project."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from textbook.domain.application import Textbook
from textbook.projections.queries import Queries

FIXTURE = Path(__file__).parent.parent / "fixtures" / "events-v1.jsonl"


def load_v1_events(app: Textbook) -> int:
    stored = []
    for line in FIXTURE.read_text().splitlines():
        event = json.loads(line)
        state = json.dumps(event["state"], separators=(",", ":")).encode()
        if app.mapper.compressor is not None:
            state = app.mapper.compressor.compress(state)
        stored.append(
            StoredEvent(
                originator_id=UUID(event["originator_id"]),
                originator_version=event["originator_version"],
                topic=event["topic"],
                state=state,
            )
        )
    app.recorder.insert_events(stored)
    return len(stored)


def test_version_1_events_still_give_the_same_book(
    app: Textbook, queries: Callable[[], Queries]
) -> None:
    assert load_v1_events(app) == 25
    state = app.book_state("tiny")
    assert [c.id for c in state.chapters] == ["first", "second"]
    assert [s.id for s in state.chapters[1].sections] == ["second", "summing", "products"]
    assert "One to five." in state.markdown()
    history = queries().history("tiny", "counting")
    assert [(r.revision, r.author, r.approver) for r in history] == [
        (1, "operator", "operator"),
        (2, "alice", "bob"),
    ]
    assert app.user("alice").tokens != {}
    assert [t.kind for t in queries().thread(str(history[1].proposal_id))] == [
        "opened",
        "changes_requested",
        "revised",
        "approved",
    ]


def test_version_1_proposals_count_their_versions_and_old_approvals_name_none(
    app: Textbook, queries: Callable[[], Queries]
) -> None:
    """Proposals stored before versions existed: each Revised still counts as a new version,
    and an approval stored then reads as version 0, which no proposal has."""
    load_v1_events(app)
    revised = queries().history("tiny", "counting")[1].proposal_id
    assert revised is not None
    info = app.proposal_info(UUID(revised))
    assert (info.status, info.version) == ("approved", 2)
    approvals = [e for e in app.history(UUID(revised)) if type(e).__name__ == "Approved"]
    assert [(e.revision, e.version) for e in approvals] == [(2, 0)]
    view = queries().proposal(revised)
    assert view.version == 2
    assert queries().proposal_text(revised, 2) == view.text
    assert queries().proposal_text(revised, 1) != view.text


def test_version_1_books_read_the_newer_metadata_fields_as_empty(
    app: Textbook, queries: Callable[[], Queries]
) -> None:
    """Books stored before authors, editors, publisher, ISBN and cover existed."""
    load_v1_events(app)
    metadata = app.book_state("tiny").metadata
    newer = {key: metadata[key] for key in ("authors", "editors", "publisher", "isbn", "cover")}
    assert newer == {"authors": [], "editors": [], "publisher": "", "isbn": "", "cover": ""}
    outline = queries().outline("tiny")
    assert (outline.authors, outline.editors, outline.problems) == ((), (), ())
    assert outline.licence.name == "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    assert queries().book_state("tiny").metadata == metadata
