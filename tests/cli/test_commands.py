"""The textbook command, as a maintainer, authors and editors use it."""

from __future__ import annotations

import filecmp
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from tests.cli.conftest import Run
from tests.conftest import FIXTURES, SAMPLE
from textbook.config import Settings
from textbook.storage import open_textbook


def same_tree(left: Path, right: Path) -> bool:
    """True if both folders hold the same files with the same bytes."""
    comparison = filecmp.dircmp(left, right)
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(same_tree(left / d, right / d) for d in comparison.common_dirs)


@pytest.fixture(autouse=True)
def maintainer(run: Run) -> None:
    """mia, who imports the books in these stories (imported text is credited to a person)."""
    added = run("user", "add", "mia", "--email", "mia@example.org", "--password", "long enough")
    assert added.exit_code == 0, added.output


def last_word(output: str) -> str:
    return output.strip().split("\n")[-1].split()[-1]


@pytest.mark.parametrize("book", [FIXTURES / "tiny", SAMPLE], ids=["tiny", "sample"])
def test_import_then_export_is_byte_identical(run: Run, tmp_path: Path, book: Path) -> None:
    result = run("import", str(book), "--as", "mia")
    assert result.exit_code == 0, result.output
    assert f"{book.name}: imported:" in result.stdout
    exported = run("export", book.name, str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output
    assert same_tree(book, tmp_path / "out")


def test_imported_text_is_credited_to_the_person_who_imports(run: Run) -> None:
    anonymous = run("import", str(FIXTURES / "tiny"))
    assert anonymous.exit_code == 2
    assert "Missing option '--as'" in anonymous.stderr
    unknown = run("import", str(FIXTURES / "tiny"), "--as", "nobody")
    assert (unknown.exit_code, unknown.stderr) == (2, "Error: There is no user 'nobody'.\n")
    assert run("show", "tiny").exit_code == 2  # nothing was imported
    assert run("import", str(FIXTURES / "tiny"), "--as", "mia").exit_code == 0
    history = run("history", "tiny", "summing").stdout
    assert "by mia, approved by mia (import)" in history
    assert "operator" not in history


def test_reimporting_an_unchanged_book_adds_no_events(run: Run) -> None:
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    again = run("import", str(FIXTURES / "tiny"), "--as", "mia")
    assert again.exit_code == 0
    assert again.stdout == "tiny: unchanged, nothing recorded\n"


def test_reimporting_a_changed_book_records_approved_revisions(run: Run, tmp_path: Path) -> None:
    book = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", book)
    run("user", "add", "maria", "--email", "maria@example.org", "--password", "long enough")
    assert run("import", str(book), "--as", "maria").exit_code == 0
    chapter = book / "second.md"
    chapter.write_text(chapter.read_text().replace("A story told", "A story often told"))
    result = run("import", str(book), "--as", "maria")
    assert result.stdout == "tiny: updated: 0 sections added, 1 revised, 0 removed (1 events)\n"
    history = run("history", "tiny", "summing").stdout.splitlines()
    assert len(history) == 2
    assert "summing r2" in history[1]
    assert "by maria, approved by maria (import)" in history[1]
    assert "A story often told" in run("show", "tiny").stdout


def test_reimport_by_someone_who_is_not_a_maintainer_is_refused(run: Run) -> None:
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    run("user", "add", "eve", "--email", "eve@example.org", "--password", "long enough")
    result = run("import", str(FIXTURES / "tiny"), "--as", "eve")
    assert result.exit_code == 2
    assert result.stderr == "Error: eve is not a maintainer of the book 'tiny'.\n"


def test_the_queue_lists_the_proposals_whose_changes_were_requested(
    run: Run, tmp_path: Path
) -> None:
    """Every status of the domain is a --status choice: changes_requested too."""
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    for name, role in (("alice", "author"), ("bob", "editor")):
        run("user", "add", name, "--email", f"{name}@example.org", "--password", "pw123456")
        assert run("member", "grant", name, "tiny", role).exit_code == 0
    new_text = tmp_path / "counting.md"
    new_text.write_text("## Counting {#counting}\n\nOne, two, three, and on.\n")
    proposed = run("propose", "tiny", "counting", str(new_text), "-m", "Go on", "--as", "alice")
    proposal_id = last_word(proposed.stdout)
    requested = run("review", proposal_id, "request-changes", "-m", "Say how far", "--as", "bob")
    assert requested.stdout == f"Proposal {proposal_id} is changes requested\n"

    listed = run("proposals", "tiny", "--status", "changes_requested")
    assert listed.exit_code == 0, listed.output
    assert f"{proposal_id}  changes_requested v1 " in listed.stdout
    assert proposal_id in run("proposals", "tiny", "--status", "open").stdout  # still in the queue
    assert run("proposals", "tiny", "--status", "approved").stdout == ""


def test_review_story_with_time_travel_history_and_blame(run: Run, tmp_path: Path) -> None:
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    for name in ("alice", "bob"):
        added = run("user", "add", name, "--email", f"{name}@example.org", "--password", "pw123456")
        assert added.exit_code == 0, added.output
    run("member", "grant", "alice", "tiny", "author")
    run("member", "grant", "bob", "tiny", "editor")
    before_change = datetime.now(UTC).isoformat()
    time.sleep(0.01)

    new_text = tmp_path / "counting.md"
    new_text.write_text("## Counting {#counting}\n\nOne, two, three, and on.\nFour, five, six.\n")
    proposed = run("propose", "tiny", "counting", str(new_text), "-m", "Go on", "--as", "alice")
    assert proposed.exit_code == 0, proposed.output
    proposal_id = last_word(proposed.stdout)

    listed = run("proposals", "tiny", "--status", "open").stdout
    assert f"{proposal_id}  open              v1 " in listed  # the version a reviewer approves
    refused = run("review", proposal_id, "approve", "-m", "mine", "--version", "1", "--as", "alice")
    assert refused.exit_code == 2
    assert refused.stderr == "Error: alice is not an editor of the book 'tiny'.\n"
    unnamed = run("review", proposal_id, "approve", "-m", "Good", "--as", "bob")
    assert unnamed.exit_code == 2
    assert "--version N" in unnamed.stderr
    approved = run("review", proposal_id, "approve", "-m", "Good", "--version", "1", "--as", "bob")
    assert approved.stdout == f"Proposal {proposal_id} is approved\n"

    assert "One, two, three, and on." in run("show", "tiny").stdout
    then = run("show", "tiny", "--as-of", before_change)
    assert then.exit_code == 0
    assert "One, two, three.\n" in then.stdout
    assert "and on" not in then.stdout
    too_early = run("show", "tiny", "--as-of", "2001-01-01T00:00:00Z")
    assert too_early.exit_code == 2
    assert too_early.stderr == (
        "Error: The book 'tiny' did not exist yet at 2001-01-01T00:00:00+00:00.\n"
    )

    blame = run("blame", "tiny", "counting").stdout.splitlines()
    assert blame[2].startswith("r2   alice/bob")
    assert blame[2].endswith("| One, two, three, and on.")
    assert blame[3].startswith("r1   mia/mia")
    assert blame[3].endswith("| Four, five, six.")

    history = run("history", "tiny", "counting").stdout.splitlines()
    assert f"by alice, approved by bob (proposal {proposal_id}): Go on" in history[-1]


def test_token_create_prints_the_token_last(run: Run) -> None:
    run("user", "add", "alice", "--email", "alice@example.org", "--password", "pw123456")
    result = run("token", "create", "alice")
    assert result.exit_code == 0
    assert last_word(result.stdout).startswith("tb_")
    assert len(last_word(result.stdout)) > 40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "nope"), "Error: There is no book 'nope'.\n"),
        (("history", "tiny", "nope"), "Error: The book 'tiny' has no section 'nope'.\n"),
        (("blame", "nope", "x"), "Error: There is no book 'nope'.\n"),
        (
            ("review", "not-an-id", "approve", "--version", "1", "--as", "bob"),
            "Error: 'not-an-id' is not a proposal id.\n",
        ),
        (
            (
                "review",
                "7d0f4057-6c59-40b0-aeb9-6ff1c31c7faf",
                "approve",
                "--version",
                "1",
                "--as",
                "bob",
            ),
            "Error: There is no proposal '7d0f4057-6c59-40b0-aeb9-6ff1c31c7faf'.\n",
        ),
        (
            ("user", "add", "x", "--email", "x@example.org", "--password", "pw123456"),
            "Error: 'x' is not a valid user name: use 3 to 40 letters, digits, '.', '_' or '-', "
            "starting with a letter.\n",
        ),
        (
            ("user", "add", "xavier", "--email", "nope", "--password", "pw123456"),
            "Error: 'nope' is not a valid email address.\n",
        ),
        (
            ("user", "add", "xavier", "--email", "x@example.org", "--password", "short"),
            "Error: A password needs 8 to 1024 characters; this one has 5.\n",
        ),
        (("member", "grant", "ghost", "tiny", "editor"), "Error: There is no user 'ghost'.\n"),
        (("import", "/no/such/folder", "--as", "mia"), "Error: /no/such/folder: no such folder\n"),
        (("export", "tiny", "/proc/forbidden"), None),
    ],
)
def test_bad_input_gives_one_line_and_exit_status_2(
    run: Run, args: tuple[str, ...], message: str | None
) -> None:
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    if message is not None:
        assert result.stderr == message


