"""Walking pandoc's JSON AST: rewrite elements, read text, count what readers will see."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

Element = dict[str, Any]
Rewrite = Callable[[Element], list[Element]]


def rewrite(node: Any, change: Rewrite) -> Any:
    """The tree with every element (a dict with "t") in a list replaced by `change(element)`,
    children first. `change` returns the element's replacements: [element] keeps it."""
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            item = rewrite(item, change)
            if isinstance(item, dict) and "t" in item:
                out.extend(change(item))
            else:
                out.append(item)
        return out
    if isinstance(node, dict):
        return {key: rewrite(value, change) for key, value in node.items()}
    return node


def elements(node: Any) -> Iterator[Element]:
    """Every element in the tree, parents before children."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "t" in item:
                yield item
            stack.extend(reversed(list(item.values())))


def text(node: Any) -> str:
    """The plain text of inlines (or of anything): what a reader reads, without markup."""
    parts: list[str] = []
    for element in elements(node):
        kind, content = element["t"], element.get("c", "")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Code", "Math"):
            parts.append(content[1])
        elif kind == "MetaString":
            parts.append(content)
    return " ".join("".join(parts).split())


def attr_of(element: Element) -> list[Any] | None:
    """The [id, classes, key-values] of an element that has them."""
    kind, content = element["t"], element.get("c", [])
    if kind in ("Div", "Span", "Figure", "Table", "CodeBlock", "Code", "Image", "Link"):
        return cast(list[Any], content[0])
    if kind == "Header":
        return cast(list[Any], content[1])
    return None


def header(level: int, identifier: str, inlines: list[Element]) -> Element:
    return {"t": "Header", "c": [level, [identifier, [], []], inlines]}


def words(value: str) -> list[Element]:
    """Inlines for plain text."""
    out: list[Element] = []
    for word in value.split():
        if out:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def meta_value(meta: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in meta:
            return meta[key]
    return None


def meta_text(meta: dict[str, Any], *keys: str) -> str:
    value = meta_value(meta, *keys)
    if value is None:
        return ""
    if isinstance(value, dict) and value.get("t") == "MetaList":
        return ", ".join(text(item) for item in value["c"])
    if isinstance(value, dict) and value.get("t") == "MetaMap":
        return text(value["c"].get("name") or value["c"].get("text") or "")
    return text(value)


def meta_names(meta: dict[str, Any], *keys: str) -> list[str]:
    """A list of people's names, from a list, one name, or maps with a `name` (Quarto)."""
    value = meta_value(meta, *keys)
    if value is None:
        return []
    items = value["c"] if isinstance(value, dict) and value.get("t") == "MetaList" else [value]
    names = []
    for item in items:
        if isinstance(item, dict) and item.get("t") == "MetaMap":
            item = item["c"].get("name", {})
            if isinstance(item, dict) and item.get("t") == "MetaMap":
                item = item["c"].get("literal") or item["c"].get("given") or {}
        name = text(item)
        if name:
            names.append(name)
    return names


def is_empty_anchor(element: Element) -> bool:
    """`[]{#id}`: a place links may point to, showing nothing."""
    return element["t"] == "Span" and not element["c"][1] and bool(element["c"][0][0])


def is_blank(block: Element) -> bool:
    """A paragraph of nothing but anchors and spaces."""
    if block["t"] not in ("Para", "Plain"):
        return False
    return all(
        i["t"] in ("Space", "SoftBreak", "LineBreak") or is_empty_anchor(i) for i in block["c"]
    )
