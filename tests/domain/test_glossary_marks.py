"""Terms marked for the glossary must be in it, and index marks must be well formed: shown in the
preview and refused when proposed, like an unknown citation. The glossary is back matter."""

from __future__ import annotations

import pytest

from tests.conftest import event_count
from textbook.domain.application import Textbook
from textbook.domain.checks import Context, problems_in
from textbook.domain.errors import TextProblems
from textbook.domain.glossary import chapter_numbers, term_id

HEAD = "## Counting {#counting}\n\nOne, two, three.\n"
GLOSSARY_IDS = {"gls-secant-method": "glossary-secant", "gls-newtons-method": "glossary-newton"}


def problems(text: str) -> list[tuple[int, str, str]]:
    context = Context(GLOSSARY_IDS, frozenset(), frozenset())
    return [(p.line, p.kind, p.subject) for p in problems_in(text, context)]


def test_a_term_names_its_glossary_entry_by_its_words_or_by_term() -> None:
    assert term_id("Newton's method") == term_id("newton\u2019s  Method") == "gls-newtons-method"
    assert term_id("Runge\u2013Kutta method") == "gls-runge-kutta-method"
    assert term_id("gls-secant-method") == "gls-secant-method"
    text = "The [secant method]{.term} and [Newton's]{term=\"Newton's method\"} agree.\n"
    assert problems(text) == []


def test_a_term_the_glossary_lacks_is_a_problem_with_its_line() -> None:
    text = 'One line.\n\nThe [regula falsi]{.term} and [x]{term="gls-nothing"} method.\n'
    assert problems(text) == [(3, "term", "gls-regula-falsi"), (3, "term", "gls-nothing")]


@pytest.mark.parametrize(
    ("mark", "subject"),
    [
        ('[x]{index="a!b!c"}', "a!b!c"),
        ('[x]{index="root finding!"}', "root finding!"),
        ("[]{.index}", ""),
        ('[]{index="roundoff" see=""}', "roundoff"),
    ],
)
def test_a_malformed_index_mark_is_a_problem(mark: str, subject: str) -> None:
    assert problems(f"Text {mark} here.\n") == [(1, "index", subject)]


def test_well_formed_index_marks_and_marks_in_code_are_no_problem() -> None:
    text = (
        "[Newton's method]{.index} and [it]{index=\"root finding!Newton's method\"}, "
        '[]{index="Newton-Raphson method" see="Newton\'s method"} and [x]{.term .index}'
        "[y]{.note}.\n\n`[z]{.term}`\n\n```\n[w]{.term}\n```\n"
    )
    assert problems(text) == [(1, "term", "gls-x")]


def test_a_proposal_with_an_unknown_term_is_refused_and_one_with_its_entry_passes(
    app: Textbook, tiny: str
) -> None:
    before = event_count(app)
    with pytest.raises(TextProblems) as caught:
        app.propose_edit(tiny, "counting", HEAD + "\nBy [bisection]{.term}.\n", "Term", by="alice")
    assert event_count(app) == before
    assert "Line 5: the term 'bisection' is not in the glossary" in caught.value.message
    entry = "\n### Bisection {#gls-bisection}\n\nHalving a bracket.\n"
    text = HEAD + "\nBy [bisection]{.term}.\n" + entry
    assert app.propose_edit(tiny, "counting", text, "Term", by="alice")


def test_the_glossary_has_no_number_and_the_chapters_keep_theirs() -> None:
    assert chapter_numbers(["a", "b", "glossary"]) == [1, 2, 0]
    assert chapter_numbers(["a", "glossary", "b"]) == [1, 0, 2]
