"""Any query, however hostile, gives either a clear refusal or results whose text is the book's."""

from __future__ import annotations

import html
import json

import pypandoc
import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from textbook.projections.publishing.html import text_of
from textbook.projections.publishing.search import MAX_QUERY, Index, QueryTooLong

ENTRIES = [
    {
        "chapter": "1. Direct <Methods>",
        "title": "Gaussian & Elimination",
        "href": "direct.html#gaussian-elimination",
        "text": 'Gaussian elimination turns <b>rows</b> into "echelon" form; a/b ≤ α & '
        + "more words " * 40
        + "the end of elimination.",
    },
    {
        "chapter": "2. Iterative",
        "title": "Jacobi Iteration",
        "href": "iterative.html#jacobi",
        "text": "Not every method is elimination: Gaussian ideas return as smoothers.",
    },
]
INDEX = Index(ENTRIES)
WORDS = st.sampled_from(["gaussian", "gausian", "elimnation", "<b>", "&amp;", '"', "α", "rows"])


@given(st.lists(WORDS | st.text(max_size=12), max_size=8).map(" ".join))
def test_every_result_shows_the_books_text_escaped_with_only_marks_in_it(query: str) -> None:
    try:
        results = INDEX.search(query)
    except QueryTooLong:
        assert len(query) > MAX_QUERY or len(query.split()) > 10
        return
    for hit in results.hits:
        entry = next(e for e in ENTRIES if e["href"] == hit.href)
        for shown, source in ((hit.title, entry["title"]), (hit.snippet, entry["text"])):
            tree = BeautifulSoup(str(shown), "html.parser")
            assert {tag.name for tag in tree.find_all()} <= {"mark"}
            assert all(mark.find() is None and mark.get_text() for mark in tree.find_all("mark"))
            assert tree.get_text().strip("…") in source
            assert (
                html.unescape(str(shown)).strip("…").replace("<mark>", "").replace("</mark>", "")
                in source
            )


@pytest.mark.parametrize(
    ("query", "read_as", "found"),
    [
        ("gausian elimnation", "gaussian elimination", 2),
        ('"gausian elimnation"', "“gaussian elimination”", 1),
        ('"elimination gaussian"', "", 1),
        ("zzzzzzzz", "", 0),
        ('""', "", 0),
    ],
)
def test_typos_and_phrases(query: str, read_as: str, found: int) -> None:
    results = INDEX.search(query)
    assert results.read_as == read_as
    assert len(results.hits) == found


def test_search_text_reads_math_as_text_and_leaves_citations_out() -> None:
    markdown = (
        "The ratio $\\frac{a_{ik}}{a_{kk}}$ of entries [@golub2013, chap. 3], "
        "with $\\|r\\| \\le \\varepsilon$ and `x @ A`.\n"
    )
    ast = json.loads(pypandoc.convert_text(markdown, "json", format="markdown"))
    assert text_of(ast["blocks"]) == "The ratio a_ik/a_kk of entries, with ‖r‖ ≤ε and x @ A."
