"""Numbers and cross-references, as Quarto writes them.

Figures, tables, display equations labelled `{#eq-x}` (right after the closing `$$`), code blocks
with an id `lst-x` (their `caption="..."` printed above them) and headings are numbered per
chapter: "Figure 3.2", "Table 4.1", "(2.7)", "Listing 5.3", "Section 3.2". A reference `@fig-x`,
`@tbl-x`, `@eq-x`, `@lst-x` or `@sec-x` (pandoc reads it as a citation) becomes a link naming
what it points at ("Figure 3.2"), into whichever chapter has it. `@sec-x` points at the heading
whose id is `sec-x`, or failing that `x` (so that any heading, whose id is often its section's
and stays, can be referred to). A reference to a label the book lacks shows as `@fig-x`, marked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from textbook.projections.publishing.sources import Chapter, Numbered
from textbook.projections.publishing.tree import nodes, plain_text

# The kinds of label a reference may name, by the prefix of its id.
PREFIXES = ("fig-", "tbl-", "eq-", "lst-", "sec-")
EQUATION_LABEL = re.compile(r"^\{#(eq-[A-Za-z0-9_:.-]*?)\}(.*)$", re.S)
FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?=\s+[A-Z(]|$)", re.S)
CLAUSE = re.compile(r"[:;]\s")


def is_reference(key: str) -> bool:
    return key.startswith(PREFIXES)


def short(caption: str) -> str:
    """A caption as a list of figures or tables shows it: its first sentence without its full
    stop, up to its first colon or semicolon, at most about 120 characters."""
    found = FIRST_SENTENCE.match(" ".join(caption.split()))
    text = found.group(1) if found else " ".join(caption.split())
    text = CLAUSE.split(text, maxsplit=1)[0]
    if len(text) > 120:
        text = text[:120].rsplit(" ", 1)[0].rstrip(",;: ") + "…"
    elif text.endswith(".") and not text.endswith(".."):
        text = text[:-1]  # a list's entries are titles: no full stop before the leader dots
    return text


def words(text: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for word in text.split():
        if result:
            result.append({"t": "Space"})
        result.append({"t": "Str", "c": word})
    return result


def number_chapter(
    ast: dict[str, Any], chapter: int, before: Mapping[str, int] | None = None
) -> list[Numbered]:
    """Number the chapter's figures, tables, labelled equations, listings and headings, counting
    on from `before` (those earlier in the chapter, for a section on its own: "Figure", "Table",
    "Equation", "Listing" and "Section", the level-2 headings). Captions get their number
    ("Figure 3.2:"), an equation its "(2.7)", a listing its caption line. Returns them all."""
    counts = {"Figure": 0, "Table": 0, "Equation": 0, "Listing": 0, "Section": 0, **(before or {})}
    levels = [0] * 8
    levels[2] = counts["Section"]
    found: list[Numbered] = []
    for node in nodes(ast["blocks"]):
        kind = node["t"]
        if kind in ("Figure", "Table"):
            counts[kind] += 1
            number = f"{chapter}.{counts[kind]}"
            caption = node["c"][1][1]
            text = short(plain_text([i for b in caption for i in b.get("c", [])]))
            if caption and caption[0]["t"] in ("Plain", "Para"):
                label = [{"t": "Strong", "c": words(f"{kind} {number}:")}]
                caption[0]["c"] = [*label, {"t": "Space"}, *caption[0]["c"]]
            found.append(Numbered(kind, number, node["c"][0][0], text))
        elif kind in ("Para", "Plain"):
            found += label_equations(node["c"], chapter, counts)
        elif kind == "CodeBlock":
            found += number_listing(node, chapter, counts)
        elif kind == "Header":
            level, attr, title = node["c"]
            level = min(level, 7)
            levels[level] += 1
            levels[level + 1 :] = [0] * (len(levels) - level - 1)
            if level == 1:
                number, named = str(chapter), "Chapter"
            else:
                number = ".".join([str(chapter), *(str(n) for n in levels[2 : level + 1])])
                named = "Section"
            if attr[0]:
                found.append(Numbered(named, number, attr[0], plain_text(title)))
    return found


def label_equations(
    inlines: list[dict[str, Any]], chapter: int, counts: dict[str, int]
) -> list[Numbered]:
    """Display math followed by `{#eq-x}`: the label taken off the text, the formula wrapped in
    a Span with that id that shows its number, "(2.7)", at the right."""
    found = []
    index = 0
    while index < len(inlines):
        node = inlines[index]
        index += 1
        if node["t"] != "Math" or node["c"][0]["t"] != "DisplayMath":
            continue
        after = index
        while after < len(inlines) and inlines[after]["t"] in ("Space", "SoftBreak"):
            after += 1
        if after >= len(inlines) or inlines[after]["t"] != "Str":
            continue
        match = EQUATION_LABEL.match(inlines[after]["c"])
        if not match or not match.group(1):
            continue
        counts["Equation"] += 1
        number = f"{chapter}.{counts['Equation']}"
        shown = {
            "t": "Span",
            "c": [["", ["equation-number"], []], [{"t": "Str", "c": f"({number})"}]],
        }
        inlines[index - 1] = {
            "t": "Span",
            "c": [[match.group(1), ["equation-numbered"], []], [node, shown]],
        }
        rest = [{"t": "Str", "c": match.group(2)}] if match.group(2) else []
        inlines[index : after + 1] = rest
        found.append(Numbered("Equation", number, match.group(1), node["c"][1].strip()))
    return found


def number_listing(node: dict[str, Any], chapter: int, counts: dict[str, int]) -> list[Numbered]:
    """A code block with an id `lst-x`: in a Div with that id, under its caption line,
    "Listing 5.3: caption". Every code block's caption attribute is taken off it."""
    attr, code = node["c"]
    identifier, classes, pairs = attr
    caption = next((str(v) for k, v in pairs if k == "caption"), "")
    pairs[:] = [[k, v] for k, v in pairs if k != "caption"]
    if not identifier.startswith("lst-"):
        return []
    counts["Listing"] += 1
    number = f"{chapter}.{counts['Listing']}"
    label = {
        "t": "Strong",
        "c": words(f"Listing {number}" + (":" if caption else "")),
    }
    line = {"t": "Plain", "c": [label, *([{"t": "Space"}, *words(caption)] if caption else [])]}
    title = {"t": "Div", "c": [["", ["listing-caption"], []], [line]]}
    block = {"t": "CodeBlock", "c": [["", classes, pairs], code]}
    node["t"], node["c"] = "Div", [[identifier, ["listing"], []], [title, block]]
    return [Numbered("Listing", number, identifier, short(caption))]


