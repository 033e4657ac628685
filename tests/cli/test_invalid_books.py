"""Importing a book that is not valid names the file and line, and writes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.conftest import FIXTURES


def replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def change(book: Path) -> None:
        path = book / name
        path.write_text(path.read_text().replace(old, new, 1))

    return change


def write(name: str, data: bytes) -> Callable[[Path], None]:
    def change(book: Path) -> None:
        (book / name).write_bytes(data)

    return change


def remove(name: str) -> Callable[[Path], None]:
    def change(book: Path) -> None:
        (book / name).unlink()

    return change


CASES = {
    "no book.yaml": (remove("book.yaml"), "tiny/book.yaml: missing"),
    "a missing field": (
        replace("book.yaml", "license: CC-BY-4.0\n", ""),
        "tiny/book.yaml: the field 'license' is missing",
    ),
    "an unknown field": (
        replace("book.yaml", "language: en", "langauge: en\nlanguage: en"),
        "tiny/book.yaml:2: unknown field 'langauge'",
    ),
    "broken YAML": (
        replace("book.yaml", "language: en", "language: en: us"),
        "tiny/book.yaml:2: not valid YAML: mapping values are not allowed here",
    ),
    "a bad language tag": (
        replace("book.yaml", "language: en", "language: english language"),
        "tiny/book.yaml:2: 'english language' is not a BCP 47 language tag",
    ),
    "a chapter listed but missing": (
        remove("second.md"),
        "tiny/book.yaml:7: the chapter file 'second.md' is listed but missing",
    ),
    "a chapter not listed": (
        write("extra.md", b"# Extra {#extra}\n"),
        "tiny/extra.md: this chapter file is not listed in book.yaml's chapters",
    ),
    "duplicate ids": (
        replace("second.md", "## Summing {#summing}", "## Summing {#counting}"),
        "tiny/second.md:3: the id 'counting' is already used at",
    ),
    "a duplicate figure id": (
        replace("second.md", "[^gauss]: A", "![x](images/ruler.svg){#fig-ruler}\n\n[^gauss]: A"),
        "tiny/second.md:7: the id 'fig-ruler' is already used at",
    ),
    "an image that does not exist": (
        replace("first.md", "images/ruler.svg", "images/compass.svg"),
        "tiny/first.md:19: the image 'images/compass.svg' does not exist",
    ),
    "an image from the server's disk": (
        replace("first.md", "images/ruler.svg", "/etc/hostname"),
        "tiny/first.md:19: the image '/etc/hostname' is not in the book's images/ folder",
    ),
    "a file that is not UTF-8": (
        write("second.md", "# Second {#second}\n\nCaf\u00e9\n".encode("latin-1")),
        "tiny/second.md:3: not UTF-8 text",
    ),
    "a NUL character": (
        write("second.md", b"# Second {#second}\n\nnul\x00here\n"),
        "tiny/second.md:3: contains a NUL character: not text",
    ),
    "a file over the size limit": (
        write("second.md", b"# Second {#second}\n\n" + b"word " * 500_000),
        "tiny/second.md: 2,500,020 bytes is over the limit of 2,097,152",
    ),
    "a chapter without its heading": (
        replace("second.md", "# Second Thoughts {#second}\n", "Some words first.\n"),
        "tiny/second.md:1: a chapter must open with '# Title {#chapter-id}'",
    ),
    "two chapters in one file": (
        replace("second.md", "## Summing", "# Summing"),
        "tiny/second.md:3: a second '# ' chapter heading: one chapter per file",
    ),
    "an unknown citation": (
        replace("first.md", "[@knuth1997]", "[@knuth2097]"),
        "tiny/first.md:17: the citation '@knuth2097' is not in references.bib",
    ),
    "an image that is not what it says": (
        write("images/photo.png", b"GIF89a not a png"),
        "tiny/images/photo.png: this is not a PNG image",
    ),
    "an image of another type": (
        write("images/clip.gif", b"GIF89a"),
        "tiny/images/clip.gif: images must be PNG, JPEG or SVG files",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_invalid_book_is_refused_and_nothing_is_stored(case: str, run: Run, tmp_path: Path) -> None:
    book = tmp_path / "tiny"
    shutil.copytree(FIXTURES / "tiny", book)
    change, message = CASES[case]
    change(book)
    result = run("import", str(book), "--as", "mia")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert str(book) in result.stderr
    # Nothing was stored: the book does not exist.
    shown = run("show", "tiny")
    assert shown.exit_code == 2
    assert shown.stderr == "Error: There is no book 'tiny'.\n"
