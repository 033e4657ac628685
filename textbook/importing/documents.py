"""Books in one file: a Word document, an EPUB. Pandoc reads them; their images come out of the
file into a folder of our own, and only from there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textbook.importing import archives, pandoc
from textbook.importing.draft import Draft, FindImage, Metadata, Part
from textbook.importing.tree import meta_names, meta_text

MAX_IMAGE_FILE = archives.MAX_MEMBER


def metadata_of(meta: dict[str, Any]) -> Metadata:
    return Metadata(
        title=meta_text(meta, "title"),
        subtitle=meta_text(meta, "subtitle"),
        authors=meta_names(meta, "author", "authors", "creator"),
        language=meta_text(meta, "lang", "language"),
        license=meta_text(meta, "license", "rights"),
        description=meta_text(meta, "description", "abstract", "subject"),
        identifier=meta_text(meta, "identifier"),
    )


def images_in(folder: Path) -> FindImage:
    """Images only from `folder` (where pandoc put a document's media), never from elsewhere."""
    root = folder.resolve()

    def find(target: str, file: str) -> tuple[str, bytes] | str:
        if "://" in target or target.startswith("data:"):
            return "it is not in the file (a link to elsewhere)"
        path = Path(target).resolve()
        if root not in path.parents or not path.is_file():
            return "it is not in the file"
        if path.stat().st_size > MAX_IMAGE_FILE:
            return "it is too large"
        return path.name, path.read_bytes()

    return find


def read_document(path: Path, form: str, name: str, work: Path) -> tuple[Draft, list[int]]:
    """A .docx or .epub file at `path`; `name` is what the person called it."""
    what = {"docx": "Word document (.docx)", "epub": "EPUB"}[form]
    with archives.opened(path, what):
        pass  # its list of files has passed every check: now pandoc may open it
    media = work / "media"
    found = pandoc.read(path, form, name, media=media)
    draft = Draft(
        format=form,
        name=name,
        metadata=metadata_of(found.ast["meta"]),
        parts=[Part(name, found.ast["blocks"])],
        find_image=images_in(media),
        problems=list(found.problems),
    )
    return draft, found.ast["pandoc-api-version"]
