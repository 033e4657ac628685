"""The sample book as a press's production editor and an accessibility checker read it: nothing
past the margin, tables with their captions, code that wraps under a mark, a title page and a
copyright page that say what they must, formulas tagged as formulas, an EPUB that says what
accessibility it conforms to."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

from textbook.projections.publishing.epub import accessible
from textbook.projections.publishing.formulas import MathRenderer, printable_tex, spoken
from textbook.projections.publishing.pdf import hang_code_lines, keep_captions, mark_continuations
from textbook.projections.publishing.pdf_finish import structure_elements
from textbook.projections.publishing.pipeline import BuildReport
from textbook.projections.publishing.render import described_images
from textbook.projections.publishing.sanitize import sanitize

MM = 72 / 25.4  # PDF points in a millimetre


@functools.cache
def raw_texts(path: Path) -> tuple[str, ...]:
    """The text of every page, read once for the module (pypdf takes seconds for the book)."""
    return tuple(page.extract_text() or "" for page in PdfReader(path).pages)


def texts(path: Path) -> list[str]:
    return [" ".join(text.split()) for text in raw_texts(path)]


def test_nothing_is_printed_past_the_margins(sample_build: BuildReport, tmp_path: Path) -> None:
    """Every page drawn: outside the widest text block (27 to 145 mm of a 170 mm page, rectos
    and versos together) there is not one dark pixel: no formula, code line or table runs off."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    path = sample_build.outputs["pdf"]
    subprocess.run([pdftoppm, "-r", "40", "-gray", "-png", str(path), str(tmp_path / "p")],
                   check=True, timeout=120)  # fmt: skip
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == len(PdfReader(path).pages)
    beyond: list[str] = []
    for page in pages:
        image = Image.open(page).convert("L")
        scale = image.width / 170  # pixels a millimetre
        left, right = int(25 * scale), int(147 * scale)
        for side, box in (("left", (0, 0, left, image.height)),
                          ("right", (right, 0, image.width, image.height))):  # fmt: skip
            darkest = image.crop(box).getextrema()[0]  # a grey image: (darkest, lightest)
            assert isinstance(darkest, int)
            if darkest < 160:
                beyond.append(f"{page.name} ({side})")
    assert beyond == []


def test_a_table_is_on_the_page_of_its_caption(sample_build: BuildReport) -> None:
    pages = texts(sample_build.outputs["pdf"])
    captions = {
        "Table 3.1:": "Leading-order flops",
        "Table 1.1:": "Unit roundoff",
    }
    for caption, row in captions.items():
        [page] = [text for text in pages if caption in text]
        assert row in page


def test_code_wraps_under_a_mark_and_is_never_hyphenated(sample_build: BuildReport) -> None:
    """A comment too long for the measure goes on, whole words, on a line of its own; the
    listing's words are not split by hyphens; the mark of continued lines is a file of print."""
    pages = texts(sample_build.outputs["pdf"])
    listing = next(text for text in pages if "def lu_factor(A):" in text)
    assert "# bring the largest entry up" in listing  # wrapped between words
    assert not re.search(r"\b(lar|larg|larg-est|multi|multipli)- ", listing)
    html = hang_code_lines(
        '<pre class="sourceCode python"><code class="sourceCode python"><span id="c--cb1-1">'
        '<a href="#c--cb1-1" aria-hidden="true" tabindex="-1"></a>    <span class="co"># x</span>'
        "</span>\n"
        '<span id="c--cb1-2"><a href="#c--cb1-2" aria-hidden="true" tabindex="-1"></a>y</span>'
        "</code></pre>"
    )
    # Each line hangs 4 characters further in than its own indentation (4 spaces: 8 in all).
    assert "padding-left:4.82em;text-indent:-4.82em" in html
    assert '</span><span id="c--cb1-2"' in html  # no blank line between line blocks


def test_a_paragraph_going_on_after_a_display_is_not_indented() -> None:
    display = {"t": "Para", "c": [{"t": "Math", "c": [{"t": "DisplayMath"}, "x"]}]}
    going_on = {"t": "Para", "c": [{"t": "Str", "c": "where"}]}
    new = {"t": "Para", "c": [{"t": "Str", "c": "The"}]}
    blocks = [display, going_on, display, new]
    mark_continuations(blocks)
    assert blocks[1] == {"t": "Div", "c": [["", ["continues"], []], [going_on]]}
    assert blocks[3] == new


def test_a_table_and_its_caption_share_one_block() -> None:
    html = keep_captions("<table><caption>Table 1</caption><tr><td>1</td></tr></table>")
    assert html.startswith('<div class="table-block"><table>') and html.endswith("</table></div>")


