"""Four eyes at the command line: an editor makes no decision on their own proposal."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run
from tests.conftest import FIXTURES, event_count
from textbook.config import Settings
from textbook.storage import open_textbook


def test_an_editor_cannot_reject_or_request_changes_to_their_own_proposal(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    for name in ("mia", "bob", "carol"):
        added = run("user", "add", name, "--email", f"{name}@example.org", "--password", "pw123456")
        assert added.exit_code == 0, added.output
    run("import", str(FIXTURES / "tiny"), "--as", "mia")
    for name in ("bob", "carol"):
        run("member", "grant", name, "tiny", "editor")
    text = tmp_path / "counting.md"
    text.write_text("## Counting {#counting}\n\nOne, two, three, and on.\n")
    proposed = run("propose", "tiny", "counting", str(text), "-m", "Go on", "--as", "bob")
    assert proposed.exit_code == 0, proposed.output
    proposal_id = proposed.stdout.strip().split("\n")[-1].split()[-1]
    app = open_textbook(settings)
    try:
        before = event_count(app)
        for verdict in ("reject", "request-changes"):
            refused = run("review", proposal_id, verdict, "-m", "Hm", "--as", "bob")
            assert refused.exit_code == 2, refused.output
            assert refused.stderr == (
                "Error: An author cannot request changes to or reject their own proposal:"
                " another editor reviews it. Revise it, or withdraw it.\n"
            )
        assert event_count(app) == before
    finally:
        app.close()
    assert f"{proposal_id}  open " in run("proposals", "tiny", "--status", "open").stdout
    decided = run("review", proposal_id, "request-changes", "-m", "Why?", "--as", "carol")
    assert decided.exit_code == 0, decided.output
