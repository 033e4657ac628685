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
    "a licence not on the SPDX list": (
        replace("book.yaml", "license: CC-BY-4.0", "license: CC-BY-4.2"),
        "tiny/book.yaml:3: license: 'CC-BY-4.2' is not a licence id on the SPDX list",
    ),
    "a licence expression cut short": (
        replace("book.yaml", "license: CC-BY-4.0", "license: MIT OR"),
        "tiny/book.yaml:3: license: 'MIT OR' is not an SPDX licence expression",
    ),
    "an ISBN with a wrong check digit": (
        replace("book.yaml", "language: en", "language: en\nisbn: 978-0-306-40615-8"),
        "tiny/book.yaml:3: '978-0-306-40615-8' is not a valid ISBN: the number's checksum",
    ),
    "authors that are not a list of names": (
        replace("book.yaml", "language: en", "language: en\nauthors: {name: Ada}"),
        "tiny/book.yaml:3: 'authors' must be a list of names",
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