def labels_of(book: list[Chapter]) -> dict[str, Numbered]:
    """Every labelled thing of the book, by its id (the first, where ids repeat)."""
    found: dict[str, Numbered] = {}
    for chapter in book:
        for thing in chapter.numbered:
            if thing.id:
                found.setdefault(thing.id, thing)
    return found


def resolve_references(ast: dict[str, Any], labels: Mapping[str, Numbered]) -> None:
    """Turn each citation of labels (`@fig-x`, `[see @eq-y]`) into links that name them
    ("Figure 3.2"), in place; a label the book lacks shows as `@fig-x`, marked unresolved."""
    for node in nodes(ast["blocks"]):
        if node["t"] != "Cite":
            continue
        citations = node["c"][0]
        if not citations or not all(is_reference(c["citationId"]) for c in citations):
            continue
        inlines: list[dict[str, Any]] = []
        for citation in citations:
            key = citation["citationId"]
            if inlines:
                inlines += [{"t": "Str", "c": ","}, {"t": "Space"}]
            if citation.get("citationPrefix"):
                inlines += [*citation["citationPrefix"], {"t": "Space"}]
            target = target_of(key, labels)
            if target is None:
                missing = [
                    ["", ["unresolved", "missing-reference"], []],
                    [{"t": "Str", "c": f"@{key}"}],
                ]
                inlines.append({"t": "Span", "c": missing})
            else:
                attr = ["", ["cross-reference"], []]
                name = words(labels[target].name)
                inlines.append({"t": "Link", "c": [attr, name, [f"#{target}", ""]]})
            inlines += citation.get("citationSuffix") or []
        node["t"], node["c"] = "Span", [["", [], []], inlines]


def missing_references(ast: dict[str, Any], labels: Mapping[str, Numbered]) -> list[str]:
    """The labels that the text's references name and the book does not have."""
    return [
        c["citationId"]
        for node in nodes(ast["blocks"])
        if node["t"] == "Cite"
        for c in node["c"][0]
        if is_reference(c["citationId"]) and target_of(c["citationId"], labels) is None
    ]


def target_of(key: str, labels: Mapping[str, Numbered]) -> str | None:
    """The id a reference points at: its key, or for `@sec-x` failing `sec-x`, the heading `x`."""
    if key in labels:
        return key
    heading = labels.get(key.removeprefix("sec-")) if key.startswith("sec-") else None
    if heading is not None and heading.kind in ("Section", "Chapter"):
        return key.removeprefix("sec-")
    return None


def anchor(thing: Numbered) -> str:
    """Where a list of figures or tables links to: its id, or one made from its number."""
    return thing.id or f"{thing.kind.lower()}-{thing.number}"


def anchor_unlabelled(ast: dict[str, Any], chapter: Chapter) -> None:
    """Give the chapter's figures and tables without an id one (`figure-3.2`), in place, so that
    a list of figures can link to each."""
    listed = {kind: iter(chapter.listed(kind)) for kind in ("Figure", "Table")}
    for node in nodes(ast["blocks"]):
        if node["t"] in listed:
            thing = next(listed[node["t"]], None)
            if thing is not None and not node["c"][0][0]:
                node["c"][0][0] = anchor(thing)
