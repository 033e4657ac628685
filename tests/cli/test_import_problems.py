"""A book brought from elsewhere imports with the problems that lose no text, each listed with
its file and line; what would lose or corrupt text is still refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.conftest import FIXTURES


@pytest.fixture
def flawed(tmp_path: Path) -> Path:
    """The tiny book with an unknown citation, a missing image, a dead link and a missing cover."""
    book = tmp_path / "flawed"
    shutil.copytree(FIXTURES / "tiny", book)
    first = book / "first.md"
    text = first.read_text().replace("[@knuth1997]", "[@knuth2097]")
    text = text.replace("images/ruler.svg", "images/compass.svg")
    first.write_text(text.replace("(#summing)", "(#products)"))
    second = book / "second.md"  # a link to the id pandoc gives a heading is no problem
    second.write_text(second.read_text() + "\n### Small Sums\n\nSee [above](#small-sums).\n")
    yaml = book / "book.yaml"
    yaml.write_text(yaml.read_text() + "cover: images/cover.png\n")
    return book


def test_problems_that_lose_no_text_are_listed_and_the_book_is_imported(
    run: Run, flawed: Path
) -> None:
    run("user", "add", "mia", "--email", "mia@example.org", "--password", "long enough")
    result = run("import", str(flawed), "--as", "mia")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        # 9 events, and a need on the task board for each problem in a section's text (3)
        "flawed: imported: 5 sections added, 0 revised, 0 removed (12 events)",
        "4 problems to fix, shown on the book's page (nothing was lost):",
        f"  {flawed}/book.yaml:8: the cover 'images/cover.png' is not an image in the book's"
        " images/ folder; no cover is shown",
        f"  {flawed}/first.md:17: the citation '@knuth2097' is not in references.bib",
        f"  {flawed}/first.md:17: the link to '#products' leads nowhere: nothing has that id",
        f"  {flawed}/first.md:19: the image 'images/compass.svg' does not exist",
    ]
    shown = run("show", "flawed").stdout
    assert "See [the figure](#fig-ruler) and [Summing](#products) [@knuth2097]." in shown
    assert "![A ruler.](images/compass.svg){#fig-ruler}" in shown
    again = run("import", str(flawed), "--as", "mia")
    assert again.stdout.splitlines()[0] == "flawed: unchanged, nothing recorded"
    assert again.stdout.splitlines()[1].startswith("4 problems to fix")


def test_a_heading_inside_an_html_comment_no_longer_refuses_the_chapter(
    run: Run, tmp_path: Path
) -> None:
    book = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", book)
    second = book / "second.md"
    second.write_text(
        second.read_text().replace(
            "## Summing", "<!--\n# An old title, kept as a note\n-->\n\n## Summing"
        )
    )
    run("user", "add", "mia", "--email", "mia@example.org", "--password", "long enough")
    result = run("import", str(book), "--as", "mia")
    assert result.exit_code == 0, result.output
    assert "# An old title, kept as a note" in run("show", "tiny").stdout
