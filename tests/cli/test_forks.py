"""Forks at the command line: fork, see what changed upstream, sync, and offer a change back."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run
from tests.conftest import FIXTURES, event_count
from textbook.config import Settings
from textbook.storage import open_textbook


def proposal_of(output: str) -> str:
    return output.strip().split("\n")[-1].split()[-1]


def test_fork_upstream_sync_and_offer(run: Run, settings: Settings, tmp_path: Path) -> None:
    for name in ("mia", "bob", "tess", "uma"):
        added = run("user", "add", name, "--email", f"{name}@example.org", "--password", "pw123456")
        assert added.exit_code == 0, added.output
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    run("member", "grant", "bob", "tiny", "editor")

    forked = run("fork", "tiny", "tiny-course", "--as", "tess", "--title", "A Tiny Course")
    assert forked.exit_code == 0, forked.output
    assert forked.stdout.startswith("tiny-course: forked from tiny: 5 sections, 1 images")
    run("member", "grant", "uma", "tiny-course", "editor", "--as", "tess")
    assert run("upstream", "tiny-course").stdout == "tiny-course: up to date with tiny\n"

    # The upstream changes a line of code; the fork its first line: both merge.
    upstream_text = tmp_path / "upstream.md"
    upstream_text.write_text(
        "## Counting {#counting}\n\nOne, two, three.\nFour, five, six.\n\n```python\n"
        "# a comment, not a heading\nprint(2 + 2)\n```\n"
    )
    proposed = run("propose", "tiny", "counting", str(upstream_text), "-m", "Sum", "--as", "mia")
    run(
        "review", proposal_of(proposed.stdout), "approve", "-m", "", "--version", "1", "--as", "bob"
    )
    fork_text = tmp_path / "fork.md"
    fork_text.write_text(
        "## Counting {#counting}\n\nUn, deux, trois.\nFour, five, six.\n\n```python\n"
        "# a comment, not a heading\nprint(1 + 1)\n```\n"
    )
    proposed = run("propose", "tiny-course", "counting", str(fork_text), "-m", "Fr", "--as", "tess")
    approved = run(
        "review", proposal_of(proposed.stdout), "approve", "-m", "", "--version", "1", "--as", "uma"
    )
    assert approved.exit_code == 0, approved.output

    listed = run("upstream", "tiny-course")
    assert listed.exit_code == 0, listed.output
    assert "changed   counting (Counting): revision 1 -> 2; merges with this book's own" in (
        listed.stdout
    )
    assert "-print(1 + 1)\n+print(2 + 2)\n" in listed.stdout

    refused = run("sync", "tiny-course", "--as", "mia")  # no member of the fork
    assert refused.exit_code == 2
    assert refused.stderr == "Error: mia is not an editor of the book 'tiny-course'.\n"
    synced = run("sync", "tiny-course", "--as", "uma")
    assert synced.exit_code == 0, synced.output
    assert synced.stdout.endswith(
        "tiny-course: 1 proposed, 0 recorded, 0 conflicts to resolve, 0 refused\n"
    )
    proposal = synced.stdout.split("\n")[0].split()[-1]
    run("review", proposal, "approve", "-m", "", "--version", "1", "--as", "tess")
    shown = run("show", "tiny-course").stdout
    assert "Un, deux, trois.\n" in shown and "print(2 + 2)" in shown

    # The fork's own line goes back upstream as a proposal there, reviewed by its editor.
    app = open_textbook(settings)
    try:
        before = event_count(app)
        refused = run("offer", "tiny-course", "counting", "--as", "uma")  # no member upstream
        assert refused.exit_code == 2
        assert refused.stderr == "Error: uma is not a member of the book 'tiny'.\n"
        assert event_count(app) == before
    finally:
        app.close()
    offered = run("offer", "tiny-course", "counting", "--as", "mia")
    assert offered.exit_code == 0, offered.output
    assert offered.stdout.startswith("tiny: counting offered, for its editors to review: ")
    reviewed = run(
        "review", proposal_of(offered.stdout), "approve", "-m", "", "--version", "1", "--as", "bob"
    )
    assert reviewed.exit_code == 0, reviewed.output
    assert "Un, deux, trois.\n" in run("show", "tiny").stdout


def test_a_book_that_allows_no_derivatives_is_not_forked(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    run("user", "add", "mia", "--email", "mia@example.org", "--password", "pw123456")
    folder = tmp_path / "nd"
    folder.mkdir()
    for path in (FIXTURES / "tiny").rglob("*"):
        if path.is_file():
            target = folder / path.relative_to(FIXTURES / "tiny")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (folder / "book.yaml").write_text(
        (folder / "book.yaml").read_text().replace("CC-BY-4.0", "CC-BY-ND-4.0")
    )
    imported = run("import", str(folder), "--as", "mia")
    assert imported.exit_code == 0, imported.output
    refused = run("fork", "nd", "nd-copy", "--as", "mia")  # the slug is the folder's name
    assert refused.exit_code == 2
    assert refused.stderr == (
        "Error: “A Tiny Book” cannot be adapted: its licence, Creative Commons Attribution No"
        " Derivatives 4.0 International (CC BY-ND 4.0), allows no derivatives: it may be shared"
        " only as it is, so it cannot be forked, remixed or adapted.\n"
    )
    assert "no book 'nd-copy'" in run("show", "nd-copy").stderr
