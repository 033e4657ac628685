"""Every format of a build has a time limit: past it the build fails naming the chapter where
the time went, and the last good edition stays, byte for byte, and served."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.live import LiveServer, free_port, seed_tiny, start, stop, textbook_command
from textbook.config import Settings
from textbook.storage import open_textbook

# Each formula is drawn as SVG for the PDF, about 27 ms apiece: 3,000 take over a minute. A
# section holds at most 20,000 characters of math, so they come in five sections of 600.
PARTS = 5


def formulas(heading: str, part: int) -> str:
    return f"{heading}\n\n" + "\n\n".join(
        f"Step {n}: $x_{{{n}}}^{{2}} + \\frac{{{n}}}{{y}}$."
        for n in range(600 * part, 600 * (part + 1))
    )


def textbook(
    settings: Settings, *args: str, timeout: str = "600"
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TEXTBOOK_DATABASE": settings.database,
        "TEXTBOOK_BUILD_DIR": str(settings.build_dir),
        "TEXTBOOK_BUILD_TIMEOUT": timeout,
    }
    return subprocess.run(
        [*textbook_command(), *args], env=env, capture_output=True, text=True, timeout=600,
        check=False, cwd=settings.build_dir.parent,
    )  # fmt: skip


def approve_formulas(settings: Settings) -> None:
    app = open_textbook(settings)
    try:
        text = formulas("## Counting {#counting}", 0)
        proposal = app.propose_edit("tiny", "counting", text, "Many formulas", "alice", None)
        app.review(proposal, "approve", "", "bob", version=1)
        after = "counting"
        for part in range(1, PARTS):
            text = formulas(f"## Counting, part {part + 1} {{#counting-{part}}}", part)
            proposal = app.propose_section("tiny", "first", after, text, "More", "alice")
            app.review(proposal, "approve", "", "bob", version=1)
            after = f"counting-{part}"
    finally:
        app.close()


def test_a_pdf_past_its_time_limit_fails_naming_the_chapter_and_the_last_edition_stays(
    tmp_path: Path,
) -> None:
    settings = Settings(database=str(tmp_path / "store.sqlite"), build_dir=tmp_path / "build")
    seed_tiny(settings)
    first = textbook(settings, "worker", "--once")
    assert first.returncode == 0, first.stderr
    editions = settings.build_dir / "editions"
    good = (editions / "tiny.pdf").read_bytes()
    assert good.startswith(b"%PDF")

    approve_formulas(settings)
    slow = textbook(settings, "worker", "--once", "--format", "pdf", timeout="3")
    assert slow.returncode == 0, slow.stderr  # the worker goes on; the book keeps its edition
    assert "tiny: not published" in slow.stderr
    assert "the PDF took longer than its limit of 3 s (TEXTBOOK_BUILD_TIMEOUT)" in slow.stderr
    assert "in chapter 'first'" in slow.stderr
    assert "the last good edition stays" in slow.stderr
    assert (editions / "tiny.pdf").read_bytes() == good
    assert not list(editions.glob(".tiny*.tmp"))  # nothing half-written left beside it

    server = LiveServer(
        f"http://127.0.0.1:{free_port()}", settings, tmp_path, tmp_path / "server.log"
    )
    server.process = start(server)
    try:
        with server.client() as client:
            served = client.get("/books/tiny/download/pdf")
    finally:
        stop(server.process)
    assert served.status_code == 200
    assert served.content == good


def test_textbook_build_past_its_time_limit_exits_2_naming_the_chapter(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "store.sqlite"), build_dir=tmp_path / "build")
    seed_tiny(settings)
    approve_formulas(settings)
    out = tmp_path / "out"
    out.mkdir()
    (out / "tiny.pdf").write_bytes(b"%PDF the last good one")
    done = textbook(settings, "build", "tiny", "--format", "pdf", "--out", str(out), timeout="3")
    assert done.returncode == 2
    error = done.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: the PDF took longer than its limit of 3 s"), done.stderr
    assert "in chapter 'first'" in error
    assert (out / "tiny.pdf").read_bytes() == b"%PDF the last good one"


def test_a_build_within_its_limit_is_unchanged(tmp_path: Path) -> None:
    settings = Settings(database=str(tmp_path / "store.sqlite"), build_dir=tmp_path / "build")
    seed_tiny(settings)
    done = textbook(settings, "build", "tiny", "--format", "html,epub", timeout="300")
    assert done.returncode == 0, done.stderr
    assert (settings.build_dir / "tiny" / "index.html").exists()
    assert (settings.build_dir / "tiny.epub").exists()
