"""Making an author's pandoc AST inert: no raw markup, no event handlers, no foreign URLs.

The AST is pandoc's JSON: nodes are {"t": type, "c": content}; an Attr is [id, [classes],
[[key, value], ...]]. Everything an author can write passes through `sanitize` before any writer
sees it, so that nothing an author writes can run as script or fetch anything from outside.
"""

from __future__ import annotations

import re
from typing import Any

from textbook.domain.checks import is_generated_id

SAFE_ID = re.compile(r"^[A-Za-z][\w:.-]{0,100}$")
SAFE_CLASS = re.compile(r"^[A-Za-z][\w-]{0,50}$")
SAFE_LENGTH = re.compile(r"^\d{1,4}(\.\d{1,3})?(%|px|em|rem|cm|mm|in|pt)?$")
SAFE_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")
SAFE_URL = re.compile(r"^(https?://[^\s]+|mailto:[^\s]+|#[\w:.-]+)$", re.IGNORECASE)
# A figure's description for readers who cannot see it (`{desc="..."}`): plain words, one line.
SAFE_DESCRIPTION = re.compile(r"^[^\x00-\x1f\x7f]{1,2000}$")
ALLOWED_KEYS = {
    "width": SAFE_LENGTH,
    "height": SAFE_LENGTH,
    "lang": SAFE_LANG,
    "desc": SAFE_DESCRIPTION,
}
MAX_CAPTION = 300  # characters of a listing's caption
# A span may mark an index entry or a glossary term (glossary.py in the domain): its words, which
# the formats write as text (escaped), never as markup or an address.
SAFE_WORDS = re.compile(r"^[^\x00-\x1f<>{}]{0,200}$")
SPAN_KEYS = {**ALLOWED_KEYS, "index": SAFE_WORDS, "see": SAFE_WORDS, "term": SAFE_WORDS}
# The classes the pipeline gives what it makes: a cross-reference's link and the page it points at
# (pdf.py fills a "pageref"), a footnote, a tooltip, a paragraph after a display. An author's own
# would pass for the book's, so they are taken away, as are the ids it makes (checks.GENERATED_ID)
# and links to those ids: an author's `tbp-1` would be a second page marker in the EPUB.
GENERATED_CLASSES = frozenset({"cross-reference", "pageref", "footnote", "term-tip", "continues"})
MAX_DEPTH = 64
MAX_TABLE_CELLS = 20_000  # about 400 printed pages of table in one chapter


class UnsafeInput(Exception):
    """The text cannot be published as it is; the message says why, for a person."""


def is_attr(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], list)
        and all(isinstance(c, str) for c in value[1])
        and isinstance(value[2], list)
        and all(isinstance(kv, list) and len(kv) == 2 for kv in value[2])
    )


def clean_attr(attr: list[Any], allowed: dict[str, re.Pattern[str]] = ALLOWED_KEYS) -> list[Any]:
    identifier, classes, pairs = attr
    return [
        identifier if SAFE_ID.match(identifier) and not is_generated_id(identifier) else "",
        [c for c in classes if SAFE_CLASS.match(c) and c not in GENERATED_CLASSES][:10],
        [[key, value] for key, value in pairs if key in allowed and allowed[key].match(str(value))],
    ]


def sanitize(ast: dict[str, Any], images: set[str]) -> dict[str, Any]:
    """The AST with raw markup dropped, attributes and URLs checked, images from the book only."""
    check_depth(ast["blocks"])
    return {**ast, "meta": {}, "blocks": xml_text(clean_list(ast["blocks"], images))}


# What XML 1.0 forbids, which an EPUB's documents are: the control characters but tab and line
# ends, the surrogates, and U+FFFE and U+FFFF. One of them anywhere in the text (a word, a code
# block, an index entry, a description) made the EPUB unreadable (EPUBCheck's RSC-016).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> Any:
    """The value with every string in it rid of the characters XML cannot hold."""
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, list):
        return [xml_text(item) for item in value]
    if isinstance(value, dict):
        return {key: xml_text(item) for key, item in value.items()}
    return value


