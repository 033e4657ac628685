"""Running pandoc on untrusted text: sandboxed, with a heap cap, a time limit and a size limit."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pypandoc

# Authors' Markdown: pandoc Markdown without raw HTML or TeX, and without YAML metadata blocks
# (a metadata block can name files for pandoc to read).
READER = (
    "markdown-yaml_metadata_block-raw_html-raw_tex-raw_attribute-markdown_in_html_blocks"
    "-latex_macros"
)
HEAP = "-M512m"
TIMEOUT_SECONDS = 30
MAX_INPUT = 4 * 1024 * 1024


class PandocFailed(Exception):
    """Pandoc refused, timed out or ran out of memory; the message says which, for a person."""


def pandoc_path() -> str:
    return str(pypandoc.get_pandoc_path())


def run(args: list[str], text: str, cwd: Path | None = None) -> str:
    """Run pandoc with `args` on `text` (stdin), sandboxed and bounded; returns stdout."""
    if len(text.encode()) > MAX_INPUT:
        raise PandocFailed(f"the text is over {MAX_INPUT // (1024 * 1024)} MB")
    command = [pandoc_path(), "--sandbox", *args, "+RTS", HEAP, "-RTS"]
    try:
        done = subprocess.run(
            command,
            input=text.encode(),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            cwd=cwd,
            check=False,
            env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
        )
    except subprocess.TimeoutExpired:
        raise PandocFailed(
            f"pandoc took longer than {TIMEOUT_SECONDS} s (deeply nested or very long input?)"
        ) from None
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()
        if "Heap exhausted" in error or done.returncode == 251:
            raise PandocFailed("pandoc ran out of memory (deeply nested or very long input?)")
        raise PandocFailed(error.splitlines()[-1] if error else f"pandoc exit {done.returncode}")
    return done.stdout.decode()


def parse(markdown: str) -> dict[str, Any]:
    """Authors' Markdown to pandoc's JSON AST."""
    output = run(["-f", READER, "-t", "json"], markdown)
    try:
        ast: dict[str, Any] = json.loads(output)
    except RecursionError:
        raise PandocFailed("the text nests too deeply (lists, quotes or brackets)") from None
    return ast


def write(ast: dict[str, Any], to: str, args: list[str], cwd: Path | None = None) -> str:
    """A (sanitised) JSON AST to another format."""
    output = run(["-f", "json", "-t", to, *args], json.dumps(ast), cwd=cwd)
    return repair_mathml(output) if "--mathml" in args else output


# texmath writes \big/ and friends as <mi stretchy="true">, which MathML allows only on <mo>.
STRETCHY_MI = re.compile(r"<mi ((?:[^>]*?)(?:stretchy|minsize|maxsize)=[^>]*)>(.*?)</mi>")


def repair_mathml(html: str) -> str:
    return STRETCHY_MI.sub(r"<mo \1>\2</mo>", html)
