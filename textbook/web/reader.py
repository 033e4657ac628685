"""Pages for readers: books, chapters, search, downloads, changes, history and blame."""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from datetime import datetime
from http import HTTPStatus
from pathlib import Path

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from textbook.domain.errors import InvalidInput, SectionNotFound
from textbook.domain.moments import parse_moment
from textbook.projections.publishing.search import QueryTooLong
from textbook.web.edit_links import with_edit_links
from textbook.web.errors import WebError
from textbook.web.pages import render
from textbook.web.security import current_user
from textbook.web.site import site

WORDS = re.compile(r"\S+\s*|\s+")  # each word with the spaces after it, newlines kept
DOWNLOADS = {
    "epub": ("application/epub+zip", ".epub"),
    "pdf": ("application/pdf", ".pdf"),
    "html": ("application/zip", "-web.zip"),
}


def as_of(request: Request) -> datetime | None:
    value = request.query_params.get("as_of")
    if not value:
        return None
    try:
        return parse_moment(value)
    except InvalidInput as error:  # a malformed query string, as before: 400
        raise WebError(HTTPStatus.BAD_REQUEST, error.message) from None


def books(request: Request) -> Response:
    return render(request, "books.html", books=site(request).queries().books())


def book(request: Request) -> Response:
    slug, moment = request.path_params["slug"], as_of(request)
    readable = site(request).readable(slug, moment)
    queries = site(request).queries()
    return render(
        request,
        "book.html",
        book=readable.info,
        toc=readable.toc(),
        contributors=readable.book.contributors,
        edition=readable.book.edition,
        as_of=moment,
        downloads=available_downloads(request, slug) if moment is None else [],
        members=queries.members(slug),
        queue=len(queries.proposals(slug, "open")),
    )


def chapter(request: Request) -> Response:
    slug, chapter_id, moment = (
        request.path_params["slug"],
        request.path_params["chapter"],
        as_of(request),
    )
    readable = site(request).readable(slug, moment)
    found = readable.chapter(chapter_id)
    if found is None:
        raise SectionNotFound(slug, chapter_id)
    previous, following = readable.neighbours(found)
    sections = readable.toc()[found.number - 1]["sections"]
    content = Markup(readable.fragments[found.id])  # sanitised by the pipeline
    if moment is None:  # the book as it is now: each section can be edited
        titles = {found.id: found.title} | {s["id"]: s["title"] for s in sections}
        content = with_edit_links(content, slug, titles, current_user(request) is not None)
    return render(
        request,
        "chapter.html",
        book=readable.info,
        chapter=found,
        content=content,
        previous=previous,
        next=following,
        as_of=moment,
        edition=readable.book.edition,
        sections=[s["id"] for s in readable.toc()[found.number - 1]["sections"]],
    )


def search(request: Request) -> Response:
    slug, query = request.path_params["slug"], request.query_params.get("q", "")
    readable = site(request).readable(slug)
    try:
        results = readable.search(query)
    except QueryTooLong as error:  # said, never searched cut short
        return render(
            request, "search.html", int(HTTPStatus.BAD_REQUEST), book=readable.info,
            query=query, hits=[], read_as="", error=str(error),
        )  # fmt: skip
    return render(
        request, "search.html", book=readable.info, query=query, hits=results.hits,
        read_as=results.read_as, error=None,
    )  # fmt: skip


def available_downloads(request: Request, slug: str) -> list[dict[str, str]]:
    editions = site(request).publisher.editions
    found = []
    for name, (_, suffix) in DOWNLOADS.items():
        path = editions / (f"{slug}{suffix}" if name != "html" else slug)
        if path.exists():
            found.append({"format": name, "href": f"/books/{slug}/download/{name}"})
    return found