def test_taken_names_and_emails_are_refused(run: Run) -> None:
    run("user", "add", "alice", "--email", "alice@example.org", "--password", "pw123456")
    again = run("user", "add", "Alice", "--email", "other@example.org", "--password", "pw123456")
    assert again.stderr == "Error: The user name 'Alice' is already taken.\n"
    email = run("user", "add", "alicia", "--email", "ALICE@example.org", "--password", "pw123456")
    assert email.stderr == "Error: The email address 'ALICE@example.org' is already taken.\n"


def test_an_approval_names_the_version_read(run: Run, settings: Settings, tmp_path: Path) -> None:
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    for name, role in (("alice", "author"), ("bob", "editor")):
        run("user", "add", name, "--email", f"{name}@example.org", "--password", "pw123456")
        run("member", "grant", name, "tiny", role)
    text = tmp_path / "counting.md"
    text.write_text("## Counting {#counting}\n\nOne, two, three, four.\n")
    proposal_id = last_word(
        run("propose", "tiny", "counting", str(text), "-m", "4", "--as", "alice").stdout
    )
    app = open_textbook(settings)  # the author revises (through the web or the API, in life)
    try:
        app.revise_proposal(
            UUID(proposal_id), "## Counting {#counting}\n\nOne to five.\n", "", "alice"
        )
    finally:
        app.close()
    assert f"{proposal_id}  open              v2 " in run("proposals", "tiny").stdout
    before = run("show", "tiny").stdout

    stale = run("review", proposal_id, "approve", "--version", "1", "--as", "bob")
    assert stale.exit_code == 2
    assert stale.stderr == (
        "Error: The proposal changed since you read it: you read version 1, and its author has "
        "since revised it to version 2. Read what changed, then review version 2.\n"
    )
    for wrong in ("0", "x", "99999999999"):
        assert (
            run("review", proposal_id, "approve", "--version", wrong, "--as", "bob").exit_code == 2
        )
    assert run("show", "tiny").stdout == before

    approved = run("review", proposal_id, "approve", "--version", "2", "--as", "bob")
    assert approved.stdout == f"Proposal {proposal_id} is approved\n"
    assert "One to five." in run("show", "tiny").stdout


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "x\x00", "1" * 1000, "2026-13-01"])
def test_show_as_of_any_string_is_a_usage_error_or_the_book(run: Run, moment: str) -> None:
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    result = run("show", "tiny", "--as-of", moment)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Invalid value for '--as-of'" in result.stderr
