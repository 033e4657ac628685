"""References as a reader sees them in the built chapter: corporate authors stay one name, and
titles in other languages keep their case."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.conftest import FIXTURES, import_folder
from tests.publishing.conftest import Publisher
from textbook.config import Settings
from textbook.projections.runner import open_views
from textbook.storage import open_textbook

REFERENCES = """\
@string{siam = "SIAM"}
@book{higham1998,
  author = {{Society for Industrial and Applied Mathematics}},
  title = {Handbook of Writing for the Mathematical Sciences},
  publisher = siam,
  year = {1998}
}
@book{siam1999,
  author = {Society for Industrial and Applied Mathematics},
  title = {A Report on Numerical Software},
  year = {1999}
}
@techreport{who2020,
  author = "World Health Organization",
  title = {A Report},
  year = {2020}
}
@article{hilbert1902,
  author = {David Hilbert},
  title = {Über die Grundlagen der Geometrie},
  langid = {german},
  journal = {Mathematische Annalen},
  year = {1902}
}
@article{gauss1828,
  author = {Carl Friedrich Gauss and Ludwig van Beethoven},
  title = {Disquisitiones generales circa superficies curvas},
  journal = {Commentationes},
  year = {1828}
}
"""
CITE = "[@higham1998; @siam1999; @who2020; @hilbert1902; @gauss1828]"


def book_with_references(root: Path, language: str) -> Path:
    book = root / f"refs-{language}"
    shutil.copytree(FIXTURES / "tiny", book)
    (book / "references.bib").write_text(REFERENCES)
    yaml = book / "book.yaml"
    yaml.write_text(yaml.read_text().replace("language: en", f"language: {language}"))
    first = book / "first.md"
    first.write_text(first.read_text().replace("[@knuth1997]", CITE))
    return book


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[str]]]:
    """Each book's reference list, as the web edition shows it, by language."""
    root = tmp_path_factory.mktemp("references")
    settings = Settings(database=str(root / "store.sqlite"))
    app, views = open_textbook(settings), open_views(settings)
    found = {}
    for language in ("en", "de"):
        import_folder(app, book_with_references(root, language))
        report = Publisher(app, views, root).build(f"refs-{language}", language, ("html",))
        page = BeautifulSoup((report.outputs["html"] / "first.html").read_text(), "html.parser")
        found[language] = [
            " ".join(entry.get_text(" ", strip=True).split())
            for entry in page.select("#refs .csl-entry")
        ]
    yield found
    app.close()
    views.close()


def test_corporate_authors_are_one_name_braced_or_not(references: dict[str, list[str]]) -> None:
    entries = references["en"]
    assert (
        sum(e.startswith("Society for Industrial and Applied Mathematics.") for e in entries) == 2
    )
    assert any(e.startswith("World Health Organization. 2020.") for e in entries)
    assert not any("Industrial, Society" in e or "Organization, World" in e for e in entries)
    # People stay people, "van" and all.
    assert any(e.startswith("Gauss, Carl Friedrich, and Ludwig van Beethoven.") for e in entries)


def test_titles_in_other_languages_keep_their_case(references: dict[str, list[str]]) -> None:
    english = references["en"]
    assert any("“Über die Grundlagen der Geometrie.”" in e for e in english)  # langid german
    german = references["de"]
    # In a German book, an entry without langid is German: its title is not title-cased.
    assert any("Disquisitiones generales circa superficies curvas" in e for e in german)
    assert any("Über die Grundlagen der Geometrie" in e for e in german)
