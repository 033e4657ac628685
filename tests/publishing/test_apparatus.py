"""The index gathered from authors' marks: entries, sub-entries, "see" references, sorting and
grouping, page numbers for print; and the marks made safe."""

from __future__ import annotations

from typing import Any

from textbook.projections.publishing import pandoc
from textbook.projections.publishing.apparatus import (
    book_index,
    glossary_of,
    index_html,
    mark_places,
    paged_places,
    with_definitions,
)
from textbook.projections.publishing.sanitize import sanitize
from textbook.projections.publishing.sources import Chapter
from textbook.projections.publishing.tree import defined_ids, nodes

FIRST = """# Equations {#eq}

The [Zeta function]{.index} and [bisection]{index="root finding!bisection"}.
[]{index="Newton-Raphson method" see="Newton's method"} [x]{#idx-1}

## Newton {#newton}

[Newton's method]{.index} and [it]{index="Newton's method"}
[again]{index="root finding!Newton's method"}.
[_underscore_]{.index} [Ångström]{.index} [$\\alpha$-decay]{.index} [1-norm]{.index}
"""
GLOSSARY = """# Glossary {#glossary}

## Secant method {#gls-secant-method}

A method with *no* derivative & <b>tags</b>.
"""


def chapter(text: str, identifier: str, number: int) -> Chapter:
    ast = sanitize(pandoc.parse(text), set())
    mark_places(ast)
    title = identifier.capitalize()
    return Chapter(identifier, number, title, ast, frozenset(defined_ids(ast)))


def spans(ast: dict[str, Any]) -> list[list[Any]]:
    return [node["c"][0] for node in nodes(ast["blocks"]) if node["t"] == "Span"]


def test_marks_keep_their_attributes_through_sanitising_and_get_ids() -> None:
    first = chapter(FIRST + '[y]{index="a" onclick="x()" term="t<b>"}', "eq", 1)
    attrs = spans(first.ast)
    assert attrs[0] == ["idx-2", ["index"], []]  # the author's own idx-1 keeps its id
    assert attrs[1] == ["idx-3", [], [["index", "root finding!bisection"]]]
    assert attrs[2][0] == ""  # a "see" reference marks no place
    assert attrs[-1] == ["idx-11", [], [["index", "a"]]]  # no handler, no markup in a term


def test_entries_sort_and_group_by_letter_with_sub_entries_and_see() -> None:
    groups = book_index([chapter(FIRST, "eq", 1), chapter(GLOSSARY, "glossary", 0)])
    # Accents, leading symbols and math are ignored: "α-decay" sorts as "decay".
    assert [g.letter for g in groups] == ["Symbols and numbers", "A", "D", "N", "R", "U", "Z"]
    assert [e.term for e in groups[0].entries] == ["1-norm"]
    assert [e.term for e in groups[1].entries] == ["\u00c5ngstr\u00f6m"]
    assert [e.term for e in groups[2].entries] == ["\u03b1-decay"]
    newton = groups[3].entries
    assert [e.term for e in newton] == ["Newton-Raphson method", "Newton\u2019s method"]
    assert newton[0].see == ["Newton\u2019s method"] and not newton[0].places
    assert [(p.anchor, p.label) for p in newton[1].places] == [("idx-4", "1.1"), ("idx-5", "1.1")]
    root = groups[4].entries[0]
    assert [s.term for s in root.sub()] == ["bisection", "Newton\u2019s method"]
    assert root.sub()[0].places[0].label == "1"  # the chapter's introduction
    html = index_html(groups, paged_places({"eq--idx-4": 7, "eq--idx-5": 7, "eq--idx-3": 2}))
    assert (
        '<span class="index-term">Newton\u2019s method</span>, <span class="index-locators">'
        in html
    )
    assert '<a href="#eq--idx-4">7</a></span>' in html  # page 7 once, linked to its first place
    assert (
        'Newton-Raphson method</span>, <em class="index-see">see</em> Newton\u2019s method' in html
    )


def test_definitions_show_as_text_never_markup() -> None:
    glossary = glossary_of([chapter(GLOSSARY, "glossary", 0)])
    assert glossary["gls-secant-method"].text == "A method with no derivative & <b>tags</b>."
    link = '<a href="glossary.html#gls-secant-method" class="term">secant</a>'
    shown = with_definitions(f"<p>{link}</p>", glossary, taken={"tip-1"})
    assert 'aria-describedby="tip-2"' in shown and 'id="tip-2"' in shown
    assert "&amp; &lt;b&gt;tags&lt;/b&gt;" in shown
    unknown = '<a href="glossary.html#gls-none" class="term">none</a>'
    assert with_definitions(unknown, glossary) == unknown
