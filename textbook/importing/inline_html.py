"""Raw HTML our Markdown has a way to say: `<kbd>Ctrl</kbd>` as code, `<sup>`/`<sub>` as
superscript and subscript, `<br>` as a line break, `<em>`/`<strong>` as emphasis, `<img>` as
an image; a comment
is left out without a word (it showed nothing)."""

from __future__ import annotations

import re
from typing import Any

from textbook.importing.tree import Element, text, words

OPEN = re.compile(r"^<(kbd|sup|sub|em|i|b|strong|code|var|samp)(?:\s[^<>]*)?>$", re.IGNORECASE)
BREAK = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
IMAGE = re.compile(r"^<img\s[^<>]*>$", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""\b(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
COMMENT = re.compile(r"^\s*<!--.*-->\s*$", re.DOTALL)
KINDS = {"sup": "Superscript", "sub": "Subscript", "em": "Emph", "i": "Emph", "b": "Strong"}
KINDS |= {"strong": "Strong"}


def said(node: Any) -> Any:
    """The tree with such HTML as elements of its own."""
    if isinstance(node, dict):
        return {key: said(value) for key, value in node.items()}
    if not isinstance(node, list):
        return node
    out: list[Any] = []
    index = 0
    while index < len(node):
        item = said(node[index])
        index += 1
        if not _is_raw(item):
            out.append(item)
            continue
        content = item["c"][1].strip()
        if COMMENT.match(content):
            continue
        if BREAK.match(content):
            out.append({"t": "LineBreak"})
            continue
        if IMAGE.match(content) and "src" in (found := _attributes(content)):
            image = {
                "t": "Image",
                "c": [["", [], []], words(found.get("alt", "")), [found["src"], ""]],
            }
            out.append(image if item["t"] == "RawInline" else {"t": "Para", "c": [image]})
            continue
        opened = OPEN.match(content)
        end = _closing(node, index, opened.group(1).lower()) if opened else None
        if opened is None or end is None:
            out.append(item)
            continue
        inside = [said(x) for x in node[index:end]]
        if not inside:  # an icon, say: nothing to show, and said
            out.append(item)
            continue
        out.append(_element(opened.group(1).lower(), inside))
        index = end + 1
    return out


def _is_raw(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and item.get("t") in ("RawInline", "RawBlock")
        and item["c"][0] == "html"
    )


def _attributes(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in ATTRIBUTE.finditer(tag)}


def _closing(items: list[Any], start: int, tag: str) -> int | None:
    for index in range(start, min(len(items), start + 200)):
        item = items[index]
        if _is_raw(item) and item["c"][1].strip().lower() == f"</{tag}>":
            return index
        if _is_raw(item) and OPEN.match(item["c"][1].strip()):
            return None  # nested tags: left as they are, and said
    return None


def _element(tag: str, inside: list[Element]) -> Element:
    if tag in KINDS:
        return {"t": KINDS[tag], "c": inside}
    return {"t": "Code", "c": [["", [], []], text(inside)]}
