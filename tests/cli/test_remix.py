"""`textbook remix`, `take` and `mark-source`: a remix from the shell, refused with the reason
when its sources cannot be combined; a section taken into a book; a hand copy marked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.conftest import FIXTURES
from tests.domain.test_copies import ORIGINAL


@pytest.fixture
def books(run: Run, tmp_path: Path) -> None:
    """The tiny book (CC BY) and a copy of it under other ids, CC BY-SA, by mia; alice, bob."""
    for name in ("mia", "alice", "bob"):
        added = run("user", "add", name, "--email", f"{name}@example.org", "--password", "long one")
        assert added.exit_code == 0, added.output
    assert run("import", str(FIXTURES / "tiny"), "--as", "mia").exit_code == 0
    folder = tmp_path / "other"
    shutil.copytree(FIXTURES / "tiny", folder)
    meta = (folder / "book.yaml").read_text().replace("CC-BY-4.0", "CC-BY-SA-4.0")
    (folder / "book.yaml").write_text(meta.replace("title: A Tiny Book", "title: Other").replace(
        "0b5a4c4e", "2d7c6e60"))  # fmt: skip
    for chapter in ("first.md", "second.md"):
        text = (folder / chapter).read_text()
        for name in ("first", "counting", "measuring", "second", "summing", "fig-ruler", "gauss"):
            text = text.replace(f"#{name}", f"#other-{name}")
        heading = "## Counting {#other-counting}\n"
        (folder / chapter).write_text(text.replace(heading, f"{heading}\n{ORIGINAL}\n"))
    assert run("import", str(folder), "--as", "mia").exit_code == 0
    for role, name in (("author", "alice"), ("editor", "bob")):
        assert run("member", "grant", name, "tiny", role).exit_code == 0


def test_a_remix_from_the_shell(run: Run, books: None) -> None:
    made = run("remix", "mixed", "--title", "Mixed", "--take", "tiny:first", "--take",
               "other:other-second", "--as", "alice")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "from tiny, other under CC-BY-SA-4.0: mixed" in made.output
    shown = run("show", "mixed")
    assert "# First Steps {#first}" in shown.output
    assert "# Second Thoughts {#other-second}" in shown.output


def test_an_incompatible_remix_is_refused_with_the_reason(run: Run, books: None) -> None:
    refused = run("remix", "mixed", "--title", "Mixed", "--take", "tiny:first", "--take",
                  "other:other-second", "--license", "CC-BY-4.0", "--as", "alice")  # fmt: skip
    assert refused.exit_code == 2
    assert "ShareAlike" in refused.output
    assert run("show", "mixed").exit_code == 2  # nothing made
    malformed = run("remix", "mixed", "--title", "M", "--take", "tiny", "--as", "alice")
    assert malformed.exit_code == 2
    assert "is not BOOK:CHAPTER or BOOK:SECTION" in malformed.output


def test_a_taken_section_and_a_marked_copy(run: Run, books: None) -> None:
    refused = run("take", "tiny", "--from", "other:other-counting", "--chapter", "second",
                  "--as", "alice")  # fmt: skip
    assert refused.exit_code == 2
    assert "ShareAlike" in refused.output
    remixed = run("remix", "shared", "--title", "Shared", "--take", "other:other-first",
                  "--license", "CC-BY-SA-4.0", "--as", "alice")  # fmt: skip
    assert remixed.exit_code == 0, remixed.output
    run("member", "grant", "bob", "shared", "editor")
    taken = run("take", "shared", "--from", "tiny:summing", "--chapter", "other-first",
                "--as", "alice")  # fmt: skip
    assert taken.exit_code == 0, taken.output
    proposal = taken.output.split()[-1]
    approved = run("review", proposal, "approve", "-m", "Thanks", "--version", "2", "--as", "bob")
    assert approved.exit_code == 0, approved.output
    assert "# Second Thoughts" not in run("show", "shared").output
    assert "## Summing {#summing}" in run("show", "shared").output


def test_a_hand_copy_is_reported_and_waits_for_its_source(
    run: Run, books: None, tmp_path: Path
) -> None:
    copied = tmp_path / "counting.md"
    copied.write_text(f"## Counting {{#counting}}\n\nOne, two.\n\n{ORIGINAL}\n")
    opened = run("propose", "tiny", "counting", str(copied), "-m", "More", "--as", "alice")
    assert opened.exit_code == 0, opened.output
    assert "Copied: paragraph 2 is 100% the same as one of other:other-counting" in opened.output
    proposal = opened.output.split()[-1]
    refused = run("review", proposal, "approve", "-m", "", "--version", "1", "--as", "bob")
    assert refused.exit_code == 2
    assert "without saying so" in refused.output
    marked = run("mark-source", proposal, "other:other-counting", "--as", "alice")
    assert marked.exit_code == 2  # CC BY-SA text cannot go into a CC BY book
    assert "ShareAlike" in marked.output
