"""The PDF after WeasyPrint: what it cannot write itself, added with pikepdf.

WeasyPrint writes no /PageLabels, so a reader's "go to page 41" found the 41st sheet, not the
page printed 41: the front matter is labelled in roman numerals and the body in arabic from 1.
The file is saved with an /ID derived from its content, so the same book gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf


def finish_pdf(path: Path, front_pages: int) -> None:
    """Label the PDF at `path` in place: i, ii, ... for `front_pages`, then 1, 2, ..."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        labels = [0, pikepdf.Dictionary(S=pikepdf.Name.r)] if front_pages else []
        labels += [front_pages, pikepdf.Dictionary(S=pikepdf.Name.D, St=1)]
        pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(labels))
        pdf.save(path, deterministic_id=True)
