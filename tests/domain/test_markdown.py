"""Splitting chapters into sections and joining them back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from textbook.domain.markdown import (
    canonical,
    explicit_ids,
    join_sections,
    parse_heading,
    slugify,
    split_chapter,
    with_heading_id,
)

CHAPTER = """# Numbers {#numbers}

Intro text.

## Adding {#adding}

```python
# not a heading
## not one either
```

## Taking Away

Text.
"""


def test_split_finds_intro_and_sections_but_not_code_comments() -> None:
    chunks = split_chapter(CHAPTER)
    assert [(c.heading.level, c.heading.title, c.heading.id, c.line) for c in chunks] == [
        (1, "Numbers", "numbers", 1),
        (2, "Adding", "adding", 5),
        (2, "Taking Away", None, 12),
    ]
    assert (
        chunks[1].text
        == "## Adding {#adding}\n\n```python\n# not a heading\n## not one either\n```\n"
    )


def test_join_of_split_is_the_canonical_chapter() -> None:
    assert join_sections([c.text for c in split_chapter(CHAPTER)]) == CHAPTER


def test_an_id_written_in_a_code_span_is_no_id() -> None:
    """mdBook's guide writes `{{#include file}}` in running text: no heading id, as pandoc reads
    it (the import refused the guide, saying the id 'include' was used twice)."""
    text = (
        "## Including files {#including}\n\n"
        "Write `{{#include file.rs}}`, or ``{{#include file.rs:2}}`` for one line.\n\n"
        "![A figure](images/a.png){#fig-a}\n"
    )
    assert list(explicit_ids(text)) == [(1, "including"), (5, "fig-a")]


def test_heading_attributes() -> None:
    heading = parse_heading("## Limits {#limits .unnumbered}")
    assert heading is not None and (heading.title, heading.id) == ("Limits", "limits")
    assert with_heading_id("## Limits {.unnumbered}\n\nx\n", "lim") == (
        "## Limits {#lim .unnumbered}\n\nx\n"
    )
    assert with_heading_id("## Limits\n", "lim") == "## Limits {#lim}\n"


def test_slugify_makes_pandoc_like_ids() -> None:
    assert slugify("Über die Interpolation, 2nd try!") == "uber-die-interpolation-2nd-try"
    assert slugify("1.2 Errors") == "section-12-errors"


line = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=40,
).filter(lambda s: not s.lstrip().startswith(("#", "```", "~~~")) and s.strip() == s)
body = st.lists(line, max_size=8).map(lambda lines: "\n".join(lines))
ident = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)


@st.composite
def chapters(draw: st.DrawFn) -> str:
    """A chapter in canonical form: sections separated by one blank line, one final newline."""
    ids = draw(st.lists(ident, min_size=1, max_size=6, unique=True))
    sections = []
    for position, section_id in enumerate(ids):
        marks = "#" if position == 0 else "##"
        text = body.map(lambda b: canonical(b) if b.strip() else "")
        content = draw(text)
        heading = f"{marks} Title {section_id} {{#{section_id}}}\n"
        sections.append(heading + ("\n" + content if content else ""))
    return "\n".join(sections)


@given(chapters())
def test_split_then_join_gives_back_a_canonical_chapter(chapter: str) -> None:
    chunks = split_chapter(chapter)
    assert join_sections([c.text for c in chunks]) == chapter
    assert all(c.heading.id for c in chunks)


@given(st.text(max_size=400))
def test_split_and_join_settle_after_one_round(text: str) -> None:
    once = join_sections([c.text for c in split_chapter(text)])
    twice = join_sections([c.text for c in split_chapter(once)])
    assert twice == once