def check_brackets(markdown: str) -> None:
    """Refuse deeply nested brackets before pandoc sees them: its Markdown reader takes
    minutes and gigabytes on a few kilobytes of them."""
    depth = deepest = 0
    for character in markdown:
        if character == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif character == "]":
            depth = max(depth - 1, 0)
    if deepest > MAX_DEPTH:
        raise UnsafeInput(
            f"brackets nest {deepest} levels deep; at most {MAX_DEPTH} can be published"
        )


def check_depth(blocks: list[Any]) -> None:
    stack: list[tuple[Any, int]] = [(blocks, 0)]
    cells = 0
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeInput(
                f"the text nests more than {MAX_DEPTH} levels deep (lists, quotes or brackets)"
            )
        if isinstance(value, dict):
            if value.get("t") == "Table":
                cells += cells_in(value)
                if cells > MAX_TABLE_CELLS:
                    raise UnsafeInput(
                        f"its tables have more than {MAX_TABLE_CELLS:,} cells: split them up"
                    )
            stack.append((value.get("c"), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth) for item in value)


def clean_list(items: list[Any], images: set[str]) -> list[Any]:
    cleaned = []
    for item in items:
        result = clean(item, images)
        if not isinstance(item, dict):
            cleaned.append(result)
        elif isinstance(result, list):
            cleaned.extend(result)  # a node replaced by several (a link by its words)
        elif result is not None:
            cleaned.append(result)  # None: a node dropped (raw markup)
    return cleaned


def clean(value: Any, images: set[str]) -> Any:
    if isinstance(value, dict) and "t" in value:
        return clean_node(value, images)
    if is_attr(value):
        return clean_attr(value)
    if isinstance(value, list):
        return clean_list(value, images)
    if isinstance(value, dict):  # a citation: its prefix and suffix are inlines too
        return {key: clean(item, images) for key, item in value.items()}
    return value


def clean_node(node: dict[str, Any], images: set[str]) -> Any:
    kind = node["t"]
    if kind in ("RawBlock", "RawInline"):
        return None
    if kind == "Link":
        attr, inlines, (url, title) = node["c"]
        inlines = clean_list(inlines, images)
        if not SAFE_URL.match(url) or is_generated_id(url.removeprefix("#")):
            return inlines  # keep the words, drop the link
        return {"t": "Link", "c": [clean_attr(attr), inlines, [url, title]]}
    if kind == "Image":
        attr, inlines, (url, title) = node["c"]
        inlines = clean_list(inlines, images)
        name = url.removeprefix("images/")
        if not url.startswith("images/") or name not in images:
            return inlines
        return {"t": "Image", "c": [clean_attr(attr), inlines, [url, title]]}
    if kind == "CodeBlock":
        attr, code = node["c"]
        return {"t": kind, "c": [listing_attr(attr), code]}
    if kind == "Span" and is_attr(node["c"][0]):
        attr, inlines = node["c"]
        return {"t": "Span", "c": [clean_attr(attr, SPAN_KEYS), clean_list(inlines, images)]}
    if "c" not in node:
        return node
    return {"t": kind, "c": clean(node["c"], images)}


def listing_attr(attr: Any) -> list[Any]:
    """A code block's attributes, cleaned, keeping its caption (a listing's, numbering.py):
    plain text, one line, at most MAX_CAPTION characters; the writers never see it."""
    if not is_attr(attr):
        return ["", [], []]
    cleaned = clean_attr(attr)
    caption = next((v for k, v in attr[2] if k == "caption" and isinstance(v, str)), None)
    if caption is not None and "\n" not in caption and len(caption) <= MAX_CAPTION:
        cleaned[2].append(["caption", caption])
    return cleaned


def cells_in(table: dict[str, Any]) -> int:
    """The number of cells in a pandoc Table node's head, bodies and foot."""
    _, _, _, head, bodies, foot = table["c"]
    rows = list(head[1]) + list(foot[1])
    for body in bodies:
        rows += list(body[2]) + list(body[3])
    return sum(len(row[1]) for row in rows)
