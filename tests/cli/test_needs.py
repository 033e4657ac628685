"""Needs at the command line: an editor marks what a section and a chapter need, an author
takes one, a proposal answers it and its approval closes it; refusals change nothing."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run
from tests.conftest import FIXTURES, event_count
from textbook.config import Settings
from textbook.storage import open_textbook


def setup(run: Run) -> None:
    for name in ("mia", "bob", "carol", "dave"):
        added = run("user", "add", name, "--email", f"{name}@example.org", "--password", "pw123456")
        assert added.exit_code == 0, added.output
    assert run("import", str(FIXTURES / "tiny"), "--as", "mia").exit_code == 0
    run("member", "grant", "bob", "tiny", "editor", "--as", "mia")
    run("member", "grant", "carol", "tiny", "author", "--as", "mia")


def last_word(output: str) -> str:
    return output.strip().split("\n")[-1].split()[-1]


def test_needs_marked_taken_answered_and_closed(run: Run, tmp_path: Path) -> None:
    setup(run)
    marked = run(
        "need", "mark", "tiny", "counting", "--kind", "example",
        "--reason", "A worked example.", "--as", "bob",
    )  # fmt: skip
    assert marked.exit_code == 0, marked.output
    section_need = last_word(marked.stdout)
    marked = run(
        "need", "mark", "tiny", "--chapter", "second", "--kind", "stub",
        "--reason", "Counting backwards.", "--as", "carol",
    )  # fmt: skip
    assert marked.exit_code == 0, marked.output
    chapter_need = last_word(marked.stdout)

    board = run("needs", "tiny")
    assert board.exit_code == 0, board.output
    assert f"{section_need}  example" in board.stdout and "A worked example." in board.stdout
    assert f"{chapter_need}  stub" in board.stdout and "second (chapter)" in board.stdout
    assert chapter_need not in run("needs", "tiny", "--kind", "example").stdout
    assert section_need not in run("needs", "tiny", "--chapter", "second").stdout

    taken = run("need", "take", section_need, "--as", "carol")
    assert taken.exit_code == 0, taken.output
    assert "carol is on it" in run("needs", "tiny", "--taken").stdout
    assert section_need not in run("needs", "tiny", "--free").stdout
    released = run("need", "release", section_need, "--as", "carol")
    assert released.exit_code == 0, released.output
    assert section_need in run("needs", "tiny", "--free").stdout

    # A proposal says it answers the section's need; its approval closes it.
    text = tmp_path / "counting.md"
    text.write_text("## Counting {#counting}\n\nOne, two, three: 1 + 1 + 1 = 3.\n")
    proposed = run(
        "propose", "tiny", "counting", str(text), "-m", "An example",
        "--answers", section_need, "--as", "carol",
    )  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    proposal = last_word(proposed.stdout)
    approved = run("review", proposal, "approve", "--version", "1", "--as", "bob")
    assert approved.exit_code == 0, approved.output
    assert section_need not in run("needs", "tiny").stdout

    closed = run("need", "close", chapter_need, "--reason", "Not needed.", "--as", "bob")
    assert closed.exit_code == 0, closed.output
    assert run("needs", "tiny").stdout == ""


def test_refusals_change_nothing(run: Run, settings: Settings) -> None:
    setup(run)
    marked = run(
        "need", "mark", "tiny", "counting", "--kind", "figure", "--reason", "A plot.", "--as", "bob"
    )
    need = last_word(marked.stdout)
    app = open_textbook(settings)
    try:
        before = event_count(app)
        refusals = {
            # Not a member of the book.
            ("need", "mark", "tiny", "counting", "--kind", "figure", "--reason", "Mine.",
             "--as", "dave"): "dave",
            # Neither a section nor a chapter, or both.
            ("need", "mark", "tiny", "--kind", "figure", "--reason", "Where?", "--as", "bob"):
                "Name a section",
            ("need", "mark", "tiny", "counting", "--chapter", "first", "--kind", "figure",
             "--reason", "Both.", "--as", "bob"): "Name a section",
            # A blank reason, a need id that is not one, an author closing, nobody acting.
            ("need", "mark", "tiny", "counting", "--kind", "figure", "--reason", " ",
             "--as", "bob"): "reason is empty",
            ("need", "take", "nope", "--as", "carol"): "not a need id",
            ("need", "close", need, "--reason", "Done.", "--as", "carol"): "carol",
            ("need", "take", need): "--as NAME",
            ("need", "release", need, "--as", "carol"): "",
        }  # fmt: skip
        for args, said in refusals.items():
            refused = run(*args)
            assert refused.exit_code == 2, (args, refused.output)
            assert refused.stderr.startswith("Error: ") and said in refused.stderr, refused.stderr
        assert event_count(app) == before
    finally:
        app.close()
    assert run("needs", "tiny", "--kind", "poetry").exit_code == 2
    assert run("needs", "nowhere").exit_code == 2
    assert run("need", "mark", "tiny", "counting", "--kind", "error", "--reason", "x",
               "--as", "bob").exit_code == 2  # fmt: skip
