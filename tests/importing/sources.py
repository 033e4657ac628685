"""A small book of our own, written in Markdown, and made by pandoc into each format a person
may bring: a Word document, an EPUB, an mdBook, a Quarto book and a LaTeX book."""

from __future__ import annotations

import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pypandoc

TITLE = "Garden Sundials"
AUTHORS = ["Wren Alder", "Tomas Reed"]
BIB = """@book{ashdown1990,
  author = {Ashdown, Clara},
  title = {Shadows and Hours},
  year = {1990},
  publisher = {Meadow Press}
}
"""
# Chapter one: a footnote, inline and display math, a table, an image and a citation.
SHADOWS = """# Shadows {#shadows}

A sundial reads the hour from the shadow of its gnomon.[^gnomon]

[^gnomon]: The gnomon is the edge that casts the shadow.

## Angles {#angles}

The gnomon leans at the latitude $\\varphi$ of the garden, so that

$$\\tan\\theta = \\sin\\varphi \\tan h$$

gives the angle $\\theta$ of each hour line.

| Hour | Angle |
|------|-------|
| 1 | 12.5 |
| 2 | 25.9 |

A dial for the hours after noon is drawn in @ashdown1990, and again in [@ashdown1990, p. 4].

![A small red mark on the dial face.](dot.png)
"""
SETTING = """# Setting Up {#setting-up}

Place the dial level, in full sun.

## True North {#true-north}

Turn the gnomon to true north, not to the north of a compass.

## Checking {#checking}

Compare the dial with a clock at noon on a still day.
"""


def png(width: int = 4, height: int = 3) -> bytes:
    rows = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


DOT = png()


def pandoc(folder: Path, *args: str) -> None:
    command = [str(pypandoc.get_pandoc_path()), *args]
    subprocess.run(command, cwd=folder, check=True, capture_output=True, timeout=60)


def written(folder: Path) -> Path:
    """The Markdown source, its bibliography and its image, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    metadata = f"---\ntitle: {TITLE}\nauthor:\n" + "".join(f"  - {a}\n" for a in AUTHORS)
    (folder / "book.md").write_text(metadata + "lang: en\n---\n\n" + SHADOWS + "\n" + SETTING)
    (folder / "refs.bib").write_text(BIB)
    (folder / "dot.png").write_bytes(DOT)
    return folder


def docx(folder: Path) -> Path:
    written(folder)
    pandoc(folder, "book.md", "--citeproc", "--bibliography=refs.bib", "-o", "book.docx")
    return folder / "book.docx"


def epub(folder: Path) -> Path:
    written(folder)
    pandoc(
        folder, "book.md", "--citeproc", "--bibliography=refs.bib", "--mathml",
        "-M", "rights=CC-BY-SA-4.0", "-o", "book.epub",
    )  # fmt: skip
    return folder / "book.epub"


def mdbook(folder: Path) -> Path:
    """An mdBook: the second chapter's sections are nested pages in SUMMARY.md."""
    written(folder / "work")
    src = folder / "sundials" / "src"
    src.mkdir(parents=True)
    (folder / "sundials" / "book.toml").write_text(
        f'[book]\ntitle = "{TITLE}"\nauthors = ["{AUTHORS[0]}", "{AUTHORS[1]}"]\n'
        'language = "en"\nsrc = "src"\n'
    )
    (src / "images").mkdir()
    (src / "images" / "dot.png").write_bytes(DOT)
    shadows = SHADOWS.replace("](dot.png)", "](images/dot.png)")
    intro, true_north, checking = SETTING.split("\n## ")
    pages = {
        "shadows.md": shadows,
        "setting-up.md": intro,
        "true-north.md": "# " + true_north,
        "checking.md": "# " + checking,
    }
    for name, text in pages.items():
        (folder / "work" / name).write_text(text)
        pandoc(folder / "work", name, "-f", "markdown-implicit_figures", "-t", "commonmark_x",
               "-o", str(src / name))  # fmt: skip
    (src / "SUMMARY.md").write_text(
        "# Summary\n\n- [Shadows](shadows.md)\n- [Setting Up](setting-up.md)\n"
        "  - [True North](true-north.md)\n  - [Checking](checking.md)\n- [Later]()\n"
    )
    return folder / "sundials"


def quarto(folder: Path) -> Path:
    written(folder / "work")
    book = folder / "dials"
    book.mkdir()
    (book / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n"
        f"  title: {TITLE}\n  author:\n    - name: {AUTHORS[0]}\n    - name: {AUTHORS[1]}\n"
        "  chapters:\n    - shadows.qmd\n    - part: Practice\n      chapters:\n"
        "        - setting-up.qmd\n"
        "bibliography: refs.bib\nlang: en\nlicense: CC-BY-4.0\n"
    )
    (book / "refs.bib").write_text(BIB)
    (book / "dot.png").write_bytes(DOT)
    for name, text in (("shadows.qmd", SHADOWS), ("setting-up.qmd", SETTING)):
        (folder / "work" / name).write_text(text)
        pandoc(folder / "work", name, "-t", "markdown", "-o", str(book / name))
    return book


def latex(folder: Path) -> Path:
    """A LaTeX book: a main file that \\include's a file per chapter, with a .bib."""
    written(folder / "work")
    book = folder / "dials-tex"
    book.mkdir()
    (book / "refs.bib").write_text(BIB)
    (book / "dot.png").write_bytes(DOT)
    for name, text in (("shadows", SHADOWS), ("setting", SETTING)):
        (folder / "work" / f"{name}.md").write_text(text)
        pandoc(folder / "work", f"{name}.md", "--biblatex", "--top-level-division=chapter",
               "-t", "latex", "-o", str(book / f"{name}.tex"))  # fmt: skip
    (book / "main.tex").write_text(
        "\\documentclass{book}\n\\title{"
        + TITLE
        + "}\n\\author{"
        + " \\and ".join(AUTHORS)
        + "}\n\\begin{document}\n\\include{shadows}\n\\include{setting}\n"
        "\\bibliography{refs}\n\\end{document}\n"
    )
    return book


def zipped(folder: Path, into: Path) -> Path:
    with zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder)}")
    return into
