"""Convert an mdBook (book.toml, src/SUMMARY.md) into a textbook source folder.

    python bench/realbooks/convert_mdbook.py BOOK_DIR OUT_DIR [--license SPDX]

Each top-level entry of SUMMARY.md becomes a chapter file; nested entries follow it in the same
file as sections, their headings moved down by their depth. Every heading gets a stable `{#id}`,
and links to `file.md` or `file.md#anchor` become links to those ids. What mdBook itself does when
it builds is done here too: `{{#include}}`, `{{#rustdoc_include}}` and `{{#playground}}` are
expanded, `{{#title}}` is dropped, Rust lines hidden with `# ` are left out, `\\( \\)` and
`\\[ \\]` MathJax delimiters become `$` and `$$`. Headings inside code and HTML comments are left
alone, as pandoc and mdBook leave them.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import (
    Ids,
    Images,
    Metadata,
    close_gaps,
    fresh_folder,
    scan,
    split_heading,
    write_book_yaml,
)

ENTRY = re.compile(r"^(\s*)(?:[-*]|\d+\.)\s+\[(.*)\]\((.*)\)\s*$")
AFFIX = re.compile(r"^\[(.*)\]\((.*)\)\s*$")
DIRECTIVE = re.compile(r"(\\?)\{\{#(include|rustdoc_include|playground|title)\s+([^}]*)\}\}")
LINK = re.compile(r"(?<!!)(\[(?:[^\[\]]|\[[^\]]*\])*\]\()([^)\s]+)(\))")
ANCHOR_LINE = re.compile(r"ANCHOR(?:_END)?:\s*(\w+)")


@dataclass
class Entry:
    title: str
    path: Path | None
    depth: int
    children: list[Entry] = field(default_factory=list)


def read_summary(src: Path) -> list[Entry]:
    """The top-level entries (prefix, numbered, suffix), with their nested entries."""
    top: list[Entry] = []
    stack: list[Entry] = []
    for line in (src / "SUMMARY.md").read_text(encoding="utf-8").split("\n"):
        match = ENTRY.match(line)
        affix = AFFIX.match(line.strip()) if match is None else None
        if match is None and affix is None:
            continue
        if match:
            indent, title, target = (
                len(match.group(1).expandtabs(4)),
                match.group(2),
                match.group(3),
            )
        else:
            assert affix is not None
            indent, title, target = 0, affix.group(1), affix.group(2)
        depth = indent // 2 if indent % 4 else indent // 4
        entry = Entry(title, src / target if target.strip() else None, depth)
        while stack and stack[-1].depth >= depth:
            stack.pop()
        if stack:
            stack[-1].children.append(entry)
        else:
            top.append(entry)
        stack.append(entry)
    return top


def mdbook_anchor(title: str) -> str:
    """The id mdBook gives a heading: lowercase, spaces to hyphens, other punctuation dropped."""
    text = re.sub(r"<[^>]+>|`", "", title).strip().lower()
    return "".join(c if c.isalnum() or c in "-_" else "-" if c.isspace() else "" for c in text)


def include(target: str, base: Path) -> str:
    parts = target.strip().split()[0].split(":")
    path = (base / parts[0]).resolve()
    if not path.is_file():
        return f"(mdBook include not found: {parts[0]})"
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    if len(parts) == 2 and parts[1] and not parts[1].isdigit():
        name, inside, kept = parts[1], False, []
        for line in lines:
            found = ANCHOR_LINE.search(line)
            if found and found.group(1) == name:
                inside = "ANCHOR_END" not in line
                continue
            if inside and not ANCHOR_LINE.search(line):
                kept.append(line)
        lines = kept
    elif len(parts) >= 2:
        start = int(parts[1]) if parts[1] else 1
        end = int(parts[2]) if len(parts) > 2 and parts[2] else len(lines)
        lines = lines[start - 1 : end] if len(parts) > 2 else lines[start - 1 : start]
    else:
        lines = [line for line in lines if not ANCHOR_LINE.search(line)]
    return "\n".join(lines)


def expand(text: str, base: Path, depth: int = 0) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0)[1:]  # an escaped directive shows as written
        kind, target = match.group(2), match.group(3)
        if kind == "title":
            return ""
        body = include(target, base)
        if depth < 5 and kind == "include":
            body = expand(body, (base / target.split(":")[0].split()[0]).parent, depth + 1)
        if kind == "playground":
            return f"```rust\n{body}\n```"
        return body

    return DIRECTIVE.sub(one, text)


@dataclass
class Converter:
    src: Path
    out: Path
    ids: Ids = field(default_factory=Ids)
    anchors: dict[tuple[Path, str], str] = field(default_factory=dict)
    images: Images | None = None

    def file_text(self, entry: Entry) -> list[str]:
        assert entry.path is not None
        text = expand(entry.path.read_text(encoding="utf-8"), entry.path.parent)
        text = text.replace("\r\n", "\n")
        assert self.images is not None
        return self.images.rewrite(text, entry.path.parent).split("\n")

    def headings(self, entry: Entry, lines: list[str], level: int) -> list[str]:
        """The file's lines with its headings moved to start at `level`, each with an id."""
        assert entry.path is not None
        found = [
            (line.index, split_heading(line.text))
            for line in scan(lines)
            if not line.in_code and not line.in_comment and split_heading(line.text)
        ]
        top = min((h[0] for _, h in found if h), default=1)
        opens = bool(found) and not "".join(lines[: found[0][0]]).strip()
        single_top = sum(1 for _, h in found if h and h[0] == top) == 1
        output = list(lines)
        shift = level - top
        if not (opens and single_top and found[0][1] and found[0][1][0] == top):
            new_id = self.ids.claim(entry.title)
            self.anchors[(entry.path.resolve(), "")] = new_id
            output.insert(0, f"{'#' * level} {entry.title} {{#{new_id}}}\n")
            found = [(index + 1, heading) for index, heading in found]
            shift += 1
        for position, (index, heading) in enumerate(found):
            assert heading is not None
            old_level, title, explicit = heading
            new_id = self.ids.claim(explicit or title)
            if position == 0 and (entry.path.resolve(), "") not in self.anchors:
                self.anchors[(entry.path.resolve(), "")] = new_id
            self.anchors[(entry.path.resolve(), explicit or mdbook_anchor(title))] = new_id
            new_level = min(6, max(1, old_level + shift))
            output[index] = f"{'#' * new_level} {title} {{#{new_id}}}"
        return output

    def chapter(self, entry: Entry) -> list[tuple[Entry, list[str]]]:
        parts: list[tuple[Entry, list[str]]] = []

        def walk(item: Entry, level: int) -> None:
            if item.path is not None and item.path.is_file():
                parts.append((item, self.headings(item, self.file_text(item), level)))
            for child in item.children:
                walk(child, min(level + 1, 6))

        walk(entry, 1)
        return parts

    def links(self, entry: Entry, lines: list[str]) -> list[str]:
        assert entry.path is not None
        source = entry.path

        def one(match: re.Match[str]) -> str:
            target = match.group(2)
            if re.match(r"^[a-z]+:", target) or target.startswith("<"):
                return match.group(0)
            path_part, _, fragment = target.partition("#")
            path = (source.parent / path_part).resolve() if path_part else source.resolve()
            if path.suffix == ".html":
                path = path.with_suffix(".md")
            if path.is_dir():
                path = path / "README.md"
            new_id = self.anchors.get((path, fragment)) or self.anchors.get((path, ""))
            if new_id is None:
                return match.group(0)
            return f"{match.group(1)}#{new_id}{match.group(3)}"

        result = []
        for line in scan(lines):
            text = line.text
            if not line.in_code and not line.in_comment:
                text = LINK.sub(one, text)
                text = re.sub(r"\\\\\((.+?)\\\\\)", r"$\1$", text)
                text = text.replace("\\\\[", "$$").replace("\\\\]", "$$")
            result.append(text)
        return result


