"""Builds are reproducible, incremental builds equal clean ones, and authors' text stays inert."""

from __future__ import annotations

import filecmp
import http.server
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.publishing.conftest import Publisher
from textbook.projections.publishing.sources import BuildError

HOSTILE = """## Counting {#counting}

<script>alert("raw")</script>
<span onmouseover="alert('span')">hover</span>

[a javascript link](javascript:alert(1)) and [a data link](data:text/html;base64,PHNjcmlwdD4=)
and [a file](file:///etc/passwd){rel=attachment} and [styled]{style="position:fixed" onclick="x()"}.

![the server's hostname](/etc/hostname) ![a local service](http://127.0.0.1:{port}/probe.png)

---
css: /etc/passwd
header-includes: <script>alert("yaml")</script>
---

<iframe src="https://example.org"></iframe>
"""


def same_files(left: Path, right: Path) -> bool:
    comparison = filecmp.dircmp(left, right)
    if comparison.left_only or comparison.right_only:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)
    return (
        not mismatch
        and not errors
        and all(same_files(left / d, right / d) for d in comparison.common_dirs)
    )


def approve(publisher: Publisher, section: str, text: str) -> None:
    proposal = publisher.app.propose_edit("tiny", section, text, "change", by="alice")
    publisher.app.review(proposal, "approve", "", by="bob", version=1)


def test_building_the_same_state_twice_gives_identical_files(publisher: Publisher) -> None:
    first = publisher.build("tiny", "one", cache="cache-one")
    second = publisher.build("tiny", "two", cache="cache-two")
    for name in ("epub", "pdf"):
        assert first.outputs[name].read_bytes() == second.outputs[name].read_bytes(), name
    assert same_files(first.outputs["html"], second.outputs["html"])


def test_incremental_build_after_an_approval_equals_a_clean_build(publisher: Publisher) -> None:
    publisher.build("tiny", "before")
    approve(publisher, "summing", "## Summing {#summing}\n\nGauss added $1 + 2 + \\dots + n$.\n")
    incremental = publisher.build("tiny", "incremental")
    clean = publisher.build("tiny", "clean", cache="fresh-cache")
    for name in ("epub", "pdf"):
        assert incremental.outputs[name].read_bytes() == clean.outputs[name].read_bytes(), name
    assert same_files(incremental.outputs["html"], clean.outputs["html"])
    assert "Gauss added" in (clean.outputs["html"] / "second.html").read_text()


@pytest.fixture
def probe() -> Iterator[tuple[int, list[str]]]:
    """A local HTTP server that records every request made to it."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], requests
    server.shutdown()
    server.server_close()


def test_hostile_markdown_is_inert_in_every_format(
    publisher: Publisher, probe: tuple[int, list[str]]
) -> None:
    port, requests = probe
    approve(publisher, "counting", HOSTILE.replace("{port}", str(port)))
    report = publisher.build("tiny", "out")
    hostname = Path("/etc/hostname").read_text().strip()
    page = (report.outputs["html"] / "first.html").read_text()
    with zipfile.ZipFile(report.outputs["epub"]) as epub:
        xhtml = epub.read("EPUB/first.xhtml").decode()
        names = epub.namelist()
    for text, parser in ((page, "html.parser"), (xhtml, "xml")):
        document = BeautifulSoup(text, parser)
        scripts = [tag.get("src") for tag in document.find_all("script")]
        assert scripts in ([], ["assets/search.js", "assets/terms.js"])  # ours, from the template
        assert document.find_all(["iframe", "object", "embed", "style"]) == []
        for tag in document.find_all(True):
            assert not [name for name in tag.attrs if name.lower().startswith("on")], tag
            assert "position" not in str(tag.get("style", ""))
            for attribute in ("href", "src"):
                value = str(tag.get(attribute, ""))
                assert not value.lower().startswith(("javascript:", "data:", "file:", "http://127"))
        words = document.get_text()
        assert "a javascript link" in words  # the words stay, the link goes
        assert "<script>alert(" in words  # shown as text, never run
    assert not [n for n in names if "hostname" in n or "passwd" in n]
    reader = PdfReader(report.outputs["pdf"])
    pdf_bytes = report.outputs["pdf"].read_bytes()
    assert b"/EmbeddedFiles" not in pdf_bytes and b"/FileAttachment" not in pdf_bytes
    assert b"/JavaScript" not in pdf_bytes and b"javascript:" not in pdf_bytes
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "a javascript link" in text
    if hostname:
        assert hostname not in text
    assert requests == []  # nothing reached the network


PATHOLOGICAL = {
    "nested brackets": "## Counting {#counting}\n\n" + "[" * 5000 + "x" + "]" * 5000 + "\n",
    "a deep list": "## Counting {#counting}\n\n"
    + "".join("  " * level + "- item\n" for level in range(300)),
    "deep quotes": "## Counting {#counting}\n\n" + "> " * 500 + "quoted\n",
    "a huge table": "## Counting {#counting}\n\n| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 20000,
}


@pytest.mark.parametrize("case", PATHOLOGICAL, ids=list(PATHOLOGICAL))
def test_pathological_text_builds_or_fails_clearly_in_bounded_time(
    publisher: Publisher, case: str
) -> None:
    approve(publisher, "counting", PATHOLOGICAL[case])
    publisher.app.close()
    publisher.views.close()
    database = str(publisher.root / "store.sqlite")
    command = [sys.executable, "-m", "textbook.cli", "--database", database, "build", "tiny",
               "--out", str(publisher.root / "out"), "--format", "html,epub,pdf"]  # fmt: skip
    environment = {**os.environ, "TEXTBOOK_BUILD_DIR": str(publisher.root / "build")}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=240, check=False, env=environment
    )
    if done.returncode == 0:
        assert (publisher.root / "out" / "tiny.pdf").exists()
    else:
        assert done.returncode == 2
        assert done.stderr.splitlines()[-1].startswith(
            "Error: chapter 'first' cannot be published: "
        )
        assert "Traceback" not in done.stderr


def test_build_error_names_the_chapter(publisher: Publisher) -> None:
    approve(publisher, "counting", "## Counting {#counting}\n\n" + "> " * 200 + "deep\n")
    with pytest.raises(BuildError, match="chapter 'first' cannot be published: the text nests"):
        publisher.build("tiny", "out", formats=("html",))
