"""mdBook's link directives, worked out as mdBook does before the Markdown is read:
`{{#include file}}` (with a line range `:2:10` or an anchor `:name`) and `{{#rustdoc_include}}`
bring in a file's text, `{{#playground file}}` the file as a code block; `{{#title}}` is left
out; `\\{{#...}}` is the directive written as text. Only files inside the book's folder are read;
MathJax's delimiters become math where the book asks for MathJax."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from textbook.domain.errors import InvalidBook
from textbook.domain.state import ImportProblem
from textbook.importing.folders import inside, read_text
from textbook.importing.lines import Text

DIRECTIVE = re.compile(r"(\\?)\{\{#(include|rustdoc_include|playground|title)\s+([^}]+?)\s*\}\}")
ANCHOR = re.compile(r"\bANCHOR(?:_END)?:\s*([\w-]+)")
LANGUAGES = {".rs": "rust", ".py": "python", ".js": "javascript", ".sh": "bash"}
MAX_DEPTH = 8
MAX_LINES = 200_000


def expand(root: Path, file: str, text: str, problems: list[ImportProblem]) -> Text:
    """The text of `file` (relative to `root`) with its directives worked out."""
    out = Text(file)
    _expand(root, file, text, out, None, problems, 0)
    return out


def _expand(
    root: Path,
    file: str,
    text: str,
    out: Text,
    at: int | None,
    problems: list[ImportProblem],
    depth: int,
) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        origin = at if at is not None else number
        if "{{#" not in line:
            out.add(line, origin)
            continue
        pieces = [""]
        rest = 0
        for match in DIRECTIVE.finditer(line):
            pieces[-1] += line[rest : match.start()]
            rest = match.end()
            escaped, name, argument = match.groups()
            if escaped:
                pieces[-1] += match.group(0)[1:]
                continue
            place = ImportProblem(out.file, origin, "")
            brought = _directive(root, file, name, argument, place, problems, depth)
            if brought is None:
                pieces[-1] += match.group(0) if name != "title" else ""
                continue
            inner = Text(out.file)
            _expand(root, brought[0], brought[1], inner, origin, problems, depth + 1)
            pieces[-1] += inner.lines[0]
            pieces.extend(inner.lines[1:])
        pieces[-1] += line[rest:]
        for piece in pieces:
            out.add(piece, origin)
        if len(out.lines) > MAX_LINES:
            raise InvalidBook(file, "mdBook includes make the chapter too long", origin)


def _directive(
    root: Path,
    file: str,
    name: str,
    argument: str,
    place: ImportProblem,
    problems: list[ImportProblem],
    depth: int,
) -> tuple[str, str] | None:
    """(the included file, its text) for a directive that brings one; None, said why, if not.
    `file` names the file the directive is in; `place` where problems are said to be."""

    def said(problem: str) -> None:
        problems.append(ImportProblem(place.file, place.line, problem))

    if name == "title":
        said("an mdBook {{#title}} was left out (the chapter's heading is its title)")
        return None
    if depth >= MAX_DEPTH:
        said(f"mdBook includes nest more than {MAX_DEPTH} deep; this one was left as written")
        return None
    target, _, selection = (argument.split()[0] if argument else "").partition(":")
    relative = (PurePosixPath(file).parent / target).as_posix()
    try:
        path = inside(root, relative, file)
    except InvalidBook:
        said(f"the included file '{target[:120]}' is outside the book's folder; left as written")
        return None
    if not target or not path.is_file():
        said(f"the included file '{target[:120]}' is missing; left as written")
        return None
    text = read_text(path, relative)
    chosen = _select(text, selection)
    if chosen is None:
        said(f"the anchor '{selection[:80]}' is not in '{target[:120]}'; left as written")
        return None
    if name == "playground":  # a runnable example: a code block of the file's language
        language = LANGUAGES.get(path.suffix.lower(), path.suffix.lstrip(".").lower())
        fence = "~~~~" if "```" in chosen or "~~~" in chosen else "```"
        chosen = f"{fence}{language}\n{chosen}\n{fence}"
    return path.relative_to(root.resolve()).as_posix(), chosen


def _select(text: str, selection: str) -> str | None:
    """The lines `selection` names: `2` (that line), `2:10`, `2:`, `:10`, or an anchor."""
    lines = text.rstrip("\n").split("\n")
    if not selection:
        chosen = lines
    elif re.fullmatch(r"\d*(:\d*)?", selection):
        start, colon, end = selection.partition(":")
        first = max(int(start) - 1, 0) if start else 0
        last = (int(end) if end else len(lines)) if colon else first + 1
        chosen = lines[first:last]
    else:
        inside_anchor, chosen, found = False, [], False
        for line in lines:
            match = ANCHOR.search(line)
            if match and match.group(1) == selection:
                found = True
                inside_anchor = "ANCHOR_END" not in line
                continue
            if inside_anchor:
                chosen.append(line)
        if not found:
            return None
    return "\n".join(line for line in chosen if not ANCHOR.search(line))


INLINE_MATH = re.compile(r"\\\\\(\s*(.+?)\s*\\\\\)")
DISPLAY_MATH = re.compile(r"\\\\\[\s*(.+?)\s*\\\\\]")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
CODE = re.compile(r"(`+).+?\1")


def mathjax(text: Text) -> Text:
    """MathJax's `\\\\( ... \\\\)` and `\\\\[ ... \\\\]` (in a book with `mathjax-support`) as
    `$...$` and `$$...$$`, outside code, within one line."""
    fence = ""
    for index, line in enumerate(text.lines):
        opened = FENCE.match(line)
        if opened and (not fence or opened.group(1).startswith(fence)):
            fence = "" if fence else opened.group(1)
            continue
        if fence or "\\\\" not in line:
            continue
        pieces, rest = [], 0
        for code in CODE.finditer(line):
            pieces.append(_math(line[rest : code.start()]) + code.group(0))
            rest = code.end()
        text.lines[index] = "".join(pieces) + _math(line[rest:])
    return text


def _math(prose: str) -> str:
    prose = DISPLAY_MATH.sub(lambda m: f"$${m.group(1)}$$", prose)
    return INLINE_MATH.sub(lambda m: f"${m.group(1)}$", prose)
