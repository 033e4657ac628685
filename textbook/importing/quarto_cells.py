"""Quarto's code cells (```` ```{r} ````, `#| option: value` lines first) as a book shows them
without running them: the code as a code block, a cell that only shows images
(`knitr::include_graphics`) as those images, a cell hidden from readers (`echo: false`,
`include: false`) left out. What running the code would print or draw is not in the import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from textbook.domain.state import ImportProblem
from textbook.importing.lines import Text

OPEN = re.compile(r"^(\s*)(`{3,}|~{3,})\s*\{([A-Za-z][\w-]*)([^}]*)\}\s*$")
OPTION = re.compile(r"^\s*#\|\s?(.*)$")
HEADER_OPTION = re.compile(r"([\w.-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[\w.]+)")
GRAPHICS = re.compile(
    r"""^\s*(?:knitr::)?include_graphics\(\s*(?:c\()?((?:\s*["'][^"']+["']\s*,?)+)"""
)
PATH = re.compile(r"""["']([^"']+)["']""")
CROSS_REFERENCED = ("fig-", "tbl-")


@dataclass
class Cell:
    indent: str
    fence: str
    language: str
    options: dict[str, Any]
    code: list[str]
    line: int  # the file's line of its opening fence


def convert(text: Text) -> tuple[Text, int]:
    """`text` with each code cell as a book shows it, and how many cells' code is shown (and
    was not run)."""
    out = Text(text.file)
    index, shown_code = 0, 0
    while index < len(text.lines):
        line, origin = text.lines[index], text.origins[index]
        opened = OPEN.match(line)
        if opened is None:
            out.add(line, origin)
            index += 1
            continue
        cell, index = _cell(text, index, opened)
        shown = _graphics(cell)
        if shown is None:
            shown = _hidden(cell)
        if shown is None:
            shown, shown_code = _code(cell), shown_code + 1
        for written in shown:
            out.add(written, origin)
    return out, shown_code


def not_run(cells: dict[str, int]) -> list[ImportProblem]:
    """One problem for the book's code cells, the files and how many in each."""
    if not cells:
        return []
    total, files = sum(cells.values()), f"{len(cells)} file" + ("s" if len(cells) > 1 else "")
    said = (
        f"{total} code cells in {files} were not run: their code is kept; what running it "
        "prints or draws (figures, tables, output) is not"
    )
    return [ImportProblem(next(iter(cells)), None, said)]


def _cell(text: Text, start: int, opened: re.Match[str]) -> tuple[Cell, int]:
    indent, fence, language, header = opened.groups()
    options: dict[str, Any] = {
        k.replace(".", "-"): v.strip("\"'") for k, v in HEADER_OPTION.findall(header)
    }
    label = header.split(",")[0].strip()
    if label and "=" not in label:
        options["label"] = label
    index, yaml_lines, code = start + 1, [], []  # type: tuple[int, list[str], list[str]]
    closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    while index < len(text.lines) and not closing.match(text.lines[index]):
        option = OPTION.match(text.lines[index])
        if option and not code:
            yaml_lines.append(option.group(1))
        else:
            code.append(text.lines[index].removeprefix(indent))
        index += 1
    try:
        found = yaml.safe_load("\n".join(yaml_lines)) if yaml_lines else None
    except yaml.YAMLError:
        found = None
    if isinstance(found, dict):
        options.update({str(k): v for k, v in found.items()})
    while code and not code[-1].strip():
        code.pop()
    cell = Cell(indent, fence, language.lower(), options, code, text.origins[start])
    return cell, index + 1


def _false(value: Any) -> bool:
    return value is False or str(value).strip().lower() in ("false", "no")


def _hidden(cell: Cell) -> list[str] | None:
    """Nothing for a cell readers do not see (but a place for links to it); None if they do."""
    if _false(cell.options.get("include", True)) or _false(cell.options.get("echo", True)):
        label = str(cell.options.get("label", ""))
        if label.startswith(CROSS_REFERENCED) and re.fullmatch(r"[\w-]+", label):
            return ["", f"{cell.indent}[]{{#{label}}}", ""]  # links to it lead to where it stood
        return []
    return None


def _code(cell: Cell) -> list[str]:
    """The code as a code block; links to what it draws lead to it (a place before it)."""
    label = str(cell.options.get("label", ""))
    place = label.startswith(CROSS_REFERENCED) and re.fullmatch(r"[\w-]+", label)
    return [
        *(["", f"{cell.indent}[]{{#{label}}}", ""] if place else []),
        f"{cell.indent}{cell.fence}{{.{cell.language}}}",
        *(f"{cell.indent}{line}" if line else "" for line in cell.code),
        f"{cell.indent}{cell.fence}",
    ]


def _graphics(cell: Cell) -> list[str] | None:
    """`![caption](path){#label}` for a cell whose code only shows image files."""
    code = [line for line in cell.code if line.strip() and not line.strip().startswith("#")]
    if not code or not all(GRAPHICS.match(line) for line in code):
        return None
    paths = [path for line in code for path in PATH.findall(GRAPHICS.match(line).group(1))]  # type: ignore[union-attr]
    caption = " ".join(
        str(cell.options.get("fig-cap") or cell.options.get("fig-alt") or "").split()
    )
    caption = caption.replace("[", "\\[").replace("]", "\\]")
    label = str(cell.options.get("label", ""))
    shown = []
    for number, path in enumerate(paths):
        identifier = f"{{#{label}}}" if number == 0 and re.fullmatch(r"[\w-]+", label) else ""
        shown += ["", f"{cell.indent}![{caption}]({path}){identifier}", ""]
    return shown
