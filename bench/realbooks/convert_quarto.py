"""Convert a Quarto book (_quarto.yml, .qmd chapters) into a textbook source folder.

    python bench/realbooks/convert_quarto.py BOOK_DIR OUT_DIR --license SPDX

Each chapter (and appendix) listed in _quarto.yml becomes a chapter file; a chapter holding only
the reference list (`::: {#refs}`) is left out, as every chapter ends with its own references.
What Quarto does when it renders is done here: code cells become code blocks (the cell options go;
cells hidden with `echo: false` or `include: false` go too, their output is not shown because the
book is not executed), `{{< include >}}` and the book's `showcode` shortcode are expanded, cross-
references such as `@sec-x`, `@fig-x`, `@eq-x`, `@thm-x` become links to those ids, theorem and
definition blocks get their label in bold, and callout titles stop being headings. Citations stay
as they are, and references.bib is copied. Every heading gets a stable `{#id}`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))

from common import (
    Ids,
    Images,
    Metadata,
    close_gaps,
    fresh_folder,
    scan,
    slugify,
    split_heading,
    write_book_yaml,
)

CROSSREF_KINDS = {
    "sec": "Section",
    "fig": "Figure",
    "tbl": "Table",
    "eq": "Equation",
    "lst": "Listing",
    "thm": "Theorem",
    "lem": "Lemma",
    "cor": "Corollary",
    "prp": "Proposition",
    "cnj": "Conjecture",
    "def": "Definition",
    "exm": "Example",
    "exr": "Exercise",
    "sol": "Solution",
    "rem": "Remark",
}
CROSSREF = re.compile(r"(?<![\w@])\[?-?@((?:" + "|".join(CROSSREF_KINDS) + r")-[\w-]*\w)\]?")
CELL = re.compile(r"^(\s*)(`{3,})\{(\w+)[^}]*\}\s*$")
SHORTCODE = re.compile(r"\{\{<\s*(\w+)\s*([^>]*?)\s*>\}\}")
# How a line comment starts in the languages of the files shown with `showcode`.
COMMENT = {"stan": "//", "py": "#", "r": "#", "R": "#", "jl": "#", "cpp": "//", "c": "//"}
DISPLAY_ID = re.compile(r"^(.*\$\$)\s*\{#([\w-]+)\}\s*$")
DIV_OPEN = re.compile(r"^(:{3,})\s*\{([^}]*)\}\s*$")
TEX_ENVIRONMENT = re.compile(r"^\s*\\begin\{(eqnarray|align|equation|gather|multline)\*?\}")
ANY_ID = re.compile(r"\{([^{}]*?)#([A-Za-z][\w-]*)([^{}]*)\}")


@dataclass
class Chapter:
    source: Path
    lines: list[str]
    title: str = ""


@dataclass
class Converter:
    root: Path
    out: Path
    ids: Ids = field(default_factory=Ids)
    renamed: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    heading_ids: dict[tuple[Path, int], str] = field(default_factory=dict)

    def read(self, path: Path) -> Chapter:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        text = bare_environments(text)
        title = ""
        front = re.match(r"^---\n(.*?)\n---\n", text, re.DOTALL)
        if front:
            data = yaml.safe_load(front.group(1)) or {}
            title = str(data.get("title", "")) if isinstance(data, dict) else ""
            text = text[front.end() :]
        text = self.shortcodes(text, path.parent)
        lines = self.cells(text.split("\n"))
        if title and not any(split_heading(line) for line in lines[:3]):
            lines = [f"# {title}", "", *lines]
        return Chapter(path, lines, title)

    def shortcodes(self, text: str, base: Path) -> str:
        def one(match: re.Match[str]) -> str:
            name, arguments = match.group(1), match.group(2).split()
            if name not in ("include", "showcode") or not arguments:
                return ""  # video, pagebreak, meta...: nothing a static edition can show
            path = base / arguments[0]
            if not path.is_file():
                return f"(file not found: {arguments[0]})"
            lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
            if name == "include":
                return "\n".join(lines)
            skip = next((int(a.split("=")[1]) for a in arguments if a.startswith("skiplines=")), 0)
            language = path.suffix.lstrip(".")
            body = "\n".join(lines[skip:])
            comment = COMMENT.get(language)
            if comment is None:
                return f"`{path.name}`\n\n```{language}\n{body}\n```"
            # The file's name as the code's first line keeps the two together on a page.
            return f"```{language}\n{comment} {path.name}\n\n{body}\n```"

        return SHORTCODE.sub(one, text)

    def cells(self, lines: list[str]) -> list[str]:
        """Executable cells as plain code blocks, without their `#|` options."""
        result: list[str] = []
        index = 0
        while index < len(lines):
            match = CELL.match(lines[index])
            if match is None:
                result.append(lines[index])
                index += 1
                continue
            indent, fence, language = match.groups()
            end = index + 1
            while end < len(lines) and lines[end].strip() != fence:
                end += 1
            body = lines[index + 1 : end]
            options = " ".join(line for line in body if line.lstrip().startswith("#|"))
            code = [line for line in body if not line.lstrip().startswith("#|")]
            hidden = re.search(r"(echo|include):\s*false", options)
            if not hidden and any(line.strip() for line in code):
                result.extend([f"{indent}{fence}{language}", *code, f"{indent}{fence}"])
            index = end + 1
        return result

    def claim_ids(self, chapter: Chapter) -> None:
        """A stable id for every heading and labelled block; remember the renames."""
        for line in scan(chapter.lines):
            if line.in_code:
                continue
            heading = split_heading(line.text)
            if heading is not None:
                _, title, explicit = heading
                new = self.ids.claim(explicit or title)
                if explicit:
                    self.renamed[explicit] = new
                self.titles[new] = title
                self.heading_ids[(chapter.source, line.index)] = new
                continue
            for found in ANY_ID.finditer(line.text):
                if found.group(2) not in self.renamed:
                    self.renamed[found.group(2)] = self.ids.claim(found.group(2))

    def rewrite(self, chapter: Chapter, images: Images) -> list[str]:
        result: list[str] = []
        divs: list[str] = []
        first = True
        for line in scan(chapter.lines):
            text = line.text
            if line.in_code:
                result.append(text)
                continue
            heading = split_heading(text)
            if heading is not None and divs and divs[-1] != "plain":
                result.append(f"**{heading[1]}.**")  # a callout's or theorem's title
                continue
            if heading is not None:
                level, title, _ = heading
                if first and level > 1:
                    level = 1
                new = self.heading_ids[(chapter.source, line.index)]
                result.append(f"{'#' * (1 if first else max(level, 2))} {title} {{#{new}}}")
                first = False
                continue
            opening = DIV_OPEN.match(text)
            if opening:
                text, kind = self.div(opening)
                divs.append(kind)
                result.append(text)
                continue
            if re.match(r"^:{3,}\s*$", text) and divs:
                divs.pop()
                result.append(text)
                continue
            display = DISPLAY_ID.match(text)
            if display:
                new = self.renamed.get(display.group(2), display.group(2))
                result.append(display.group(1))
                result.append(f"[]{{#{new}}}")  # an anchor the cross-reference can reach
                continue
            text = re.sub(r"\\hfill\s*", "", text)  # TeX spacing: Quarto's HTML drops it too
            text = ANY_ID.sub(self.attributes, text)
            text = CROSSREF.sub(self.crossref, text)
            text = re.sub(r"\]\(@([\w-]+)\)", self.link_to_label, text)
            result.append(images.rewrite(text, chapter.source.parent))
        return result

    def attributes(self, match: re.Match[str]) -> str:
        new = self.renamed.get(match.group(2), match.group(2))
        return f"{{{match.group(1)}#{new}{match.group(3)}}}"

    def link_to_label(self, match: re.Match[str]) -> str:
        return f"](#{self.renamed.get(match.group(1), match.group(1))})"

    def div(self, opening: re.Match[str]) -> tuple[str, str]:
        attributes = opening.group(2)
        found = re.search(r"#([\w-]+)", attributes)
        kind = found.group(1).split("-")[0] if found else ""
        classes = " ".join(re.findall(r"\.[\w-]+", attributes))
        if found and kind in CROSSREF_KINDS:
            new = self.renamed.get(found.group(1), found.group(1))
            return f"{opening.group(1)} {{#{new} .{kind}}}\n**{CROSSREF_KINDS[kind]}.**", kind
        if "callout" in classes:
            return f"{opening.group(1)} {{{classes}}}", "callout"
        if found and found.group(1) == "refs":
            return "", "plain"
        new_id = f"#{self.renamed.get(found.group(1), found.group(1))} " if found else ""
        return f"{opening.group(1)} {{{new_id}{classes}}}".replace("{}", "{.block}"), "plain"

    def crossref(self, match: re.Match[str]) -> str:
        label = match.group(1)
        kind = label.split("-")[0]
        new = self.renamed.get(label, slugify(label))
        words = self.titles.get(new) if kind == "sec" else None
        return f"[{words or CROSSREF_KINDS[kind]}](#{new})"


def bare_environments(text: str) -> str:
    """`\\begin{align}...\\end{align}` outside `$$`, which Quarto hands to MathJax, in `$$`."""
    lines, result, display, index = text.split("\n"), [], False, 0
    while index < len(lines):
        line = lines[index]
        opening = TEX_ENVIRONMENT.match(line) if not display else None
        if opening is None:
            display ^= line.count("$$") % 2 == 1
            result.append(line)
            index += 1
            continue
        end = index
        while end < len(lines) - 1 and f"\\end{{{opening.group(1)}" not in lines[end]:
            end += 1
        result.extend(["$$", *lines[index : end + 1], "$$"])
        index = end + 1
    return "\n".join(result)


def chapter_files(book: dict[str, Any]) -> list[str]:
    files: list[str] = []
    for item in [*book.get("chapters", []), *book.get("appendices", [])]:
        if isinstance(item, str):
            files.append(item)
        elif isinstance(item, dict):
            if isinstance(item.get("part"), str) and item["part"].endswith((".qmd", ".md")):
                files.append(item["part"])
            files.extend(c for c in item.get("chapters", []) if isinstance(c, str))
    return files


def only_references(lines: list[str]) -> bool:
    body = [line for line in lines if line.strip() and not line.startswith("#")]
    return all(line.strip().startswith(":::") for line in body)


def authors_of(book: dict[str, Any]) -> list[str]:
    found = book.get("author", [])
    found = found if isinstance(found, list) else [found]
    names = [str(a.get("name", "")) if isinstance(a, dict) else str(a) for a in found if a]
    # Quarto prints `author: "A and B"` as it is; book.yaml wants one name a line.
    parts = [part.strip() for name in names for part in re.split(r",\s*|\s+and\s+", name)]
    return [part for part in parts if part]


def convert(root: Path, out: Path, license_id: str) -> list[str]:
    config = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))
    book = config.get("book", {})
    fresh_folder(out)
    converter = Converter(root, out)
    images = Images(out)
    chapters = [converter.read(root / name) for name in chapter_files(book)]
    chapters = [c for c in chapters if not only_references(c.lines)]
    for chapter in chapters:
        converter.claim_ids(chapter)
    files = []
    for chapter in chapters:
        lines = close_gaps(converter.rewrite(chapter, images))
        heading = next((split_heading(line) for line in lines if split_heading(line)), None)
        name = f"{heading[2] if heading and heading[2] else slugify(chapter.source.stem)}.md"
        (out / name).write_text("\n".join(lines).strip() + "\n", encoding="utf-8")
        files.append(name)
    bibliography = config.get("bibliography") or book.get("bibliography")
    if isinstance(bibliography, list):
        bibliography = bibliography[0]
    if bibliography and (root / bibliography).is_file():
        shutil.copyfile(root / bibliography, out / "references.bib")
    authors = authors_of(book)
    description = str(book.get("description", "") or "")
    metadata: Metadata = {
        "title": str(book.get("title", root.name)),
        "subtitle": str(book.get("subtitle", "") or ""),
        "language": str(config.get("lang", "en")),
        "license": license_id,
        "identifier": f"urn:textbook:converted:{out.name}",
        "description": description,
        "authors": authors,
    }
    write_book_yaml(out, metadata, files)
    return images.missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("book", type=Path, help="the Quarto book folder (with _quarto.yml)")
    parser.add_argument("out", type=Path, help="the source folder to write (its name is the slug)")
    parser.add_argument("--license", required=True, help="SPDX id of the book's licence")
    args = parser.parse_args()
    for path in convert(args.book, args.out, args.license):
        print(f"image not found, reference kept: {path}", file=sys.stderr)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
