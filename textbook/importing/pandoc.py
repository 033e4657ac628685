"""Pandoc's readers on files from strangers: sandboxed, with a heap cap and a time limit.

`--sandbox` lets a reader open only the files named on the command line: a LaTeX `\\input`, an
EPUB's link to a file outside it or a Markdown image of `/etc/passwd` reads nothing. We resolve
LaTeX includes and images ourselves, inside the book's folder. Pandoc's log (`--log`) says what
it skipped, with the file and line where the reader knows them.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypandoc

from textbook.domain.errors import InvalidBook
from textbook.domain.state import ImportProblem
from textbook.importing.lines import Text

SECONDS = 120
HEAP_MB = 1024
MAX_AST = 256 * 1024 * 1024
# Log messages that mean something in the source did not come through.
LOST = {
    "SkippedContent": "skipped",
    "IgnoredElement": "ignored",
    "CouldNotConvertTeXMath": "math that could not be converted, kept as TeX",
    "CouldNotLoadIncludeFile": "an include that could not be read",
    "CouldNotParseYamlMetadata": "metadata that could not be read",
    "DocxParserWarning": "Word document",
    "NotUTF8Encoded": "not UTF-8 text",
    "IgnoredIOError": "a file that could not be read",
}
# Our sections' Markdown (see textbook/domain/markdown.py and publishing's reader): pandoc's
# Markdown without raw HTML or TeX. Tables as pipe tables, or grid tables when a cell holds more
# than one paragraph; one paragraph a line, as the sample book writes them. Without
# auto_identifiers every heading's id is written out, as our sections need.
WRITER = (
    "markdown-raw_html-raw_tex-raw_attribute-native_divs-native_spans"
    "-simple_tables-multiline_tables-yaml_metadata_block-auto_identifiers"
)


@dataclass(frozen=True)
class Read:
    ast: dict[str, Any]
    problems: tuple[ImportProblem, ...]


def run(command: list[str], *, input: bytes = b"", cwd: Path | None = None) -> bytes:
    full = [str(pypandoc.get_pandoc_path()), "--sandbox", *command, "+RTS", f"-M{HEAP_MB}m", "-RTS"]
    try:
        done = subprocess.run(
            full,
            input=input,
            capture_output=True,
            timeout=SECONDS,
            cwd=cwd,
            check=False,
            env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
        )
    except subprocess.TimeoutExpired:
        raise InvalidBook(
            "pandoc", f"reading took longer than {SECONDS} s (a very large or deeply nested file?)"
        ) from None
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()
        if "Heap exhausted" in error or done.returncode == 251:
            raise InvalidBook(
                "pandoc", f"reading needed more than {HEAP_MB} MB of memory (a file too large?)"
            )
        last = error.splitlines()[-1] if error else f"pandoc exit {done.returncode}"
        raise InvalidBook("pandoc", f"pandoc could not read it: {last[:300]}")
    if len(done.stdout) > MAX_AST:
        raise InvalidBook("pandoc", "the document is too large to import")
    return done.stdout


def read(
    path: Path, reader: str, place: str, media: Path | None = None, text: Text | None = None
) -> Read:
    """The pandoc AST of the file at `path`, or of `text` (the file's text as worked out, whose
    lines say which of the file's lines they came from); `place` names it in problems. With
    `media`, pandoc extracts the document's images into that folder and the AST names them there."""
    with tempfile.TemporaryDirectory(prefix="textbook-log-") as logs:
        log = Path(logs) / "log.json"
        command = ["-f", reader, "-t", "json", f"--log={log}"]
        command += [] if text is not None else [str(path.resolve())]
        if media is not None:
            command.append(f"--extract-media={media.resolve()}")
        given = text.text.encode() if text is not None else b""
        output = run(command, input=given, cwd=path.parent)
        messages = json.loads(log.read_text()) if log.exists() else []
    try:
        ast: dict[str, Any] = json.loads(output)
    except RecursionError:
        raise InvalidBook(place, "the document nests too deeply to import") from None
    problems = problems_from_log(messages, place)
    if text is not None:
        problems = [ImportProblem(p.file, text.origin(p.line), p.problem) for p in problems]
    return Read(ast, tuple(problems))


def problems_from_log(messages: list[dict[str, Any]], place: str) -> list[ImportProblem]:
    problems = []
    for message in messages:
        kind = message.get("type", "")
        if kind not in LOST:
            continue
        line = message.get("line")
        text = str(message.get("pretty", kind))
        # Pandoc names the file as it was given (an absolute path): say the place instead.
        source = str(message.get("source", ""))
        if source:
            text = text.replace(f" at {source} line {line} column {message.get('column')}", "")
            text = text.replace(f" at line {line} column {message.get('column')}", "")
        problems.append(
            ImportProblem(place, line if isinstance(line, int) else None, f"pandoc: {text}")
        )
    return problems


def markdown(ast: dict[str, Any]) -> str:
    """Our sections' Markdown for a pandoc AST (notes after the paragraph that calls them)."""
    command = ["-f", "json", "-t", WRITER, "--wrap=none", "--reference-location=block"]
    return run(command, input=json.dumps(ast).encode()).decode()
