"""A fork begins as a copy of another book's approved state and remembers where each section's
text came from; a licence that allows no derivatives refuses it, saying why, and changes nothing.
Text marked as taken from another book carries its source into the section when approved."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, event_count, import_folder
from textbook.domain import licences
from textbook.domain.application import Textbook
from textbook.domain.errors import InvalidInput, LicenceRefused, SlugTaken
from textbook.domain.section import Source
from textbook.projections.queries import Queries


def book_with_licence(
    app: Textbook, tmp_path: Path, slug: str, licence: str, by: str = "mia"
) -> str:
    folder = tmp_path / slug
    shutil.copytree(FIXTURES / "tiny", folder)
    text = (folder / "book.yaml").read_text().replace("CC-BY-4.0", licence)
    (folder / "book.yaml").write_text(text.replace("0b5a4c4e", "1c6b5d5f"))
    import_folder(app, folder, by=by)
    return slug


def test_a_fork_copies_the_approved_state_and_records_its_upstream(
    app: Textbook, tiny: str
) -> None:
    app.register_user("tess", "tess@example.org", "correct horse")
    upstream = app.book(tiny)
    report = app.fork_book(tiny, "tiny-course", by="tess", title="A Tiny Course")

    fork = app.book("tiny-course")
    assert report.sections == len(upstream.section_ids()) > 0
    assert fork.title == "A Tiny Course"
    assert fork.licence == upstream.licence
    assert fork.metadata["identifier"] != upstream.metadata["identifier"]
    assert fork.metadata["authors"] == upstream.metadata.get("authors")
    assert fork.outline == upstream.outline
    assert fork.role_of(app.user("tess").id) == "maintainer"
    assert fork.role_of(app.user("mia").id) is None  # its own members
    assert fork.upstream is not None
    assert fork.upstream["slug"] == tiny
    assert fork.upstream["version"] == upstream.version
    assert 0 < fork.upstream["position"] <= event_count(app)
    for section_id in upstream.section_ids():
        source, taken_at = app.section_source("tiny-course", section_id)
        original = app._live_section(upstream, section_id)
        assert source == Source(tiny, section_id, original.revision, "CC-BY-4.0")
        assert taken_at == 1
        assert app._live_section(fork, section_id).text == original.text


def test_a_book_whose_licence_allows_no_derivatives_is_not_forked(
    app: Textbook, tiny: str, tmp_path: Path
) -> None:
    app.register_user("tess", "tess@example.org", "correct horse")
    nd = book_with_licence(app, tmp_path, "tiny-nd", "CC-BY-ND-4.0")
    before = event_count(app)
    with pytest.raises(LicenceRefused) as refused:
        app.fork_book(nd, "tiny-copy", by="tess")
    assert "allows no derivatives" in str(refused.value)
    assert "CC BY-ND 4.0" in str(refused.value)
    assert event_count(app) == before

    with pytest.raises(SlugTaken):
        app.fork_book(tiny, nd, by="tess")
    with pytest.raises(InvalidInput):
        app.fork_book(tiny, "Not A Slug", by="tess")
    assert event_count(app) == before


def test_text_marked_as_taken_records_its_source_when_approved(
    app: Textbook, tiny: str, tmp_path: Path
) -> None:
    sa = book_with_licence(app, tmp_path, "tiny-sa", "CC-BY-SA-4.0")
    nc = book_with_licence(app, tmp_path, "tiny-nc", "CC-BY-NC-4.0")
    # A ShareAlike section cannot go into a CC BY book; a CC BY one can.
    proposal = app.propose_section(
        tiny, "first", "", "## Borrowed {#borrowed}\n\nBorrowed words.\n", "Borrow", "alice"
    )
    before = event_count(app)
    with pytest.raises(LicenceRefused) as refused:
        app.mark_source(proposal, sa, "counting", by="alice")
    assert "ShareAlike" in str(refused.value)
    with pytest.raises(LicenceRefused):
        app.mark_source(proposal, nc, "counting", by="alice")
    with pytest.raises(InvalidInput):
        app.mark_source(proposal, tiny, "counting", by="alice", source_revision=9)
    assert event_count(app) == before

    free = book_with_licence(app, tmp_path, "tiny-free", "CC0-1.0")
    source = app.mark_source(proposal, free, "counting", by="alice")
    assert source == Source(free, "counting", 1, "CC0-1.0")
    with pytest.raises(Exception, match="version"):
        app.review(proposal, "approve", "", "bob", version=1)  # marking made version 2
    app.review(proposal, "approve", "", "bob", version=2)
    assert app.section_source(tiny, "borrowed") == (source, 1)


@pytest.mark.parametrize(
    ("sources", "result"),
    [
        (["CC-BY-4.0", "CC0-1.0", "MIT"], "CC-BY-4.0"),
        (["CC-BY-4.0", "CC-BY-SA-4.0"], "CC-BY-SA-4.0"),
        (["CC-BY-SA-3.0", "CC-BY-SA-4.0"], "CC-BY-SA-4.0"),
        (["CC-BY-NC-4.0", "CC-BY-4.0"], "CC-BY-NC-4.0"),
        (["CC-BY-NC-4.0", "CC-BY-NC-SA-4.0"], "CC-BY-NC-SA-4.0"),
        (["MIT OR CC-BY-ND-4.0", "CC-BY-SA-4.0"], "CC-BY-SA-4.0"),
    ],
)
def test_the_licence_a_remix_goes_out_under(sources: list[str], result: str) -> None:
    assert licences.licence_for(sources) == result


@pytest.mark.parametrize(
    ("sources", "reason"),
    [
        (["CC-BY-SA-4.0", "CC-BY-NC-SA-4.0"], "ShareAlike"),
        (["CC-BY-SA-4.0", "CC-BY-NC-4.0"], "cannot be combined"),
        (["CC-BY-ND-4.0"], "no derivatives"),
        (["LicenseRef-Proprietary"], "not one whose terms"),
    ],
)
def test_licences_that_cannot_be_combined_are_refused_with_the_reason(
    sources: list[str], reason: str
) -> None:
    with pytest.raises(LicenceRefused) as refused:
        licences.licence_for(sources)
    assert reason in str(refused.value)


def test_the_read_models_know_forks_and_taken_text(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.register_user("tess", "tess@example.org", "correct horse")
    assert queries().upstream(tiny) is None
    app.fork_book(tiny, "tiny-course", by="tess")
    upstream = queries().upstream("tiny-course")
    assert upstream is not None
    assert (upstream.slug, upstream.title, upstream.forked_by) == (tiny, "A Tiny Book", "tess")
    assert [fork.slug for fork in queries().forks(tiny)] == ["tiny-course"]
    taken = queries().taken("tiny-course")
    assert {t.section_id for t in taken} == set(app.book(tiny).section_ids())
    assert {(t.source_book, t.at_revision, t.licence) for t in taken} == {(tiny, 1, "CC-BY-4.0")}
