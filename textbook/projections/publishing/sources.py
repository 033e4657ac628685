"""From a book's approved state to safe pandoc ASTs, one per chapter, with links resolved."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from textbook.domain.state import BookState
from textbook.files import write_atomically
from textbook.projections.publishing import pandoc
from textbook.projections.publishing.sanitize import UnsafeInput, check_brackets, sanitize


def pipeline_version() -> str:
    """A hash of the publishing code, templates and tools: cached work of another is not reused."""
    h = hashlib.sha256()
    folder = Path(__file__).parent
    for path in sorted(
        [*folder.glob("*.py"), *folder.glob("templates/*"), *folder.glob("static/*")]
    ):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for package in ("pypandoc-binary", "weasyprint", "ziamath", "nh3"):
        h.update(f"{package}={metadata.version(package)}".encode())
    return h.hexdigest()


PIPELINE_VERSION = pipeline_version()


FORMATS = ("html", "epub", "pdf")


@dataclass(frozen=True)
class BookToBuild:
    """Everything a build reads: the approved state, who wrote it, and when it was approved."""

    state: BookState
    contributors: Sequence[object]
    edition: str  # ISO time of the last approved change: the edition's date, never the clock
    images: dict[str, bytes]


class BuildError(Exception):
    """A book cannot be published; the message names the chapter and says why."""


class Cache:
    """Work already done, by a hash of its inputs, in files under one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        path = self.path(kind, key)
        return path.read_bytes() if path.exists() else None

    def put(self, kind: str, key: str, data: bytes) -> None:
        write_atomically(self.path(kind, key), data)


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256(PIPELINE_VERSION.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class Chapter:
    """One chapter, parsed and made safe: its number, title, AST and the ids it defines."""

    id: str
    number: int
    title: str
    ast: dict[str, Any]
    ids: frozenset[str]


def parse_chapter(
    markdown: str, images: set[str], cache: Cache, limits: pandoc.Limits = pandoc.BUILD
) -> dict[str, Any]:
    key = digest(markdown, "\n".join(sorted(images)))
    cached = cache.get("ast", key)
    if cached is not None:
        ast: dict[str, Any] = json.loads(cached)
        return ast
    check_brackets(markdown)
    ast = sanitize(pandoc.parse(markdown, limits), images)
    cache.put("ast", key, json.dumps(ast, sort_keys=True).encode())
    return ast


def chapters(
    state: BookState, cache: Cache, at: Callable[[str], None] | None = None
) -> list[Chapter]:
    images = {image.name for image in state.images}
    result = []
    for number, chapter in enumerate(state.chapters, start=1):
        if at is not None:
            at(f"chapter '{chapter.id}' (reading its Markdown)")
        try:
            ast = parse_chapter(chapter.text, images, cache)
        except (pandoc.PandocFailed, UnsafeInput) as error:
            raise BuildError(f"chapter '{chapter.id}' cannot be published: {error}") from None
        number_captions(ast, number)
        title = plain_text(first_header(ast)) or chapter.id
        result.append(Chapter(chapter.id, number, title, ast, frozenset(defined_ids(ast))))
    return result


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


def number_captions(
    ast: dict[str, Any], chapter: int, before: Mapping[str, int] | None = None
) -> None:
    """Prefix figure and table captions with 'Figure 3.2:' and 'Table 3.1:', counting on from
    `before` (the figures and tables earlier in the chapter, for a section on its own)."""
    counts = {"Figure": 0, "Table": 0, **(before or {})}
    for node in nodes(ast["blocks"]):
        if node["t"] in counts:
            counts[node["t"]] += 1
            caption = node["c"][1][1]
            label = f"{node['t']} {chapter}.{counts[node['t']]}:"
            if caption and caption[0]["t"] in ("Plain", "Para"):
                prefix = [{"t": "Strong", "c": [{"t": "Str", "c": label}]}, {"t": "Space"}]
                caption[0]["c"] = prefix + caption[0]["c"]


def owners(book: list[Chapter]) -> dict[str, str]:
    """Which chapter defines each id (the first, where pandoc's automatic ids repeat)."""
    found: dict[str, str] = {}
    for chapter in book:
        for identifier in sorted(chapter.ids):
            found.setdefault(identifier, chapter.id)
    return found


def resolve_links(
    chapter: Chapter, owner_of: dict[str, str], href: Callable[[str, str], str]
) -> dict[str, Any]:
    """A copy of the chapter's AST whose `#id` links point into the chapter that defines `id`.

    `href(chapter_id, id)` gives the link for an id in another chapter.
    """
    ast = copy.deepcopy(chapter.ast)
    for node in nodes(ast["blocks"]):
        if node["t"] == "Link":
            url = node["c"][2][0]
            if url.startswith("#"):
                target = url[1:]
                owner = owner_of.get(target)
                if owner is None:
                    # A link to nothing in the book: keep the words, mark them for the reader.
                    node["t"], node["c"] = "Span", [["", ["unresolved"], []], node["c"][1]]
                elif owner != chapter.id:
                    node["c"][2][0] = href(owner, target)
    return ast


# citeproc's reference-section-title is a level-1 heading: in a chapter it belongs at level 2.
REFERENCES_H1 = re.compile(r"<h1( class=\"unnumbered\"[^>]*)>References</h1>")


def render_chapter(
    kind: str,
    chapter: Chapter,
    ast: dict[str, Any],
    bibliography: Path | None,
    cache: Cache,
    finish: Callable[[str], str] = lambda html: html,
    extra: Sequence[str] = (),
) -> str:
    """The chapter's AST as numbered HTML with its references, finished and cached by inputs."""
    bib = bibliography.read_bytes() if bibliography else b""
    key = digest(kind, json.dumps(ast, sort_keys=True), bib, str(chapter.number), *extra)
    cached = cache.get(kind, key)
    if cached is not None:
        return cached.decode()
    args = ["--mathml", "--number-sections", f"--number-offset={chapter.number - 1}", *extra]
    args += ["--wrap=none", "--section-divs", "-M", "reference-section-title=References"]
    if bibliography is not None:
        args += ["--citeproc", f"--bibliography={bibliography}"]
    html = REFERENCES_H1.sub(r"<h2\1>References</h2>", pandoc.write(ast, "html5", args))
    html = finish(own_generated_ids(html, chapter.ids))
    cache.put(kind, key, html.encode())
    return html


# Ids pandoc gives what it generates at a chapter's end: the notes, the reference list and its div.
GENERATED_IDS = (
    ('<section id="footnotes" class="footnotes', "footnotes"),
    ('<section id="bibliography" class="', "bibliography"),
    ('<div id="refs" class="references', "refs"),
)


def own_generated_ids(html: str, taken: frozenset[str]) -> str:
    """Rename pandoc's generated sections whose id an author's heading already holds.

    A book with a section titled "Footnotes {#footnotes}" otherwise has that id twice in a page,
    which EPUBCheck refuses (RSC-005). Pandoc's part comes last, so its last occurrence is renamed;
    nothing links to these ids, so no link changes.
    """
    for opening, identifier in GENERATED_IDS:
        if identifier not in taken:
            continue
        at = html.rfind(opening)
        if at < 0:
            continue
        free, number = f"{identifier}-2", 2
        while free in taken:
            number += 1
            free = f"{identifier}-{number}"
        renamed = opening.replace(f'id="{identifier}"', f'id="{free}"')
        html = html[:at] + renamed + html[at + len(opening) :]
    return html


def resolve_images(ast: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A copy of the AST whose `images/NAME` sources start with `prefix` instead."""
    ast = copy.deepcopy(ast)
    for node in nodes(ast["blocks"]):
        if node["t"] == "Image" and node["c"][2][0].startswith("images/"):
            node["c"][2][0] = prefix + node["c"][2][0].removeprefix("images/")
    return ast
