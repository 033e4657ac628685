"""Numbers and cross-references as readers see them: "Figure 2.1", "(2.1)", "Listing 2.1" in the
web edition, the EPUB and the PDF; references (`@fig-x`, `@eq-x`, ...) as links that reach
their target across chapters, with the page in print; lists of figures and tables; and the
preview numbering a draft as the book will."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.conftest import SAMPLE
from textbook.book_folder import read_book
from textbook.projections.publishing.drafting import placement
from textbook.projections.publishing.library import Library
from textbook.projections.publishing.pipeline import BuildReport
from textbook.projections.publishing.preview import preview


def page(folder: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((folder / name).read_text(), "html.parser")


def words(tag: object) -> str:
    return " ".join(tag.get_text(" ").split())  # type: ignore[attr-defined]


def test_web_edition_numbers_equations_listings_and_names_what_references_point_at(
    sample_build: BuildReport,
) -> None:
    folder = sample_build.outputs["html"]
    root = page(folder, "root-finding.html")
    newton = root.select_one("#eq-newton")
    assert newton is not None and newton.select_one("math[display=block]") is not None
    assert words(newton.select_one(".equation-number")) == "(2.1)"
    assert words(root.select_one("#lst-bisect .listing-caption")) == (
        "Listing 2.1: Bisection: halve the bracket until it is shorter than the tolerance."
    )
    assert root.select_one("#lst-bisect pre code") is not None
    links = {words(a): a["href"] for a in root.select("a.cross-reference")}
    assert links["Listing 2.1"] == "#lst-bisect"
    assert links["Equation (2.3)"] == "#eq-secant"
    # Across chapters: chapter 7 names chapter 2's equation and figure, and links into it.
    odes = {words(a): a["href"] for a in page(folder, "odes.html").select("a.cross-reference")}
    assert odes["Equation (2.1)"] == "root-finding.html#eq-newton"
    assert odes["Figure 2.1"] == "root-finding.html#fig-newton"
    assert odes["Figure 7.1"] == "#fig-euler"
    assert odes["Table 7.2"] == "#tbl-odes-methods"
    assert odes["Section 7.3.1"] == "#sec-stiff-problems"
    eigen = {
        words(a): a["href"] for a in page(folder, "eigenvalues.html").select("a.cross-reference")
    }
    assert eigen["Section 5.2.1"] == "least-squares.html#sec-computing-qr"
    assert eigen["Section 2.2"] == "root-finding.html#newton-method"  # @sec-newton-method


def test_every_reference_in_the_web_edition_and_the_epub_reaches_its_target(
    sample_build: BuildReport,
) -> None:
    folder = sample_build.outputs["html"]
    pages = {path.name: page(folder, path.name) for path in folder.glob("*.html")}
    count = 0
    for name, soup in pages.items():
        assert not soup.select(".missing-reference"), name
        for link in soup.select("a.cross-reference"):
            target, _, anchor = str(link["href"]).partition("#")
            assert pages[target or name].find(id=anchor) is not None, (name, link)
            count += 1
    assert count >= 30
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        names = [n for n in epub.namelist() if n.endswith(".xhtml")]
        files = {n: BeautifulSoup(epub.read(n), "html.parser") for n in names}
    count = 0
    for name, soup in files.items():
        for link in soup.select("a.cross-reference"):
            target, _, anchor = str(link["href"]).partition("#")
            assert files[f"EPUB/{target}" if target else name].find(id=anchor), (name, link)
            count += 1
    assert count >= 30
    odes = files["EPUB/odes.xhtml"]
    assert odes.select_one('a.cross-reference[href="root-finding.xhtml#eq-newton"]') is not None


def test_epub_navigation_lists_the_figures_and_tables(sample_build: BuildReport) -> None:
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        nav = BeautifulSoup(epub.read("EPUB/nav.xhtml"), "html.parser")
        chapter = BeautifulSoup(epub.read("EPUB/root-finding.xhtml"), "html.parser")
    figures = [(words(a), a["href"]) for a in nav.select('nav[epub\\:type="loi"] li a')]
    assert len(figures) == 6
    assert figures[1] == (
        "2.1 Two steps of Newton\N{RIGHT SINGLE QUOTATION MARK}s method for f(x) = x³ "
        "\N{MINUS SIGN} 2x \N{MINUS SIGN} 5 starting from x₀ = 3",
        "root-finding.xhtml#fig-newton",
    )
    assert chapter.find(id="fig-newton") is not None
    tables = [words(a) for a in nav.select('nav[epub\\:type="lot"] li a')]
    # An entry is a title: the caption's full stop is not kept (in print it ran into the dots).
    assert tables[0] == "1.1 Parameters of the two most widely used IEEE 754 binary formats"
    assert not [entry for entry in tables if entry.endswith(".")]
    assert "6.1 Composite trapezoidal rule for the integral of sin x from 0 to π" in tables


def pdf_pages(sample_build: BuildReport) -> list[tuple[str, str]]:
    """Each page of the PDF: the number it is known by (its label: "v", "41") and its words."""
    reader = PdfReader(sample_build.outputs["pdf"])
    return [
        (label, " ".join((page.extract_text() or "").split()))
        for label, page in zip(reader.page_labels, reader.pages, strict=True)
    ]


def page_holding(pages: list[tuple[str, str]], text: str) -> str:
    return next(label for label, words in pages if text in words)


def test_pdf_names_references_with_their_page(sample_build: BuildReport) -> None:
    pages = pdf_pages(sample_build)
    body = [(label, words) for label, words in pages if label.isdigit()]
    text = " ".join(words for _, words in body)
    # Chapter 7 refers back to chapter 2's figure; chapter 2 to its own listing; chapter 8
    # to the heading of section 2.2.
    figure = page_holding(body, "Figure 2.1: Two steps of Newton")
    assert f"Figure 2.1 (p. {figure})" in text
    listing = page_holding(body, "Listing 2.1: Bisection")
    assert f"Listing 2.1 (p. {listing})" in text
    heading = page_holding(body, "2.2 Newton\N{RIGHT SINGLE QUOTATION MARK}s Method")
    assert f"Section 2.2 (p. {heading})" in text
    found = re.findall(r"(?:Figure|Table|Equation|Listing|Section) [\d.()]+ \(p\. \d+\)", text)
    assert len(found) >= 30
    assert "(p. 00)" not in text and "(p. )" not in text


def test_pdf_lists_figures_and_tables_after_the_contents(sample_build: BuildReport) -> None:
    pages = pdf_pages(sample_build)
    starts = [words.split(" ")[0:3] for _, words in pages]
    contents = starts.index(["Contents", "1", "Numbers"])
    figures = next(i for i, (_, words) in enumerate(pages) if words.startswith("List of Figures"))
    tables = next(i for i, (_, words) in enumerate(pages) if words.startswith("List of Tables"))
    assert contents < figures < tables < [label for label, _ in pages].index("1")
    entry = re.search(r"2\.1 Two steps of Newton.s method .*? x₀ = 3[ .]*(\d+)", pages[figures][1])
    assert entry is not None
    assert entry.group(1) == page_holding(pages, "Figure 2.1: Two steps")
    entry = re.search(
        r"3\.1 Approximate floating-point operation counts.*?[ .]*(\d+)", pages[tables][1]
    )
    assert entry is not None
    assert entry.group(1) == page_holding(pages, "Table 3.1: Approximate")


DRAFT = """## Roots again {#roots-again}

