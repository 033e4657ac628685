"""A draft from any format becomes a source folder of our own, read back by the folder reader:
one reader checks every book, whatever it came from."""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path
from typing import Any

import yaml

from textbook.book_folder import LANGUAGE, SourceBook, read_book
from textbook.domain.details import MAX_SLUG, InvalidDetails, checked_slug
from textbook.domain.errors import InvalidBook
from textbook.domain.markdown import outside_code, parse_heading, slugify
from textbook.domain.metadata import UnknownLicence, licence_of
from textbook.domain.state import ImportProblem
from textbook.importing import pandoc
from textbook.importing.clean import Cleaner, Images
from textbook.importing.draft import Draft
from textbook.importing.grouped import grouped
from textbook.importing.ids import Ids, unmarked
from textbook.importing.places import Places
from textbook.importing.tree import Element, header, is_blank, words

FIRST_CHAPTER = "Preface"


class LicenceNeeded(InvalidBook):
    """The source states no licence we know: the person must name one."""


def book_slug(name: str, given: str | None) -> str:
    slug = given.strip() if given else slugify(Path(name).stem)[:MAX_SLUG].strip("-")
    try:
        return checked_slug(slug)
    except InvalidDetails as error:
        raise InvalidBook("--slug", str(error)) from None


def licence(stated: str, given: str | None, place: str) -> str:
    if given:
        try:
            return licence_of(given.strip()).expression
        except UnknownLicence as error:
            raise InvalidBook("--license", str(error)) from None
    for candidate in (stated.strip(), re.sub(r"\s+", "-", stated.strip())):
        try:
            return licence_of(candidate).expression if candidate else _none(place)
        except UnknownLicence:
            continue
    raise LicenceNeeded(
        place,
        f"the source's licence '{stated[:80]}' is not an SPDX licence id; name the "
        "licence the book is under (for example CC-BY-4.0)",
    )


def _none(place: str) -> str:
    raise LicenceNeeded(
        place,
        "the source states no licence; name the licence the book is under (--license) "
        "(an SPDX id such as CC-BY-4.0 or CC-BY-SA-4.0)",
    )


def metadata(draft: Draft, slug: str, given: dict[str, str | None]) -> dict[str, Any]:
    found = draft.metadata
    title = found.title.strip() or Path(draft.name).stem
    language = (given.get("language") or found.language).strip().replace("_", "-")
    if not LANGUAGE.match(language):
        said = f"'{language[:40]}' is not a language tag" if language else "no language is given"
        draft.problems.append(ImportProblem(draft.name, None, f"{said}; English (en) assumed"))
        language = "en"
    description = " ".join(found.description.split())
    if len(description) > 5000:
        description = description[:4990].rsplit(" ", 1)[0] + " …"
    identifier = found.identifier.strip()[:500] or (
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'textbook-import:{slug}:{title}')}"
    )
    return {
        "title": title[:500],
        "subtitle": found.subtitle.strip()[:500],
        "authors": [name[:200] for name in found.authors[:200]],
        "language": language,
        "license": licence(found.license, given.get("license"), draft.name),
        "identifier": identifier,
        "description": description,
        "source": (given.get("source") or draft.name).strip()[:2000],
    }


def chapters(draft: Draft, cleaner: Cleaner) -> list[tuple[str, list[Element]]]:
    """The book's blocks divided at its top headings, each chapter with the file it began in."""
    parts = [(part.file, cleaner.part(part)) for part in draft.parts]
    levels = [b["c"][0] for _, blocks in parts for b in blocks if b["t"] == "Header"]
    lift = min(levels, default=1) - 1
    found: list[tuple[str, list[Element]]] = []
    for file, blocks in parts:
        for block in blocks:
            if block["t"] == "Header":
                block["c"][0] -= lift
                if block["c"][0] == 1:
                    found.append((file, [block]))
                    continue
            if not found:
                if is_blank(block):
                    continue
                found.append((file, [header(1, "", words(FIRST_CHAPTER))]))
                problem = (
                    f"the text before the first chapter heading became a chapter '{FIRST_CHAPTER}'"
                )
                draft.problems.append(ImportProblem(file, None, problem))
            found[-1][1].append(block)
    if not found:
        raise InvalidBook(draft.name, "there is no text to import")
    return found


def write_chapters(blocks: list[list[Element]], api: list[int], taken: set[str]) -> list[str]:
    """Each chapter's Markdown, from one pandoc run (footnote labels unique in the book);
    `taken` are the book's ids."""
    ids = [chapter[0]["c"][1][0] for chapter in blocks]
    document = {"pandoc-api-version": api, "meta": {}, "blocks": [b for c in blocks for b in c]}
    lines = unmarked(pandoc.markdown(document), taken).split("\n")
    starts: list[int] = []
    for index, line in outside_code(lines):
        heading = parse_heading(line)
        if (
            heading
            and heading.level == 1
            and len(starts) < len(ids)
            and heading.id == ids[len(starts)]
        ):
            starts.append(index)
    if len(starts) != len(ids):
        raise InvalidBook("pandoc", "the chapters could not be told apart in pandoc's Markdown")
    ends = [*starts[1:], len(lines)]
    return [
        "\n".join(lines[start:end]).strip() + "\n" for start, end in zip(starts, ends, strict=True)
    ]


def assemble(draft: Draft, api: list[int], given: dict[str, str | None]) -> tuple[SourceBook, int]:
    """The book as our folder reader reads it, and the number of citations found."""
    slug = book_slug(draft.name, given.get("slug"))
    fields = metadata(draft, slug, given)
    cleaner = Cleaner(Images(draft.find_image))
    ids = Ids()
    try:
        divided = chapters(draft, cleaner)
        numbered = ids.assign([blocks for _, blocks in divided])
    except RecursionError:
        raise InvalidBook(draft.name, "the document nests too deeply to import") from None
    texts = write_chapters(numbered, api, ids.taken)
    sources = {part.file: part.source for part in draft.parts if part.source is not None}
    places = Places(draft.name, ids.origins, ids.renamed, sources)
    with tempfile.TemporaryDirectory(prefix="textbook-import-") as temporary:
        folder = Path(temporary) / slug
        folder.mkdir()
        files = []
        for (source, _), blocks, markdown in zip(divided, numbered, texts, strict=True):
            name = f"{blocks[0]['c'][1][0]}.md"
            (folder / name).write_text(markdown, encoding="utf-8")
            places.chapter(name, source, markdown)
            files.append(name)
        book_yaml = yaml.safe_dump(
            {**{k: v for k, v in fields.items() if v}, "chapters": files},
            sort_keys=False, allow_unicode=True, width=100,
        )  # fmt: skip
        (folder / "book.yaml").write_text(book_yaml, encoding="utf-8")
        if cleaner.images.refs:
            (folder / "images").mkdir()
            for ref in cleaner.images.refs.values():
                (folder / "images" / ref.name).write_bytes(cleaner.images.blobs[ref.sha256])
        if draft.bibliography:
            (folder / "references.bib").write_text(draft.bibliography, encoding="utf-8")
        try:
            book = read_book(folder)
        except InvalidBook as error:
            raise places.refusal(error) from None
    found = (places.problem(problem) for problem in book.problems)
    problems = grouped((*draft.problems, *cleaner.problems, *found))
    return SourceBook(book.state, book.blobs, problems), cleaner.citations
