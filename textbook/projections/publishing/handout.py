"""The change list as a printable handout: what changed between two editions of a book, chapter
by chapter, as a PDF a teacher can hand out. WeasyPrint fetches nothing for it."""

from __future__ import annotations

from typing import Any

from textbook.projections.changelist import Comparison
from textbook.projections.publishing.edition import TEMPLATES


def fetch_nothing() -> Any:
    """A fetcher that refuses every URL: the handout is made of its own text and style alone."""
    from weasyprint.urls import URLFetcher

    class NothingFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"not fetched (the change list fetches nothing): {url[:80]}")

    return NothingFetcher()


def change_list_pdf(
    title: str,
    language: str,
    from_label: str,
    to_label: str,
    comparison: Comparison,
    page_size: str = "A4",
) -> bytes:
    """The change list between two moments of the book, as PDF bytes."""
    import weasyprint

    html = TEMPLATES.get_template("change-list.html").render(
        title=title,
        language=language or "en",
        from_label=from_label,
        to_label=to_label,
        comparison=comparison,
        page_size=page_size if page_size in ("A4", "A5", "letter", "B5") else "A4",
    )
    document = weasyprint.HTML(string=html, base_url="about:blank", url_fetcher=fetch_nothing())
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf
