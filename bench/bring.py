"""Benchmark bringing books in and copying them: imports from other formats against the raw
pandoc reader, a fork against an import of the same book, and the copy check's cost per proposal.

    .venv/bin/python bench/bring.py [--chapters 50] [--words 70000] [--repeats 3]

In one run, on the book bench/generate_book.py writes (imported into fresh SQLite stores in a
temporary folder):

  docx / epub   `textbook import BOOK.docx` (and .epub) in a new process, against pandoc alone
                reading the same file to Markdown (the pypandoc binary the import runs); the
                ratio is import / raw reader, both whole processes, median of --repeats
  folder        `textbook import FOLDER` of our own format, for scale
  fork          `Textbook.fork_book` of the imported book, against `import_book` of the same
                book into the same store under another slug (in process, median)
  copy check    opening a proposal of a new section of 20 paragraphs (half copied from the book,
                half new) with the copy index, against the same without it (in process, median)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pypandoc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textbook.book_folder import read_book  # noqa: E402
from textbook.cli.context import Context  # noqa: E402
from textbook.config import Settings  # noqa: E402

TEXTBOOK = [sys.executable, "-m", "textbook"]


def median_of(repeats: int, run: Callable[[int], float]) -> float:
    return statistics.median(run(i) for i in range(repeats))


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def store_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ, TEXTBOOK_VAR=str(folder), PYTHONPATH=str(ROOT))
    add = ["user", "add", "mia", "--email", "mia@example.org", "--password", "correct horse"]
    subprocess.run([*TEXTBOOK, *add], env=env, check=True, capture_output=True)
    return env


def book_as(folder: Path, out: Path, fmt: str) -> Path:
    """The generated book as one file of `fmt`, made by pandoc from its chapters."""
    chapters = sorted(folder.glob("ch*.md"))
    target = out / f"{folder.name}.{fmt}"
    pypandoc.convert_text(
        "\n\n".join(path.read_text() for path in chapters),
        fmt,
        format="markdown",
        outputfile=str(target),
        extra_args=[
            f"--resource-path={folder}",
            "--metadata=title:Large Book",
            f"--bibliography={folder / 'references.bib'}",
        ],
    )
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapters", type=int, default=50)
    parser.add_argument("--words", type=int, default=70000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-bring-"))
    book = work / "large-book"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_book.py"), "--chapters",
                    str(args.chapters), "--words", str(args.words), "--out", str(book)],
                   check=True, capture_output=True)  # fmt: skip
    pandoc = pypandoc.get_pandoc_path()
    print(f"book: {args.chapters} chapters, about {args.words:,} words; {args.repeats} runs each")
    for fmt in ("docx", "epub"):
        source = book_as(book, work, fmt)

        def ours(i: int, fmt: str = fmt, source: Path = source) -> float:
            env = store_env(work / f"store-{fmt}-{i}")
            return timed([*TEXTBOOK, "import", str(source), "--as", "mia", "--license",
                          "CC-BY-4.0", "--slug", f"big-{fmt}"], env)  # fmt: skip

        def raw(i: int, source: Path = source) -> float:
            command = [pandoc, str(source), "-t", "markdown", "-o", os.devnull]
            return timed(command, dict(os.environ))

        a, b = median_of(args.repeats, ours), median_of(args.repeats, raw)
        print(f"{fmt:7} import {a:6.2f} s   pandoc reader alone {b:6.2f} s   ratio {a / b:5.2f}x")

    def folder(i: int) -> float:
        return timed([*TEXTBOOK, "import", str(book), "--as", "mia"], store_env(work / f"f{i}"))

    print(f"folder  import {median_of(args.repeats, folder):6.2f} s (our own format)")

    settings = Settings.from_environ({"TEXTBOOK_VAR": str(work / "inprocess")})
    context = Context(settings)
    app = context.app
    app.register_user("mia", "mia@example.org", "correct horse")
    source = read_book(book)
    app.import_book(source.state, by="mia", problems=source.problems, blobs=source.blobs)
    context.refresh()

    def fork(i: int) -> float:
        start = time.perf_counter()
        app.fork_book(book.name, f"fork-{i}", by="mia")
        return time.perf_counter() - start

    def again(i: int) -> float:
        from dataclasses import replace

        state = replace(source.state, slug=f"copy-{i}")
        start = time.perf_counter()
        app.import_book(state, by="mia", problems=source.problems, blobs=source.blobs)
        return time.perf_counter() - start

    f, g = median_of(args.repeats, fork), median_of(args.repeats, again)
    print(f"fork    {f * 1000:7.0f} ms   import of the same book {g * 1000:7.0f} ms   "
          f"ratio {f / g:5.2f}x")  # fmt: skip
    context.refresh()
    paragraphs = [s.text.split("\n\n")[1] for c in source.state.chapters[:10] for s in c.sections]
    fresh = [
        f"A new paragraph, number {n}, written for this proposal alone. " * 3 for n in range(10)
    ]
    chapter = source.state.chapters[-1].id

    def propose(i: int, finder: object) -> float:
        app.copy_finder = finder  # type: ignore[assignment]
        body = "\n\n".join(p for pair in zip(paragraphs[:10], fresh, strict=True) for p in pair)
        text = f"## Borrowed {i} {{#borrowed-{i}-{id(finder) % 1000}}}\n\n{body}\n"
        start = time.perf_counter()
        app.propose_section(book.name, chapter, "", text, "A new section", "mia")
        return time.perf_counter() - start

    finder = app.copy_finder
    with_check = median_of(args.repeats, lambda i: propose(i, finder))
    without = median_of(args.repeats, lambda i: propose(i + 100, None))
    print(f"propose with the copy check {with_check * 1000:6.0f} ms   without "
          f"{without * 1000:6.0f} ms   ratio {with_check / without:5.2f}x")  # fmt: skip
    context.close()


if __name__ == "__main__":
    main()
