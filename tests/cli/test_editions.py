"""Named editions at the command line: an editor marks one, anyone lists them, and
`textbook build --edition` rebuilds it byte for byte after later approvals."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Run
from tests.cli.test_needs import setup
from tests.conftest import event_count
from textbook.config import Settings
from textbook.storage import open_textbook


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_an_edition_marked_listed_and_rebuilt_byte_for_byte(
    run: Run, settings: Settings, tmp_path: Path
) -> None:
    setup(run)
    marked = run("edition", "create", "tiny", "First edition", "--as", "bob")
    assert marked.exit_code == 0, marked.output
    assert "Marked the edition 'First edition' of tiny at" in marked.output
    listed = run("edition", "list", "tiny")
    assert listed.exit_code == 0, listed.output
    assert "first-edition" in listed.output and "First edition  (marked by bob)" in listed.output

    first = run(
        "build", "tiny", "--edition", "First edition", "--format", "html,epub",
        "--out", str(tmp_path / "first"),
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    app = open_textbook(settings)
    try:
        proposal = app.propose_edit(
            "tiny", "summing", "## Summing {#summing}\n\nAdd them in pairs.\n", "Pairs", by="carol"
        )
        app.review(proposal, "approve", "", "bob", app.proposal_info(proposal).version)
    finally:
        app.close()
    again = run(
        "build", "tiny", "--edition", "first-edition", "--format", "html,epub",
        "--out", str(tmp_path / "again"),
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    now = run("build", "tiny", "--format", "html", "--out", str(tmp_path / "now"))
    assert now.exit_code == 0, now.output
    kept = files_in(tmp_path / "first")
    assert kept and files_in(tmp_path / "again") == kept
    assert "Add them in pairs." not in kept["tiny/second.html"].decode()
    assert "Add them in pairs." in (tmp_path / "now" / "tiny" / "second.html").read_text()


def test_refusals_at_the_command_line_change_nothing(run: Run, settings: Settings) -> None:
    setup(run)
    assert run("edition", "create", "tiny", "First edition", "--as", "bob").exit_code == 0
    app = open_textbook(settings)
    before = event_count(app)
    app.close()
    refused = run("edition", "create", "tiny", "Second", "--as", "carol")
    assert refused.exit_code != 0
    assert "carol is not an editor of the book 'tiny'" in refused.output
    taken = run("edition", "create", "tiny", "FIRST EDITION", "--as", "bob")
    assert taken.exit_code != 0
    assert "already has an edition named 'First edition'" in taken.output
    nobody = run("edition", "create", "tiny", "Second")
    assert nobody.exit_code != 0 and "--as NAME" in nobody.output
    unknown = run("build", "tiny", "--edition", "Third", "--format", "html")
    assert unknown.exit_code != 0 and "The book 'tiny' has no edition 'Third'." in unknown.output
    app = open_textbook(settings)
    assert event_count(app) == before
    app.close()
    empty = run("edition", "list", "nowhere")
    assert empty.exit_code != 0 and "There is no book 'nowhere'" in empty.output