As @fig-newton and @eq-newton show, and as @eq-again shows:

$$ x = y $$ {#eq-again}

@lst-again follows; see also @fig-nowhere.

```{#lst-again .python caption="Again"}
print(2)
```
"""


def test_the_preview_numbers_a_draft_in_its_place_and_marks_a_missing_label(
    tmp_path: Path,
) -> None:
    state = read_book(SAMPLE).state
    library = Library(tmp_path / "library")
    place = placement(state, library.cache, "add_section", "", "root-finding", "convergence-order")
    assert place is not None and (place.equations, place.listings) == (4, 3)
    html = BeautifulSoup(str(preview(DRAFT, state, library.previews, place=place)), "html.parser")
    links = {words(a): a["href"] for a in html.select("a.cross-reference")}
    assert links["Figure 2.1"] == "/books/numerical-methods/chapters/root-finding#fig-newton"
    assert links["Equation (2.1)"] == "/books/numerical-methods/chapters/root-finding#eq-newton"
    assert links["Equation (2.5)"] == "#eq-again"
    assert links["Listing 2.4"] == "#lst-again"
    assert words(html.select_one("#eq-again .equation-number")) == "(2.5)"
    assert words(html.select_one(".missing-reference")) == "@fig-nowhere"
    assert words(html.select_one("h2")).startswith("2.5 Roots again")