REFERENCE = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*(\S+)")


def relabel(text: str, label: str, new: str) -> str:
    """Links using reference `label` (full, collapsed or shortcut) use `new` instead."""
    if REFERENCE.match(text):
        return text

    def one(match: re.Match[str]) -> str:
        return f"][{new}]" if match.group(0).startswith("]") else f"[{label}][{new}]"

    old = re.escape(label)
    return re.sub(rf"\]\[{old}\]|\[{old}\](\[\])?(?![(:\[])", one, text, flags=re.IGNORECASE)


def unique_references(parts: list[list[str]]) -> list[list[str]]:
    """Link reference definitions made unique across the files put into one chapter.

    Two mdBook files may both define `[Book]:`, each for its own target; in one chapter file the
    first would win for both. A later definition with another target is renamed (`Book-2`) along
    with the links that use it; one with the same target goes.
    """
    seen: dict[str, str] = {}
    result = []
    for part in parts:
        renamed: dict[str, str] = {}
        kept = []
        for line in scan(part):
            match = REFERENCE.match(line.text) if not (line.in_code or line.in_comment) else None
            if match is None:
                kept.append(line.text)
                continue
            label, target = match.groups()
            key = " ".join(label.lower().split())
            if seen.get(key, target) != target:  # defined before, for another target
                number = 2
                while f"{key}-{number}" in seen:
                    number += 1
                renamed[label], key = f"{label}-{number}", f"{key}-{number}"
            elif key in seen:  # the same definition again
                continue
            seen[key] = target
            kept.append(line.text.replace(f"[{label}]:", f"[{renamed.get(label, label)}]:", 1))
        for label, new in renamed.items():
            kept = [
                text if line.in_code or line.in_comment else relabel(text, label, new)
                for line, text in zip(scan(kept), kept, strict=True)
            ]
        result.append(kept)
    return result


LIST_ITEM = re.compile(r"^ {0,3}([-*+]|1[.)])\s+\S")


def blank_before_lists(lines: list[str]) -> list[str]:
    """A blank line between a paragraph and a list that follows it.

    In CommonMark (mdBook) a list may start right under a paragraph line; pandoc's Markdown reads
    it as more of the paragraph ("... in your book.toml: - General configuration ...").
    """
    result: list[str] = []
    in_list = False
    for line in scan(lines):
        text, previous = line.text, (result[-1] if result else "")
        if not (line.in_code or line.in_comment):
            if LIST_ITEM.match(text):
                opens = previous.strip() and not previous.lstrip().startswith(("#", "|", ">"))
                if opens and not in_list:
                    result.append("")
                in_list = True
            elif text.strip() and not text[0].isspace() and not previous.strip():
                in_list = False
        result.append(text)
    return result


def clean_code(lines: list[str]) -> list[str]:
    """Fence info such as `rust,editable` becomes `rust`; Rust lines hidden with `# ` go."""
    result, language = [], None
    for line in scan(lines):
        text = line.text
        if line.in_code:
            stripped = text.lstrip()
            fence = re.match(r"^(`{3,}|~{3,})([^`]*)$", stripped)
            if fence and language is None:
                info = re.split(r"[,\s]", fence.group(2).strip())[0]
                language = info or ""
                text = text[: len(text) - len(stripped)] + fence.group(1) + info
            elif fence and not fence.group(2).strip():
                language = None
            elif language in ("rust", "rs") and re.match(r"^\s*#(\s|$)", text):
                continue
        result.append(text)
    return result


def convert(book: Path, out: Path, license_id: str) -> list[str]:
    config = tomllib.loads((book / "book.toml").read_text(encoding="utf-8"))
    meta = config.get("book", {})
    src = book / meta.get("src", "src")
    fresh_folder(out)
    converter = Converter(src, out, images=Images(out))
    chapters: list[tuple[str, list[tuple[Entry, list[str]]]]] = []
    for entry in read_summary(src):
        if entry.path is None or not entry.path.is_file():
            continue
        parts = converter.chapter(entry)
        chapters.append((converter.anchors[(entry.path.resolve(), "")], parts))
    files = []
    for chapter_id, parts in chapters:
        lines: list[str] = []
        texts = unique_references([blank_before_lists(clean_code(part)) for _, part in parts])
        for (entry, _), text in zip(parts, texts, strict=True):
            lines.extend(converter.links(entry, text))
            lines.append("")
        name = f"{chapter_id}.md"
        (out / name).write_text("\n".join(close_gaps(lines)).rstrip() + "\n", encoding="utf-8")
        files.append(name)
    authors = [str(name) for name in meta.get("authors", [])]
    description = meta.get("description", "")
    metadata: Metadata = {
        "title": meta.get("title", book.name),
        "language": meta.get("language", "en"),
        "license": license_id,
        "identifier": f"urn:textbook:converted:{out.name}",
        "description": description,
        "authors": authors,
    }
    write_book_yaml(out, metadata, files)
    assert converter.images is not None
    return converter.images.missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("book", type=Path, help="the mdBook folder (with book.toml)")
    parser.add_argument("out", type=Path, help="the source folder to write (its name is the slug)")
    parser.add_argument("--license", default="MPL-2.0", help="SPDX id of the book's licence")
    args = parser.parse_args()
    missing = convert(args.book, args.out, args.license)
    for path in missing:
        print(f"image not found, reference kept: {path}", file=sys.stderr)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
