"""Aggregates with long histories start from snapshots: same state, same past."""

from __future__ import annotations

from textbook.domain import ids
from textbook.domain.application import Textbook
from textbook.domain.section import Section


def test_a_section_revised_many_times_loads_from_a_snapshot_with_its_past_intact(
    app: Textbook, tiny: str
) -> None:
    section_id = ids.section_id(tiny, "counting")
    moments = []
    for n in range(1, 61):
        text = f"## Counting {{#counting}}\n\nCounted to {n}.\n"
        proposal = app.propose_edit(tiny, "counting", text, f"Count {n}", by="alice")
        app.review(proposal, "approve", "", by="bob", version=1)
        moments.append(list(app.history(section_id))[-1].timestamp)
    snapshots = list(app.snapshots.get(section_id)) if app.snapshots else []
    assert [s.originator_version for s in snapshots] == [50]
    section: object = app.repository.get(section_id)
    assert isinstance(section, Section)
    assert section.text.endswith("Counted to 60.\n")
    assert section.revision == 61  # the import, then sixty approvals
    # The book as it was, before the snapshot (from the events) and after it (from both).
    for n in (30, 55):
        past = app.book_state(tiny, as_of=moments[n - 1])
        assert past.chapters[0].sections[1].text.endswith(f"Counted to {n}.\n")
