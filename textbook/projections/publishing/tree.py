"""Walking a pandoc AST: its nodes, the ids it defines, its words."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every node of an AST fragment, depth first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "t" in item:
                yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def attr_of(node: dict[str, Any]) -> list[Any] | None:
    content: Any = node.get("c")
    kind = node["t"]
    if kind == "Header":
        return list(content[1])
    if kind in ("Div", "Span", "Code", "CodeBlock", "Link", "Image", "Table", "Figure"):
        return list(content[0])
    return None


def defined_ids(ast: dict[str, Any]) -> Iterator[str]:
    for node in nodes(ast["blocks"]):
        attr = attr_of(node)
        if attr and attr[0]:
            yield attr[0]


def first_header(ast: dict[str, Any]) -> list[Any]:
    for block in ast["blocks"]:
        if block["t"] == "Header":
            return list(block["c"][2])
    return []


def plain_text(inlines: list[Any]) -> str:
    words = []
    for node in nodes(inlines):
        if node["t"] == "Str":
            words.append(node["c"])
        elif node["t"] in ("Space", "SoftBreak", "LineBreak"):
            words.append(" ")
        elif node["t"] in ("Code", "Math"):
            words.append(node["c"][1])
        elif node["t"] == "Note":
            break
    return "".join(words).strip()
