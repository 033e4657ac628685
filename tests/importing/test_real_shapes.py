"""Shapes real books have that small ones did not (each found importing a published mdBook or
Quarto book; the inputs here are small ones of our own): the same id in several chapters,
headings repeated, mdBook includes, Quarto code cells whose comments looked like headings, and
problems said of the source's own file and line."""

from __future__ import annotations

from pathlib import Path

from tests.importing.sources import DOT
from textbook.importing import Imported, read_source


def mdbook(folder: Path, pages: dict[str, str], summary: str, mathjax: bool = False) -> Path:
    book = folder / "guide"
    (book / "src").mkdir(parents=True)
    config = '[book]\ntitle = "Kites"\nlanguage = "en"\n'
    if mathjax:
        config += "\n[output.html]\nmathjax-support = true\n"
    (book / "book.toml").write_text(config)
    (book / "src" / "SUMMARY.md").write_text(summary)
    for name, text in pages.items():
        (book / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (book / "src" / name).write_text(text)
    return book


def quarto(folder: Path, chapters: dict[str, str], extra: str = "") -> Path:
    book = folder / "kites"
    book.mkdir()
    listed = "".join(f"    - {name}\n" for name in chapters)
    (book / "_quarto.yml").write_text(
        f"book:\n  title: Kites\n  chapters:\n{listed}{extra}lang: en\nlicense: CC-BY-4.0\n"
    )
    for name, text in chapters.items():
        (book / name).write_text(text)
    return book


def sections(imported: Imported) -> list[str]:
    return [s.id for c in imported.book.state.chapters for s in c.sections]


def text_of(imported: Imported) -> str:
    return "\n".join(c.text for c in imported.book.state.chapters)


def warnings(imported: Imported) -> list[str]:
    return [str(problem) for problem in imported.summary.warnings]


def test_an_mdbook_include_used_in_two_chapters_is_brought_into_each(tmp_path: Path) -> None:
    book = mdbook(
        tmp_path,
        {
            "flying.md": "# Flying\n\n## Options\n\n{{#include shared.md}}\n",
            "landing.md": "# Landing\n\n## Options\n\n{{#include shared.md}}\n\n"
            "Write \\{{#include file.md}} to bring a file in.\n\n"
            "```rust\n{{#include code.rs:2:3}}\n```\n\n"
            "```rust\n{{#include code.rs:tail}}\n```\n\n"
            "{{#include ../../outside.md}}\n",
            "shared.md": "The line holds in a steady wind.",
            "code.rs": "fn main() {\n    let spool = 1;\n    let line = 2;\n"
            "    // ANCHOR: tail\n    fly(line);\n    // ANCHOR_END: tail\n}\n",
        },
        "# Summary\n\n- [Flying](flying.md)\n- [Landing](landing.md)\n",
    )
    imported = read_source(book, license="CC-BY-4.0")
    assert sections(imported) == ["flying", "options", "landing", "options-1"]
    text = text_of(imported)
    assert text.count("The line holds in a steady wind.") == 2
    assert "include file.md" in text  # the directive written as text stays text
    assert "let spool = 1;\n    let line = 2;" in text and "fly(line);" in text
    assert "ANCHOR" not in text and "fn main" not in text
    assert warnings(imported) == [
        "src/landing.md:17: the included file '../../outside.md' is outside the book's folder; "
        "left as written"
    ]


def test_the_same_explicit_id_in_two_chapters_gets_two_ids_and_links_follow(
    tmp_path: Path,
) -> None:
    book = mdbook(
        tmp_path,
        {
            "a.md": "# Frames {#intro}\n\n## Setup {#setup}\n\nSpars first.\n",
            "b.md": "# Tails {#intro}\n\n## Setup {#setup}\n\nSee [the frames](#intro).\n",
        },
        "# Summary\n\n- [Frames](a.md)\n- [Tails](b.md)\n",
    )
    imported = read_source(book, license="CC-BY-4.0")
    assert sections(imported) == ["frames", "setup", "tails", "setup-1"]
    assert "[the frames](#frames)" in text_of(imported)
    assert warnings(imported) == []


def test_repeated_headings_and_a_heading_in_a_list_get_ids_unique_in_the_book(
    tmp_path: Path,
) -> None:
    chapters = {
        f"{name}.qmd": f"# {name.title()}\n\n## Exercises\n\nTry it.\n\n"
        "- A list item with a heading:\n\n  # Right\n\n  and text.\n\n## Right\n\nOn the right.\n"
        for name in ("frames", "tails", "right")
    }
    imported = read_source(quarto(tmp_path, chapters))
    ids = sections(imported)
    assert len(ids) == len(set(ids)) == 9
    chapters_ids = [chapter.id for chapter in imported.book.state.chapters]
    assert chapters_ids == ["frames", "tails", "right"]  # a chapter takes its title first
    assert [c.file for c in imported.book.state.chapters] == ["frames.md", "tails.md", "right.md"]


CELLS = """# Plotting {#sec-plotting}

@fig-wind shows the wind, drawn by the code below; @fig-dot is a picture.

```{r}
#| label: fig-wind
#| fig-cap: |
#|   Wind speed by hour.
# Left
plot(wind)
# Right
plot(gusts)
```

```{r}
#| label: fig-dot
#| echo: false
#| fig-cap: A red dot.
knitr::include_graphics("dot.png")
```

```{r}
#| echo: false
secret_setup()
```

## Reading the plot

See @sec-plotting.
"""


def test_quarto_code_cells_are_code_and_their_comments_no_chapters(tmp_path: Path) -> None:
    book = quarto(tmp_path, {"index.qmd": "# Welcome {.unnumbered}\n\nHello.\n", "plot.qmd": CELLS})
    (book / "dot.png").write_bytes(DOT)
    imported = read_source(book)
    state = imported.book.state
    assert [c.id for c in state.chapters] == ["welcome", "plotting"]
    assert sections(imported) == ["welcome", "plotting", "reading-the-plot"]
    text = text_of(imported)
    assert "``` r\n# Left\nplot(wind)\n# Right\nplot(gusts)\n```" in text
    assert "#|" not in text and "secret_setup" not in text
    assert [image.name for image in state.images] == ["dot.png"]
    assert "![A red dot.](images/dot.png)" in text
    assert "[Section](#plotting)" in text  # @sec-plotting follows the chapter's new id
    assert warnings(imported) == [
        "plot.qmd: 1 code cells in 1 file were not run: their code is kept; what running it "
        "prints or draws (figures, tables, output) is not"
    ]


def test_problems_name_the_source_file_and_line(tmp_path: Path) -> None:
    book = quarto(
        tmp_path,
        {
            "one.qmd": "# One\n\nPlain.\n",
            "two.qmd": "# Two\n\nFirst paragraph.\n\n## Later\n\nText.\n\n"
            "As it was said [@nobody1999], see [there](#nowhere).\n",
        },
    )
    imported = read_source(book)
    assert warnings(imported) == [
        "two.qmd:9: the citation '@nobody1999' is not in references.bib",
        "two.qmd:9: the link to '#nowhere' leads nowhere: nothing has that id",
    ]


def test_many_warnings_of_one_kind_in_a_file_are_said_once(tmp_path: Path) -> None:
    icons = "".join(f'Press <i class="icon-{n}"></i> now.\n\n' for n in range(5))
    book = mdbook(
        tmp_path,
        {"a.md": f"# Keys\n\n{icons}Press <kbd>Ctrl</kbd>.\n"},
        "# Summary\n\n- [Keys](a.md)\n",
    )
    imported = read_source(book, license="CC-BY-4.0")
    assert warnings(imported) == [
        "src/a.md:3: raw HTML was left out (5 times, lines 3, 5, 7, 9, 11): "
        '<i class="icon-0">; <i class="icon-1">; <i class="icon-2">; <i class="icon-3">; '
        '<i class="icon-4">'
    ]
    assert "Press `Ctrl`." in text_of(imported)


def test_mdbook_mathjax_delimiters_are_math(tmp_path: Path) -> None:
    book = mdbook(
        tmp_path,
        {"a.md": "# Lift\n\nLift grows as \\\\( v^2 \\\\), not `\\\\( v \\\\)`.\n"},
        "# Summary\n\n- [Lift](a.md)\n",
        mathjax=True,
    )
    text = text_of(read_source(book, license="CC-BY-4.0"))
    assert "as $v^2$, not `\\\\( v \\\\)`" in text
