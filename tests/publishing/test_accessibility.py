"""The sample book's EPUB as DAISY Ace, the EPUB accessibility checker, judges it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from textbook.projections.publishing.html import clean_html
from textbook.projections.publishing.pipeline import BuildReport

ROOT = Path(__file__).parent.parent.parent
NODE = ROOT / ".ci" / "node"
ACE = NODE / "node_modules" / ".bin" / "ace-cli"


def violations(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Every violation in an Ace report.json: (impact, rule, file, offending HTML)."""
    found = []
    for document in report["assertions"]:
        for assertion in document["assertions"]:
            test, result = assertion["earl:test"], assertion["earl:result"]
            found.append(
                (
                    test["earl:impact"],
                    test["dct:title"],
                    document["earl:testSubject"]["url"],
                    result.get("html", "").strip(),
                )
            )
    return found


def run_ace(epub: Path, out: Path) -> dict[str, Any]:
    """Ace's report on the EPUB, checked in Debian's Chromium, headless and without a sandbox."""
    if not ACE.exists():
        pytest.fail(f"DAISY Ace is not installed in {NODE}: run `bash .ci/ace`")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Chromium is not installed: run `bash .ci/ace`")
    environment = {
        **os.environ,
        # Ace's puppeteer runner launches it headless with --no-sandbox; no browser of its own.
        "PUPPETEER_EXECUTABLE_PATH": chromium,
        # Ace gives the browser 5 s to start by default: too little on a busy CI machine.
        "ACE_TIMEOUT_INITIAL": "60000",
    }
    command = [str(ACE), "--silent", "--force", "--outdir", str(out),
               "--tempdir", str(out / "tmp"), str(epub)]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, env=environment
    )
    report = out / "report.json"
    assert done.returncode == 0 and report.exists(), f"Ace failed:\n{done.stdout}\n{done.stderr}"
    loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.slow
def test_epub_has_no_accessibility_violation_of_any_impact(
    sample_build: BuildReport, tmp_path: Path
) -> None:
    report = run_ace(sample_build.outputs["epub"], tmp_path / "ace")
    blocking = violations(report)  # of any impact, minor ones included
    listed = "\n".join(
        f"{impact} {rule} in {file}: {html}" for impact, rule, file, html in blocking
    )
    assert blocking == [], f"Ace found {len(blocking)} violations:\n{listed}"


def test_code_line_anchors_stay_out_of_the_tab_order() -> None:
    """pandoc's empty line anchors are aria-hidden: focusable, they would be silent tab stops."""
    cleaned = clean_html(
        '<code><span id="cb1-1"><a href="#cb1-1" aria-hidden="true" tabindex="-1"></a>x</span>'
        '</code><a href="#x" tabindex="1">y</a><p tabindex="-1">z</p>'
    )
    assert '<a href="#cb1-1" aria-hidden="true" tabindex="-1"></a>' in cleaned
    assert '<a href="#x">y</a>' in cleaned  # no other value, and on no other element
    assert "<p>z</p>" in cleaned
