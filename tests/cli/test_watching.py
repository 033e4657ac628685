"""Watching, the inbox and review requests at the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.conftest import FIXTURES
from textbook.config import Settings
from textbook.storage import open_textbook


@pytest.fixture(autouse=True)
def people(run: Run) -> None:
    """mia imports the tiny book; alice is its author, bob its editor; mallory only reads."""
    run("user", "add", "mia", "--email", "mia@example.org", "--password", "long enough")
    assert run("import", str(FIXTURES / "tiny"), "--as", "mia").exit_code == 0
    for name, role in (("alice", "author"), ("bob", "editor"), ("mallory", None)):
        run("user", "add", name, "--email", f"{name}@example.org", "--password", "pw123456")
        if role:
            assert run("member", "grant", name, "tiny", role).exit_code == 0


def propose(run: Run, tmp_path: Path, message: str) -> str:
    new_text = tmp_path / "summing.md"
    new_text.write_text("## Summing {#summing}\n\nThe sum of the first n numbers.\n")
    proposed = run("propose", "tiny", "summing", str(new_text), "-m", message, "--as", "alice")
    assert proposed.exit_code == 0, proposed.output
    return proposed.stdout.split()[-1]


def test_watching_a_chapter_brings_its_proposals_and_needs_to_the_inbox(
    run: Run, tmp_path: Path, settings: Settings
) -> None:
    watched = run("watch", "tiny/second", "--as", "mallory")
    assert (watched.exit_code, watched.stdout) == (0, "mallory watches the chapter tiny/second\n")
    assert run("watch", "tiny/counting", "--as", "mallory").stdout == (
        "mallory watches the section tiny/counting\n"
    )
    propose(run, tmp_path, "Say what n is")
    app = open_textbook(settings)
    try:
        app.report_error("tiny", "summing", "The sum.", "n is never said.", "r@example.org")
    finally:
        app.close()
    listed = run("inbox", "--as", "mallory")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert [line[:2] for line in lines] == ["* ", "* "]
    assert (
        "A reader reported an error in 2.1 Summing: “n is never said.”  (A Tiny Book)" in (lines[0])
    )
    assert lines[0].endswith("/books/tiny/needs#need-" + lines[0].rsplit("#need-", 1)[-1])
    assert "alice proposed “Say what n is” in A Tiny Book  (A Tiny Book)  /proposals/" in lines[1]
    assert "r@example.org" not in listed.stdout
    # Marked read, the items stay, without their mark.
    assert run("inbox", "--mark-read", "--as", "mallory").exit_code == 0
    assert [line[:2] for line in run("inbox", "--as", "mallory").stdout.splitlines()] == [
        "  ",
        "  ",
    ]
    # Unwatched, the chapter brings nothing more; the section is still watched.
    assert run("unwatch", "tiny/second", "--as", "mallory").stdout == (
        "mallory no longer watches the chapter tiny/second\n"
    )
    propose(run, tmp_path, "Another try")
    assert len(run("inbox", "--as", "mallory").stdout.splitlines()) == 2


def test_asking_an_editor_to_review_reaches_their_inbox(run: Run, tmp_path: Path) -> None:
    proposal = propose(run, tmp_path, "Say what n is")
    asked = run("ask-review", proposal, "bob", "--as", "alice")
    said = f"alice asked bob to review proposal {proposal}\n"
    assert (asked.exit_code, asked.stdout) == (0, said)
    listed = run("inbox", "--limit", "1", "--as", "bob").stdout
    assert listed.startswith("* ") and "alice asked you to review “Say what n is”" in listed
    assert listed.rstrip().endswith(f"/proposals/{proposal}")
    # Refusals: one line on stderr, status 2, nothing changed.
    refused = [
        (("ask-review", proposal, "mallory", "--as", "alice"), "not an editor"),
        (("ask-review", proposal, "bob", "--as", "alice"), "already"),
        (("ask-review", "not-an-id", "bob", "--as", "alice"), "is not a proposal id"),
        (("ask-review", proposal, "bob"), "--as NAME"),
        (("watch", "tiny/nowhere", "--as", "mallory"), "nowhere"),
        (("watch", "ghost-book", "--as", "mallory"), "ghost-book"),
        (("watch", "tiny", "--as", "ghost"), "There is no user 'ghost'"),
        (("inbox", "--as", "ghost"), "There is no user 'ghost'"),
        (("inbox",), "--as NAME"),
    ]
    for args, said in refused:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert said in result.stderr and result.stderr.startswith("Error: "), (args, result.stderr)
    assert run("inbox", "--as", "mallory").stdout == ""
    bad = run("watch", "tiny", "--target", "shelf", "--as", "mallory")
    assert bad.exit_code == 2 and "'shelf' is not one of 'book', 'chapter', 'section'" in bad.stderr
    assert len(run("inbox", "--limit", "50", "--as", "bob").stdout.splitlines()) == 2
