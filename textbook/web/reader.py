"""Pages for readers: books, chapters, search, downloads, changes, history and blame."""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from textbook.domain.errors import BookDidNotExist, InvalidInput, SectionNotFound
from textbook.domain.moments import parse_as_of
from textbook.projections.publishing.pandoc import PandocFailed
from textbook.projections.publishing.reading import ReadableBook
from textbook.projections.publishing.search import QueryTooLong
from textbook.projections.publishing.sources import BuildError
from textbook.projections.queries import Revision
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
HISTORY_PAGE = 50  # revisions on one page of a history
IMPORT_RUN = 5.0  # seconds: imported revisions closer than this were one import


def as_of(request: Request) -> datetime | None:
    """The moment asked for with ?as_of= (a plain date is the end of that day, UTC), or None."""
    value = request.query_params.get("as_of")
    if not value:
        return None
    try:
        return parse_as_of(value)
    except InvalidInput as error:  # a malformed query string, as before: 400
        raise WebError(HTTPStatus.BAD_REQUEST, error.message) from None


def version_query(moment: datetime | None) -> str:
    """The query string that keeps a link in the version being read: '' for the current one."""
    return f"?{urlencode({'as_of': moment.isoformat()})}" if moment else ""


def readable_book(request: Request, slug: str, moment: datetime | None) -> ReadableBook:
    """The book to read; a version pandoc could not render in time (a busy machine) is a 503
    that says to try again, never a 500."""
    try:
        return site(request).readable(slug, moment)
    except (PandocFailed, BuildError):
        raise WebError(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "This version of the book is being prepared; try again in a minute.",
        ) from None


def before_the_book(request: Request, slug: str, moment: datetime) -> Response:
    """An honest page for a moment before the book existed, with a way to its first state."""
    queries = site(request).queries()
    revisions = queries.history(slug)
    return render(
        request,
        "before_book.html",
        int(HTTPStatus.NOT_FOUND),
        book=queries.outline(slug),
        as_of=moment,
        earliest=shown_at(revisions)[key_of(revisions[0])] if revisions else None,
    )


def books(request: Request) -> Response:
    return render(request, "books.html", books=site(request).queries().books())


def book(request: Request) -> Response:
    slug, moment = request.path_params["slug"], as_of(request)
    try:
        readable = readable_book(request, slug, moment)
    except BookDidNotExist:
        assert moment is not None  # the book exists now
        return before_the_book(request, slug, moment)
    queries = site(request).queries()
    return render(
        request,
        "book.html",
        book=readable.info,
        toc=readable.toc(),
        contributors=readable.book.contributors,
        edition=readable.book.edition,
        as_of=moment,
        version=version_query(moment),
        downloads=available_downloads(request, slug) if moment is None else [],
        members=queries.members(slug),
        queue=len(queries.proposals(slug, "open")),
        problems=queries.outline(slug).problems if moment is None else (),
    )


def chapter(request: Request) -> Response:
    slug, chapter_id, moment = (
        request.path_params["slug"],
        request.path_params["chapter"],
        as_of(request),
    )
    try:
        readable = readable_book(request, slug, moment)
    except BookDidNotExist:
        assert moment is not None  # the book exists now
        return before_the_book(request, slug, moment)
    found = readable.chapter(chapter_id)
    if found is None:
        raise SectionNotFound(slug, chapter_id)
    previous, following = readable.neighbours(found)
    version = version_query(moment)
    sections = readable.toc()[found.number - 1]["sections"]
    # The chapter's own contents go between its title and its text.
    heading, end, text = readable.fragment(found.id, version).partition("</h1>")
    title, content = Markup(heading + end), Markup(text)  # sanitised by the pipeline
    if moment is None:  # the book as it is now: each section can be edited
        titles = {found.id: found.title} | {s["id"]: s["title"] for s in sections}
        signed_in = current_user(request) is not None
        title = with_edit_links(title, slug, titles, signed_in)
        content = with_edit_links(content, slug, titles, signed_in)
    return render(
        request,
        "chapter.html",
        book=readable.info,
        chapter=found,
        heading=title,
        content=content,
        previous=previous,
        next=following,
        as_of=moment,
        version=version,
        edition=readable.book.edition,
        sections=sections,
        downloads=available_downloads(request, slug) if moment is None else [],
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
    moments = shown_at(queries.history(slug))
    entries = list(reversed(history_entries(queries.history(slug, section_id), moments)))
    pages = max(1, -(-len(entries) // HISTORY_PAGE))
    number = page_number(request, pages)
    return render(
        request,
        "history.html",
        book=outline,
        section_id=section_id,
        removed=bool(section_id) and entries[0]["revision"].kind == "removed",
        entries=entries[(number - 1) * HISTORY_PAGE : number * HISTORY_PAGE],
        page=number,
        pages=pages,
        total=len(entries),
    )


def revision(request: Request) -> Response:
    """One revision of a section, at its permanent address."""
    slug, section_id = request.path_params["slug"], request.path_params["section"]
    queries = site(request).queries()
    outline = queries.outline(slug)
    wanted = request.path_params["revision"]
    entries = [
        e
        for e in history_entries(queries.history(slug, section_id), shown_at(queries.history(slug)))
        if str(e["revision"].revision) == wanted and e["revision"].kind != "removed"
    ]
    if not entries:
        raise WebError(
            HTTPStatus.NOT_FOUND, f"The section '{section_id}' has no revision {wanted[:20]}."
        )
    return render(request, "revision.html", book=outline, section_id=section_id, entry=entries[0])


def history_entries(revisions: list[Revision], moments: dict[str, str]) -> list[dict[str, Any]]:
    """Each revision with its word diff against the one before it, oldest first, and the
    moment whose book shows it (`moment`)."""
    previous: dict[str, str] = {}
    entries = []
    for revision in revisions:
        before = previous.get(revision.section_id, "")
        diff = word_diff(before, revision.text)
        moment = moments.get(key_of(revision), revision.at)
        entries.append({"revision": revision, "diff": diff, "moment": moment})
        previous[revision.section_id] = revision.text
    return entries


def key_of(revision: Revision) -> str:
    return f"{revision.section_id} {revision.revision} {revision.kind}"


def shown_at(revisions: list[Revision]) -> dict[str, str]:
    """When the book first shows each revision (oldest first): its own moment, except that an
    import records its sections one after another in one go, and the book it made is whole
    only at the last of them (earlier, later chapters had no text yet)."""
    moments = [r.at for r in revisions]
    for n in range(len(revisions) - 2, -1, -1):
        this, after = revisions[n], revisions[n + 1]
        if imported(this) and imported(after) and seconds_between(this.at, after.at) < IMPORT_RUN:
            moments[n] = moments[n + 1]
    return {key_of(r): moment for r, moment in zip(revisions, moments, strict=True)}


def imported(revision: Revision) -> bool:
    return revision.proposal_id is None and revision.message == "Import"


def seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def page_number(request: Request, pages: int) -> int:
    value = request.query_params.get("page", "1")
    if not value.isdigit() or not 1 <= int(value) <= pages:
        raise WebError(
            HTTPStatus.NOT_FOUND, f"There is no page {value[:20]}: the pages are 1 to {pages}."
        )
    return int(value)


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
    Route("/books/{slug}/sections/{section}/revisions/{revision}", revision, name="revision"),
]