def test_formulas_as_a_reader_hears_them_and_as_tex_sets_them() -> None:
    assert printable_tex("x = -6") == "x = {-}6"  # a sign, not a subtraction
    assert printable_tex("(-3)") == "({-}3)"
    assert printable_tex("a - b") == "a - b"
    assert printable_tex(r"\hspace{-1em}x") == r"\hspace{-1em}x"
    assert spoken(r"2^{p-1}") == "2^(p-1)"
    assert spoken(r"b \in \{0, 1\}") == "b ∈{0, 1}"

    def height(svg: bytes) -> float:
        found = re.search(rb'viewBox="[-\d.]+ [-\d.]+ [-\d.]+ ([-\d.]+)"', svg)
        assert found is not None
        return float(found.group(1))

    math = MathRenderer()
    inline = math.svg(r"\int_0^1 f(x)\,dx", display=False)
    shown = math.svg(r"\int_0^1 f(x)\,dx", display=True)
    assert height(inline) < 0.7 * height(shown)  # an integral in running text is at text size


def test_title_and_copyright_pages(sample_build: BuildReport) -> None:
    pages = texts(sample_build.outputs["pdf"])
    title, copyright = pages[0], pages[1]
    for words in ("Numerical Methods", "A First Course in Scientific Computing",
                  "The textbook contributors", "Edition of 20"):  # fmt: skip
        assert words in title
    assert "https://creativecommons.org/licenses/by/4.0/" in copyright
    assert "urn:uuid:6f1c2a4e-8d3b-5e7f-9a10-2b4c6d8e0f13" in copyright
    assert "approved by an editor other than its author" in copyright


def test_formulas_are_tagged_as_formulas_with_words(sample_build: BuildReport) -> None:
    with pikepdf.open(sample_build.outputs["pdf"]) as pdf:
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        # What PDF/UA-1 asks that can be read without a validator: the claim, the tab order.
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert all(page.get("/Tabs") == "/S" for page in pdf.pages if "/Annots" in page)
        elements = structure_elements(pdf)
        formulas = [e for e in elements if pikepdf.Name.Formula == e.S]
        figures = [e for e in elements if pikepdf.Name.Figure == e.S]
        assert len(formulas) > 500
        assert all(str(e.get("/Alt", "")).strip() for e in formulas + figures)
        assert not any(str(e.Alt).startswith("Formula: ") for e in formulas + figures)
        assert "x = ±(1 + b_1/2" in {str(e.Alt)[:15] for e in formulas}
        # A chart's text alternative is its description, not its caption again.
        assert {str(e.Alt)[:20] for e in figures} >= {"A plot of the cubic "}


def test_epub_says_what_it_conforms_to(sample_build: BuildReport) -> None:
    with zipfile.ZipFile(sample_build.outputs["epub"]) as epub:
        opf = epub.read("EPUB/content.opf").decode()
        chapters = {
            name: epub.read(name).decode()
            for name in epub.namelist()
            if name.endswith(".xhtml") and name not in ("EPUB/nav.xhtml", "EPUB/title.xhtml")
        }
    assert (
        '<meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.1 Level AA</meta>'
        in opf
    )
    assert len(chapters) == 8
    for name, xhtml in chapters.items():
        assert 'role="doc-chapter" epub:type="chapter"' in xhtml, name
        maths = re.findall(r"<math [^>]*>", xhtml)
        assert maths and all("alttext=" in m for m in maths), name
    newton = chapters["EPUB/root-finding.xhtml"]
    assert 'alt="A plot of the cubic curve' in newton  # the description, the caption beside it
    assert "<figcaption><strong>Figure 2.1:</strong> Two steps of Newton" in newton


def test_an_image_description_is_checked_and_becomes_its_alt() -> None:
    def image(pairs: list[list[str]]) -> dict[str, object]:
        node = {"t": "Image", "c": [["", [], pairs], [], ["images/a.svg", ""]]}
        return {"blocks": [{"t": "Para", "c": [node]}], "meta": {}}

    kept = sanitize(image([["desc", "A red curve"]]), {"a.svg"})
    assert kept["blocks"][0]["c"][0]["c"][0][2] == [["desc", "A red curve"]]
    dropped = sanitize(image([["desc", "two\nlines\x07"]]), {"a.svg"})
    assert dropped["blocks"][0]["c"][0]["c"][0][2] == []
    html = described_images('<img src="a.svg" data-desc="A red &quot;curve&quot;" alt="Cap" />')
    assert html == '<img src="a.svg" alt="A red &quot;curve&quot;" />'


def test_a_formula_alone_in_a_header_cell_is_named() -> None:
    body = accessible(
        '<table><thead><tr><th></th><th><math display="inline"><semantics><mi>n</mi>'
        '<annotation encoding="application/x-tex">n</annotation></semantics></math></th>'
        "</tr></thead></table>"
    )
    assert "<td></td>" in body
    assert '<math aria-label="n" display="inline" alttext="n">' in body


def test_a_line_ending_in_a_formula_is_full(sample_build: BuildReport) -> None:
    """WeasyPrint broke a line whose last formula did not fit after its first word: chapter 2
    opened with "Many" alone on a line."""
    pages = raw_texts(sample_build.outputs["pdf"])
    [opening] = [text for text in pages if "questions in science and engineering" in text]
    assert "Many questions in science" in opening
