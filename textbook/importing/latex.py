"""A LaTeX book: one .tex file, or a folder whose main file (\\documentclass) brings in chapters
with \\include and \\input. We join those files ourselves, inside the folder only (pandoc runs
sandboxed and reads nothing else), remembering where each line came from for the problems."""

from __future__ import annotations

import re
from pathlib import Path

from textbook.domain.errors import InvalidBook
from textbook.domain.state import ImportProblem
from textbook.importing import pandoc
from textbook.importing.documents import metadata_of
from textbook.importing.draft import Draft, Part
from textbook.importing.folders import MAX_TEXT, images_beside, inside, read_text

INCLUDE = re.compile(r"\\(?:include|input|subfile)\s*\{([^{}]+)\}")
BIBLIOGRAPHY = re.compile(r"\\(?:bibliography|addbibresource)\s*(?:\[[^\]]*\])?\s*\{([^{}]+)\}")
COMMENT = re.compile(r"(?<!\\)%.*$")
MAX_DEPTH = 8
MAX_JOINED = 8 * MAX_TEXT


def main_file(folder: Path) -> Path:
    candidates = sorted(folder.glob("*.tex"))
    for path in candidates:
        if "\\documentclass" in path.read_text(encoding="utf-8", errors="replace")[:100_000]:
            return path
    raise InvalidBook(folder.name, "no .tex file here starts a document (\\documentclass)")


def read_latex(main: Path, root: Path, name: str, work: Path) -> tuple[Draft, list[int]]:
    lines: list[str] = []
    places: list[tuple[str, int]] = []
    _join(root, main.relative_to(root).as_posix(), lines, places, 0)
    joined = "\n".join(lines)
    if len(joined.encode()) > MAX_JOINED:
        raise InvalidBook(name, f"the book is over {MAX_JOINED // (1024 * 1024)} MB of LaTeX")
    combined = work / main.name
    combined.write_text(joined, encoding="utf-8")
    found = pandoc.read(combined, "latex", main.name)
    problems = [_placed(problem, places) for problem in found.problems]
    draft = Draft(
        "latex",
        name,
        metadata_of(found.ast["meta"]),
        [Part(main.relative_to(root).as_posix(), found.ast["blocks"])],
        images_beside(root),
        problems=problems,
    )
    draft.bibliography = _bibliography(root, joined, problems)
    return draft, found.ast["pandoc-api-version"]


def _join(
    root: Path, file: str, lines: list[str], places: list[tuple[str, int]], depth: int
) -> None:
    if depth > MAX_DEPTH:
        raise InvalidBook(file, f"\\include and \\input nest more than {MAX_DEPTH} deep")
    text = read_text(inside(root, file, file), file)
    for number, line in enumerate(text.split("\n"), start=1):
        code = COMMENT.sub("", line)
        match = INCLUDE.search(code)
        if match is None:
            lines.append(line)
            places.append((file, number))
            continue
        lines.append(code[: match.start()])
        places.append((file, number))
        target = match.group(1).strip()
        if not target.endswith(".tex"):
            target += ".tex"
        base = str(Path(file).parent / target) if not target.startswith("/") else target
        _join(root, Path(base).as_posix(), lines, places, depth + 1)
        if len(lines) > 2_000_000:
            raise InvalidBook(file, "the book has too many lines")
        lines.append(code[match.end() :])
        places.append((file, number))


def _placed(problem: ImportProblem, places: list[tuple[str, int]]) -> ImportProblem:
    if problem.line is None or not 0 < problem.line <= len(places):
        return problem
    file, line = places[problem.line - 1]
    return ImportProblem(file, line, problem.problem)


def _bibliography(root: Path, joined: str, problems: list[ImportProblem]) -> str:
    texts = []
    for match in BIBLIOGRAPHY.finditer("\n".join(COMMENT.sub("", x) for x in joined.split("\n"))):
        for name in match.group(1).split(","):
            name = name.strip()
            name = name if name.endswith(".bib") else f"{name}.bib"
            path = inside(root, name, "\\bibliography")
            if path.is_file():
                texts.append(read_text(path, name))
            else:
                problems.append(ImportProblem(name, None, "the bibliography file is missing"))
    return "\n".join(texts)