def download(request: Request) -> Response:
    slug, kind = request.path_params["slug"], request.path_params["format"]
    if kind not in DOWNLOADS:
        raise WebError(
            HTTPStatus.NOT_FOUND, f"There is no '{kind[:20]}' edition: use html, epub or pdf."
        )
    site(request).queries().outline(slug)  # 404 for an unknown book
    editions = site(request).publisher.editions
    media_type, suffix = DOWNLOADS[kind]
    filename = f"{slug}{suffix}"
    if kind == "html":
        folder = editions / slug
        if not folder.is_dir():
            return not_yet(request)
        return Response(
            zip_folder(folder, slug),
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    path = editions / filename
    if not path.exists():
        return not_yet(request)
    return FileResponse(path, media_type=media_type, filename=filename)


def not_yet(request: Request) -> Response:
    response = render(
        request,
        "error.html",
        int(HTTPStatus.SERVICE_UNAVAILABLE),
        code=503,
        phrase="Being built",
        message="This edition is being built; try again in a minute.",
    )
    response.headers["Retry-After"] = "30"
    return response


def zip_folder(folder: Path, slug: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{slug}/{path.relative_to(folder)}", (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def changes(request: Request) -> Response:
    slug = request.path_params["slug"]
    queries = site(request).queries()
    outline = queries.outline(slug)
    revisions = [r for r in reversed(queries.history(slug)) if r.proposal_id or r.kind != "created"]
    return render(request, "changes.html", book=outline, revisions=revisions[:200])


def history(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params.get("section")
    queries = site(request).queries()
    outline = queries.outline(slug)
    revisions = queries.history(slug, section_id)
    previous: dict[str, str] = {}
    entries = []
    for revision in revisions:
        before = previous.get(revision.section_id, "")
        entries.append({"revision": revision, "diff": word_diff(before, revision.text)})
        previous[revision.section_id] = revision.text
    return render(
        request,
        "history.html",
        book=outline,
        section_id=section_id,
        entries=list(reversed(entries)),
    )


def blame(request: Request) -> Response:
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    queries = site(request).queries()
    return render(
        request,
        "blame.html",
        book=queries.outline(slug),
        section=queries.section(slug, section_id),
        lines=queries.blame(slug, section_id),
    )


def word_diff(old: str, new: str, context: int | None = 2) -> Markup:
    """A readable inline diff, word by word: removed words struck out, added ones marked.

    Unchanged lines further than `context` lines from a change fold into one line that says how
    many there are (None shows every line), so a one-word change to a long section stays short.
    """
    old_words, new_words = WORDS.findall(old), WORDS.findall(new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    lines: list[tuple[bool, str]] = []  # (changed, the line as HTML), each line on its own
    pieces: list[str] = []
    changed = False
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        runs = [("", "".join(old_words[i1:i2]))] if tag == "equal" else []
        runs += [("del", "".join(old_words[i1:i2]))] if tag != "equal" and i2 > i1 else []
        runs += [("ins", "".join(new_words[j1:j2]))] if tag != "equal" and j2 > j1 else []
        for mark, text in runs:
            for n, part in enumerate(text.split("\n")):
                if n:  # a new line starts: the line so far is done
                    lines.append((changed, "".join(pieces)))
                    pieces, changed = [], bool(mark)  # a changed newline marks both lines
                if part:
                    pieces.append(f"<{mark}>{escape(part)}</{mark}>" if mark else str(escape(part)))
                    changed = changed or bool(mark)
    if pieces or changed:
        lines.append((changed, "".join(pieces)))
    text = ""
    for n, (is_fold, line) in enumerate(shown := fold(lines, context)):
        # A fold is a block of its own: a newline beside it would show as an empty line.
        text += line if n == 0 or is_fold or shown[n - 1][0] else "\n" + line
    return Markup(text)  # every piece escaped above


def fold(lines: list[tuple[bool, str]], context: int | None) -> list[tuple[bool, str]]:
    """The lines near a change, with each run of the others replaced by a note of its length.

    Returns (is it a note, HTML) for each line shown.
    """
    if context is None:
        return [(False, line) for _, line in lines]
    near = [False] * len(lines)
    for n, (changed, _) in enumerate(lines):
        if changed:
            for m in range(max(0, n - context), min(len(lines), n + context + 1)):
                near[m] = True
    shown: list[tuple[bool, str]] = []
    hidden: list[str] = []

    def end_of_run() -> None:
        if len(hidden) >= 3:  # a note in place of fewer lines would save nothing
            shown.append((True, folded(len(hidden))))
        else:
            shown.extend((False, line) for line in hidden)
        hidden.clear()

    for n, (_, line) in enumerate(lines):
        if near[n]:
            end_of_run()
            shown.append((False, line))
        else:
            hidden.append(line)
    end_of_run()
    return shown


def folded(count: int) -> str:
    noun = "line" if count == 1 else "lines"
    return f'<span class="fold">\u22ef {count} unchanged {noun}</span>'


routes = [
    Route("/", books, name="books"),
    Route("/books/{slug}", book, name="book"),
    Route("/books/{slug}/chapters/{chapter}", chapter, name="chapter"),
    Route("/books/{slug}/search", search, name="search"),
    Route("/books/{slug}/download/{format}", download, name="download"),
    Route("/books/{slug}/changes", changes, name="changes"),
    Route("/books/{slug}/history", history, name="history"),
    Route("/books/{slug}/sections/{section}/history", history, name="section_history"),
    Route("/books/{slug}/sections/{section}/blame", blame, name="blame"),
]
