"""Running pandoc on untrusted text: sandboxed, with a heap cap, a time limit and a size limit."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pypandoc

# Authors' Markdown: pandoc Markdown without raw HTML or TeX, and without YAML metadata blocks
# (a metadata block can name files for pandoc to read). Without raw HTML, `native_divs` would
# still open a Div at `<div class="x">text</div>` and miss its close on the same line, so the div
# swallowed every later section of the chapter (the mdBook guide has that line): an HTML div shows
# as text like any other tag, and fenced divs (`::: {.note}`) stay.
READER = (
    "markdown-yaml_metadata_block-raw_html-raw_tex-raw_attribute-markdown_in_html_blocks"
    "-latex_macros-native_divs"
)
MAX_INPUT = 4 * 1024 * 1024  # Markdown
# The JSON AST written back out is about 10 times its Markdown: a 470 KB section of prose (within
# the domain's 512 KB) gave 4.3 MB, refused as "over 4 MB" before. It is our own output, bounded
# by the heap cap of the parse that made it.
MAX_AST = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How long one pandoc run may take and how much heap it may use."""

    seconds: float = 30
    heap_mb: int = 512
    what: str = "pandoc"  # what the person waited for, in the message when a limit is passed

    def within(self, seconds: float) -> Limits:
        """The same limits, with at most `seconds` left (never less than a tenth of a second)."""
        return replace(self, seconds=max(min(self.seconds, seconds), 0.1))


# Builds: a real chapter parses in well under a second; pathological text is refused at 30 s.
BUILD = Limits()


class PandocFailed(Exception):
    """Pandoc refused, timed out or ran out of memory; the message says which, for a person."""


def pandoc_path() -> str:
    return str(pypandoc.get_pandoc_path())


def run(
    args: list[str],
    text: str,
    cwd: Path | None = None,
    limits: Limits = BUILD,
    max_input: int = MAX_INPUT,
) -> str:
    """Run pandoc with `args` on `text` (stdin), sandboxed and bounded; returns stdout."""
    if len(text.encode()) > max_input:
        raise PandocFailed(f"the text is over {max_input // (1024 * 1024)} MB")
    command = [pandoc_path(), "--sandbox", *args, "+RTS", f"-M{limits.heap_mb}m", "-RTS"]
    try:
        done = subprocess.run(
            command,
            input=text.encode(),
            capture_output=True,
            timeout=limits.seconds,
            cwd=cwd,
            check=False,
            env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
        )
    except subprocess.TimeoutExpired:
        raise PandocFailed(
            f"{limits.what} took longer than {limits.seconds:.3g} s "
            "(deeply nested or very long input?)"
        ) from None
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()
        if "Heap exhausted" in error or done.returncode == 251:
            raise PandocFailed(
                f"{limits.what} needed more than {limits.heap_mb} MB of memory "
                "(deeply nested or very long input?)"
            )
        raise PandocFailed(error.splitlines()[-1] if error else f"pandoc exit {done.returncode}")
    return done.stdout.decode()


def parse(markdown: str, limits: Limits = BUILD) -> dict[str, Any]:
    """Authors' Markdown to pandoc's JSON AST."""
    output = run(["-f", READER, "-t", "json"], markdown, limits=limits)
    try:
        ast: dict[str, Any] = json.loads(output)
    except RecursionError:
        raise PandocFailed("the text nests too deeply (lists, quotes or brackets)") from None
    return ast


def write(
    ast: dict[str, Any], to: str, args: list[str], cwd: Path | None = None, limits: Limits = BUILD
) -> str:
    """A (sanitised) JSON AST to another format."""
    command = ["-f", "json", "-t", to, *args]
    output = run(command, json.dumps(ast), cwd=cwd, limits=limits, max_input=MAX_AST)
    return repair_mathml(output) if "--mathml" in args else output


# texmath writes \big/ and friends as <mi stretchy="true">, which MathML allows only on <mo>.
STRETCHY_MI = re.compile(r"<mi ((?:[^>]*?)(?:stretchy|minsize|maxsize)=[^>]*)>(.*?)</mi>")


def repair_mathml(html: str) -> str:
    return STRETCHY_MI.sub(r"<mo \1>\2</mo>", html)
