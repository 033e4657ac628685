"""The PDF after WeasyPrint: what it cannot write itself, added with pikepdf.

WeasyPrint writes no /PageLabels, so a reader's "go to page 41" found the 41st sheet, not the
page printed 41: the front matter is labelled in roman numerals and the body in arabic from 1.
WeasyPrint tags every image as a /Figure, formulas (drawn as SVG) included: those whose /Alt
starts with FORMULA_ALT are retagged /Formula, their /Alt the words a reader hears and their
/ActualText the same words, so that a search or a copy finds the formula as text.
The file is saved with an /ID derived from its content, so the same book gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

from textbook.projections.publishing.formulas import FORMULA_ALT


def finish_pdf(path: Path, front_pages: int) -> None:
    """Label the PDF at `path` in place: i, ii, ... for `front_pages`, then 1, 2, ..."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        labels = [0, pikepdf.Dictionary(S=pikepdf.Name.r)] if front_pages else []
        labels += [front_pages, pikepdf.Dictionary(S=pikepdf.Name.D, St=1)]
        pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(labels))
        tag_formulas(pdf)
        pdf.save(path, deterministic_id=True)


def structure_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every element of the PDF's structure tree, in document order."""
    root = pdf.Root.get("/StructTreeRoot")
    found: list[pikepdf.Dictionary] = []
    stack = [root.get("/K")] if root is not None else []
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Array):
            stack.extend(reversed(list(item)))
        elif isinstance(item, pikepdf.Dictionary) and "/S" in item:
            found.append(item)
            if "/K" in item:
                stack.append(item.K)
    return found


def tag_formulas(pdf: pikepdf.Pdf) -> int:
    """Retag the formulas' figures as /Formula, their description without its marker; the count."""
    count = 0
    for element in structure_elements(pdf):
        if pikepdf.Name.Figure != element.S or "/Alt" not in element:
            continue
        alt = str(element.Alt)
        if alt.startswith(FORMULA_ALT):
            words = alt.removeprefix(FORMULA_ALT)
            element.S = pikepdf.Name.Formula
            element.Alt = pikepdf.String(words)
            element.ActualText = pikepdf.String(words)
            count += 1
    return count
