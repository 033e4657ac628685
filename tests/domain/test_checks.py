"""Text that would publish broken is refused with its line; approvals that break links elsewhere
need an explicit confirmation. Told on the tiny book and the sample book, on real stores."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SAMPLE, event_count, import_folder
from textbook.book_folder import read_book
from textbook.domain.application import Textbook
from textbook.domain.checks import (
    context_of,
    formula_problem,
    problems_in,
    references_broken_by,
)
from textbook.domain.errors import BreaksReferences, ImageMissing, TextProblems
from textbook.projections.queries import Queries

HEAD = "## Counting {#counting}\n\nOne, two, three.\n"


def refused(app: Textbook, tiny: str, body: str) -> TextProblems:
    before = event_count(app)
    with pytest.raises(TextProblems) as caught:
        app.propose_edit(tiny, "counting", HEAD + body, "Broken", by="alice")
    assert event_count(app) == before
    return caught.value


def test_broken_math_is_refused_naming_its_line(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    error = refused(app, tiny, "\nThe sum $\\frac{1}{$ is wrong.\n")
    assert "Line 5: the formula $\\frac{1}{$ is broken" in error.message
    assert [(p.line, p.kind) for p in error.problems] == [(5, "math")]
    assert "three." in queries().section(tiny, "counting").text
    assert queries().proposals(tiny) == []


@pytest.mark.parametrize(
    ("tex", "why"),
    [
        ("x^", "cannot be drawn"),
        ("\\left( x", "cannot be drawn"),
        ("a}", "braces"),
        ("\\begin{matrix} a \\end{pmatrix}", "cannot be drawn"),
        ("\\foo x", "'\\foo' is not a command"),
    ],
)
def test_each_kind_of_broken_formula_is_named(tex: str, why: str) -> None:
    assert why in (formula_problem(tex) or "")


def test_display_math_over_several_lines_names_its_first_line(app: Textbook, tiny: str) -> None:
    error = refused(app, tiny, "\n$$\nx = \\sqrt\n$$\n")
    assert [p.line for p in error.problems] == [5]


def test_dollars_that_are_not_math_math_in_code_and_at_signs_in_addresses_pass(
    app: Textbook, tiny: str
) -> None:
    text = HEAD + "\nIt costs $5 and $6, or \\$7.\n\n`$\\frac{$` and\n\n```\n$x^$\n```\n"
    text += "\nWrite to ada@example.org, [me](https://example.org/@ada) or <https://x.org/@b>.\n"
    assert app.propose_edit(tiny, "counting", text, "Prices", by="alice")


def test_an_unknown_citation_and_a_reference_to_a_missing_label_are_refused(
    app: Textbook, tiny: str
) -> None:
    error = refused(app, tiny, "\nAs shown [@knuth1997; @nobody2020], see @sec-adding.\n")
    assert [(p.line, p.subject) for p in error.problems] == [(5, "nobody2020"), (5, "sec-adding")]
    assert "'@nobody2020' is not in the book's references.bib" in error.message
    assert (
        "Line 5: the reference '@sec-adding' points at no label: "
        "the book has no heading labelled {#sec-adding} (nor {#adding})"
    ) in error.message


@pytest.mark.parametrize(
    ("reference", "kind"),
    [("@fig-growth", "figure"), ("[see @tbl-results]", "table"), ("@eq-bayes", "equation")],
)
def test_each_kind_of_missing_label_is_named(
    app: Textbook, tiny: str, reference: str, kind: str
) -> None:
    error = refused(app, tiny, f"\nAs {reference} shows.\n")
    label = reference.strip("[]").removeprefix("see ").removeprefix("@")
    assert [(p.kind, p.subject) for p in error.problems] == [("reference", label)]
    assert f"the book has no {kind} labelled {{#{label}}}" in error.message


def test_a_new_section_referring_to_a_missing_listing_is_refused(app: Textbook, tiny: str) -> None:
    before = event_count(app)
    text = "## Code {#code}\n\n@lst-bisect shows it.\n"
    with pytest.raises(TextProblems, match=r"no listing labelled \{#lst-bisect\}"):
        app.propose_section(tiny, "first", "measuring", text, "Code", by="alice")
    assert event_count(app) == before


def test_references_to_labels_in_the_book_or_the_text_itself_pass(app: Textbook, tiny: str) -> None:
    text = HEAD + (
        "\nAs @fig-ruler and [@eq-sum; @lst-count] show, see @sec-why and @sec-summing.\n\n"
        "$$ s = n(n+1)/2 $$ {#eq-sum}\n\n"
        '```{#lst-count .python caption="Counting"}\nprint(1)\n```\n\n'
        "### Why {#sec-why}\n\nBecause.\n"
    )
    assert app.propose_edit(tiny, "counting", text, "References", by="alice")


def test_an_edit_that_drops_a_referenced_label_needs_a_confirmation(
    app: Textbook, tiny: str
) -> None:
    reference = "## Summing {#summing}\n\nAs @fig-ruler shows.\n"
    app.review(
        app.propose_edit(tiny, "summing", reference, "", by="alice"), "approve", "", "bob", 1
    )
    text = "## Measuring {#measuring}\n\nNo ruler any more [@knuth1997].\n"
    proposal = app.propose_edit(tiny, "measuring", text, "No figure", by="alice")
    broken = app.references_broken(proposal)
    assert [(b.id, b.section_id, b.line) for b in broken] == [("fig-ruler", "summing", 3)]


def test_a_link_to_a_missing_id_is_refused_and_one_to_any_id_in_the_book_is_not(
    app: Textbook, tiny: str
) -> None:
    error = refused(app, tiny, "\nSee [there](#nowhere) and [here](#summing).\n")
    assert [(p.line, p.subject) for p in error.problems] == [(5, "nowhere")]
    assert "Line 5: the link to '#nowhere' goes nowhere" in error.message
    fine = HEAD + "\nSee [the ruler](#fig-ruler), [this](#counting) and [that](#second).\n"
    assert app.propose_edit(tiny, "counting", fine, "Links", by="alice")


def test_a_heading_without_an_id_is_refused(app: Textbook, tiny: str) -> None:
    error = refused(app, tiny, "\n### Why count {.unnumbered}\n\nBecause.\n")
    assert [(p.line, p.kind, p.subject) for p in error.problems] == [(5, "heading", "Why count")]
    assert "{#an-id}" in error.message


def test_an_id_the_book_already_has_is_refused(app: Textbook, tiny: str) -> None:
    error = refused(
        app, tiny, "\n### Again {#summing}\n\n![A](images/ruler.svg){#fig-a}\n\n[b]{#fig-a}\n"
    )
    assert [(p.line, p.subject) for p in error.problems] == [(5, "summing"), (9, "fig-a")]
    assert "the id 'summing' is already used in section 'summing'" in error.message
    assert "the id 'fig-a' is already used in an earlier line of this text" in error.message


def test_a_missing_image_is_refused_naming_its_line(app: Textbook, tiny: str) -> None:
    before = event_count(app)
    with pytest.raises(ImageMissing, match=r"^Line 5: the text shows images/abacus\.png"):
        app.propose_edit(
            tiny, "counting", HEAD + "\n![An abacus](images/abacus.png)\n", "", "alice"
        )
    assert event_count(app) == before


def test_new_sections_chapters_and_revisions_are_checked_too(app: Textbook, tiny: str) -> None:
    before = event_count(app)
    with pytest.raises(TextProblems, match="Line 3: the formula"):
        app.propose_section(tiny, "first", "", "## New {#new}\n\n$x^$\n", "", by="alice")
    with pytest.raises(TextProblems, match="Line 2: the link to '#gone'"):
        app.propose_chapter(tiny, "", "# Third {#third}\n[x](#gone)\n", "", by="alice")
    assert event_count(app) == before
    proposal = app.propose_edit(tiny, "counting", HEAD + "\nFour.\n", "Four", by="alice")
    before = event_count(app)
    with pytest.raises(TextProblems, match="Line 5: the citation '@who'"):
        app.revise_proposal(proposal, HEAD + "\n[@who]\n", "", by="alice")
    assert event_count(app) == before
    assert app.proposal_info(proposal).version == 1


def test_problems_already_published_do_not_block_an_edit(
    app: Textbook, tiny: str, tmp_path: Path
) -> None:
    """An imported book may hold problems; an author who changes something else is not refused,
    but a new problem of the same text still is."""
    book = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", book)
    first = book / "first.md"
    first.write_text(first.read_text().replace("Four, five, six.", "See [the lost part](#lost)."))
    import_folder(app, book)
    text = HEAD.replace("three", "three, four") + "See [the lost part](#lost).\n"
    assert app.propose_edit(tiny, "counting", text, "Four", by="alice")
    with pytest.raises(TextProblems, match="'#gone'"):
        app.propose_edit(tiny, "counting", text + "\n[x](#gone)\n", "", by="alice")


def test_the_sample_book_has_no_problems() -> None:
    state = read_book(SAMPLE).state
    found = [
        (section.id, str(problem))
        for chapter in state.chapters
        for section in chapter.sections
        for problem in problems_in(section.text, context_of(state, section.id))
    ]
    assert found == []
    assert references_broken_by(state, "conditioning", None)  # linked from several chapters


def test_removing_a_linked_section_needs_a_confirmation(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    proposal = app.propose_removal(tiny, "summing", "Not needed", by="alice")
    broken = app.references_broken(proposal)
    assert [(b.id, b.chapter_id, b.section_id, b.line) for b in broken] == [
        ("summing", "first", "measuring", 3)
    ]
    before = event_count(app)
    with pytest.raises(BreaksReferences, match="#summing is linked from section 'measuring'"):
        app.review(proposal, "approve", "", by="bob", version=1)
    assert event_count(app) == before
    assert queries().section(tiny, "summing").text
    assert app.review(proposal, "approve", "", "bob", 1, break_references=True) == "approved"


def test_an_edit_that_drops_a_linked_id_needs_a_confirmation(
    app: Textbook, tiny: str, queries: Callable[[], Queries]
) -> None:
    link = "## Summing {#summing}\n\nSee [the ruler](#fig-ruler).\n"
    app.review(app.propose_edit(tiny, "summing", link, "", by="alice"), "approve", "", "bob", 1)
    text = "## Measuring {#measuring}\n\nNo ruler any more [@knuth1997].\n"
    proposal = app.propose_edit(tiny, "measuring", text, "No figure", by="alice")
    broken = app.references_broken(proposal)
    assert [(b.id, b.chapter_id, b.section_id, b.line) for b in broken] == [
        ("fig-ruler", "second", "summing", 3)
    ]
    before = event_count(app)
    with pytest.raises(BreaksReferences, match="#fig-ruler is linked from section 'summing'"):
        app.review(proposal, "approve", "", by="bob", version=1)
    assert event_count(app) == before
    assert "ruler.svg" in queries().section(tiny, "measuring").text
    assert app.review(proposal, "approve", "", "bob", 1, break_references=True) == "approved"
    assert queries().section(tiny, "measuring").text == text


def test_math_is_checked_up_to_a_budget_that_says_so() -> None:
    state = read_book(SAMPLE).state
    text = "## Big {#big}\n\n" + "\n\n".join(f"$x_{{{i}}} + {'y' * 100}$" for i in range(250))
    problems = problems_in(text, context_of(state, None))
    assert [p.subject for p in problems] == ["(too much math)"]
    assert "over 20,000 characters of math" in problems[0].message
