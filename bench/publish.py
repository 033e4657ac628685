"""Benchmark publishing on a large generated book: clean builds, raw tools, a republish, memory.

    .venv/bin/python bench/publish.py [--chapters 50] [--words 70000] [--formats html,epub,pdf]
                                      [--repeats 2] [--large] [--large-words 270000]

In one run, on the generated book imported into a fresh SQLite store in a temporary folder:

  clean        `build()` of each format on its own, with a fresh cache folder (and no chapter
               layouts kept in memory) each time; the median of --repeats runs
  raw tools    the same approved text through the tools alone: pandoc (the pypandoc binary the
               build runs) on the whole book's Markdown to standalone HTML5 and to EPUB3, and
               WeasyPrint on pandoc's standalone HTML to PDF; the median of --repeats runs
  republish    a clean build of every format into one output and cache folder, then one section
               in the middle of the book changed (proposed by an author, approved by an editor),
               then each format built again with the same cache, in the same process (the PDF
               keeps chapter layouts in memory between builds); the new outputs are compared
               byte for byte with a clean build of the new state by `textbook build` in a new
               process (whose wall time and peak memory are reported too); then a second
               change to that section, long enough to move every later chapter's first page,
               and the PDF built again
  PDF phases   where a PDF build's time goes (timing wrappers around pdf.chapter_html,
               pdf.front_matter, WeasyPrint's HTML.render and Document.write_pdf)
  --large      a clean build of every format of a --large-words book in a new process, under
               /usr/bin/time -v: wall time and maximum resident set size (slow: off by default)
"""

from __future__ import annotations

import argparse
import filecmp
import json
import logging
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypandoc
import weasyprint
import weasyprint.document
from generate_book import generate  # bench/ is on sys.path when this file runs as a script

from textbook.book_folder import read_book
from textbook.config import Settings
from textbook.domain.application import Textbook
from textbook.projections.publishing import pdf
from textbook.projections.publishing.editions import book_to_build
from textbook.projections.publishing.pipeline import FORMATS, BuildReport, Publisher, build
from textbook.projections.publishing.sources import BookToBuild
from textbook.projections.queries import Queries
from textbook.projections.runner import catch_up, open_views
from textbook.projections.views import ReadModels
from textbook.storage import open_textbook

SLUG = "large-book"  # the generated folder's name, so the book's slug
BIN = Path(sys.executable).parent  # the virtualenv's bin/, with the `textbook` command
GNU_TIME = Path("/usr/bin/time")
GROWTH = 600  # words added by the second change: over two pages
RAW = {
    "html": "pandoc -> HTML5",
    "epub": "pandoc -> EPUB3",
    "pdf": "pandoc HTML5 + WeasyPrint",
}
PDF_PHASES = [
    ("parse", "parse chapters (pandoc -> AST, or the cache)"),
    ("print-html", "print HTML of every chapter (math SVGs, pandoc or the cache)"),
    ("layout", "lay out chapters (WeasyPrint render)"),
    ("front", "lay out the front matter (contents with page numbers)"),
    ("write", "write the PDF/UA (draw, tag, serialise every page)"),
    ("rest", "the rest (staging images, templates, hashing)"),
]

Say = Callable[[str], None]


# --- Timing probes inside the PDF build --------------------------------------------------------


@dataclass
class Probes:
    """Time spent in a few functions of the PDF path, by wrapping them for the whole run."""

    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def wrap(self, owner: Any, name: str, probe: str) -> Callable[[], None]:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[probe] += time.perf_counter() - start
                self.calls[probe] += 1

        setattr(owner, name, timed)
        return lambda: setattr(owner, name, original)

    def pdf_phases(self, total: float, parse: float) -> dict[str, float]:
        """The PDF build's time by phase (layouts: every render but the front matter's)."""
        phases = {
            "parse": parse,
            "print-html": self.seconds["chapter_html"],
            "layout": self.seconds["render"] - self.seconds["front_matter"],
            "front": self.seconds["front_matter"],
            "write": self.seconds["write_pdf"],
        }
        phases["rest"] = total - sum(phases.values())
        return phases

    @property
    def chapters_laid_out(self) -> int:
        return self.calls["render"] - self.calls["front_matter"]


@contextmanager
def probes_installed() -> Iterator[Probes]:
    probes = Probes()
    undo = [
        probes.wrap(pdf, "chapter_html", "chapter_html"),  # called as pdf.chapter_html
        probes.wrap(pdf, "front_matter", "front_matter"),  # a global of pdf.write_pdf
        probes.wrap(weasyprint.HTML, "render", "render"),
        probes.wrap(weasyprint.document.Document, "write_pdf", "write_pdf"),
    ]
    try:
        yield probes
    finally:
        for restore in reversed(undo):
            restore()


# --- The store, the book and builds -------------------------------------------------------------


@dataclass
class Store:
    settings: Settings
    app: Textbook
    views: ReadModels

    def book(self) -> BookToBuild:
        """What `textbook build` reads (editions.book_to_build, from the read models)."""
        catch_up(self.app, self.views)
        return book_to_build(self.app, Queries(self.views), SLUG)

    def close(self) -> None:
        self.views.close()
        self.app.close()


def open_store(database: Path, folder: Path) -> Store:
    settings = Settings(database=str(database))
    app, views = open_textbook(settings), open_views(settings)
    source = read_book(folder)
    app.register_user("mia", "mia@example.org", None)
    app.import_book(source.state, by="mia", blobs=source.blobs)
    catch_up(app, views)
    return Store(settings, app, views)


@dataclass(frozen=True)
class Timed:
    seconds: float
    report: BuildReport
    phases: dict[str, float] = field(default_factory=dict)  # PDF only
    laid_out: int = 0  # PDF only: chapters laid out (not reused)
    pages: int | None = None  # PDF only: pages of the output, counted after the timing


def timed_build(
    publisher: Publisher,
    book: BookToBuild,
    formats: Sequence[str],
    out: Path,
    cache: Path,
    probes: Probes,
) -> Timed:
    """A build by `publisher`: a new one starts without the chapter layouts an earlier build
    kept in memory."""
    probes.reset()
    start = time.perf_counter()
    report = publisher.build(book, formats, out, cache)
    seconds = time.perf_counter() - start
    if list(formats) != ["pdf"]:
        return Timed(seconds, report)
    phases = probes.pdf_phases(seconds, report.seconds["parse"])
    pages = pdf_pages(report.outputs["pdf"])
    return Timed(seconds, report, phases, probes.chapters_laid_out, pages)


def output_size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def pdf_pages(path: Path) -> int | None:
    try:
        import pypdf  # a dev dependency: optional here
    except ImportError:
        return None
    return len(pypdf.PdfReader(path).pages)


# --- The raw tools -----------------------------------------------------------------------------


def stage_raw(store: Store, folder: Path) -> str:
    """book.md, images/ and references.bib in `folder`; returns the book's title."""
    book = store.book()
    state = Queries(store.views).book_state(SLUG)
    folder.mkdir(parents=True)
    (folder / "book.md").write_text(state.markdown(), encoding="utf-8")
    (folder / "references.bib").write_text(state.bibliography, encoding="utf-8")
    (folder / "images").mkdir()
    for name, data in book.images.items():
        (folder / "images" / name).write_bytes(data)
    return state.metadata.get("title") or SLUG


def raw_tools(folder: Path, title: str, formats: Sequence[str], probes: Probes) -> dict[str, Any]:
    """Seconds of pandoc alone (HTML5, EPUB3) and of WeasyPrint on pandoc's HTML."""
    pandoc = str(pypandoc.get_pandoc_path())
    common = ["--mathml", "--citeproc", "--bibliography=references.bib"]
    meta = ["--metadata", f"title={title}", "--metadata", "lang=en"]
    seconds: dict[str, Any] = {}

    def run(command: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
        return time.perf_counter() - start

    html_command = [pandoc, "book.md", "-s", "-t", "html5", *common, *meta, "-o", "book.html"]
    if "html" in formats or "pdf" in formats:
        seconds["html"] = run(html_command)
        seconds["html-size"] = output_size(folder / "book.html")
    if "epub" in formats:
        epub_command = [pandoc, "book.md", "-t", "epub3", *common, "--split-level=1", *meta]
        seconds["epub"] = run([*epub_command, "-o", "book.epub"])
        seconds["epub-size"] = output_size(folder / "book.epub")
    if "pdf" in formats:
        probes.reset()
        quiet = logging.getLogger("weasyprint")  # pandoc's CSS has rules WeasyPrint ignores
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            start = time.perf_counter()
            weasyprint.HTML(filename=str(folder / "book.html")).write_pdf(str(folder / "book.pdf"))
            seconds["weasyprint"] = time.perf_counter() - start
        finally:
            quiet.setLevel(level)
        seconds["pdf"] = seconds["html"] + seconds["weasyprint"]
        seconds["pdf-layout"] = probes.seconds["render"]
        seconds["pdf-write"] = probes.seconds["write_pdf"]
        seconds["pdf-size"] = output_size(folder / "book.pdf")
        seconds["pdf-pages"] = pdf_pages(folder / "book.pdf")
    return seconds


# --- The one-section change --------------------------------------------------------------------


def add_editors(store: Store) -> None:
    """Two users: an author who proposes, an editor who approves."""
    app = store.app
    app.register_user("bench-author", "author@bench.invalid", "correct horse battery")
    app.register_user("bench-editor", "editor@bench.invalid", "correct horse battery")
    app.grant(SLUG, "bench-author", "author")
    app.grant(SLUG, "bench-editor", "editor")
    catch_up(app, store.views)


def middle_section(store: Store) -> str:
    chapters = Queries(store.views).book_state(SLUG).chapters
    chapter = chapters[len(chapters) // 2]
    return chapter.sections[len(chapter.sections) // 2].id


def approve_change(store: Store, section_id: str, addition: str, message: str) -> None:
    """The author's edit of the section (a paragraph added at its end), approved."""
    sections = [s for c in Queries(store.views).book_state(SLUG).chapters for s in c.sections]
    text = next(s.text for s in sections if s.id == section_id) + "\n" + addition
    proposal = store.app.propose_edit(SLUG, section_id, text, message, "bench-author")
    status = store.app.review(proposal, "approve", "", by="bench-editor", version=1)
    if status != "approved":
        raise SystemExit(f"benchmark check failed: the proposal is {status}, not approved")
    catch_up(store.app, store.views)


ONE_SENTENCE = "One sentence is added to this section by the benchmark.\n"
LONG_SENTENCE = (
    "This paragraph, added by the benchmark, is long enough to push the rest of the book "
    "onto later pages, so that every later chapter starts on another page number."
)


def long_paragraph(words: int) -> str:
    sentences = " ".join([LONG_SENTENCE] * max(1, words // len(LONG_SENTENCE.split())))
    return textwrap.fill(sentences, width=78) + "\n"


# --- Child processes: a clean build in a new process, its wall time and peak memory ------------


@dataclass(frozen=True)
class Usage:
    wall: float
    max_rss_kb: int
    stdout: str


def measured(command: list[str], env: dict[str, str], folder: Path) -> Usage:
    """Run `command`; its wall time and the largest resident set of it or of any child of it."""
    if GNU_TIME.exists():
        report = folder / "time-v.txt"
        start = time.perf_counter()
        done = subprocess.run(
            [str(GNU_TIME), "-v", "-o", str(report), *command],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read_text())
        rss = int(found.group(1)) if found else 0
    else:  # a Python parent whose only child is the command: RUSAGE_CHILDREN is the command's
        probe = (
            "import resource, subprocess, sys; "
            "code = subprocess.run(sys.argv[1:]).returncode; "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
            "sys.exit(code)"
        )
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", probe, *command],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
        rss = int(done.stderr.strip().splitlines()[-1])
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return Usage(wall, rss, done.stdout)


def cli_env(database: Path, build_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TEXTBOOK_DATABASE": str(database),
        "TEXTBOOK_BUILD_DIR": str(build_dir),
    }


def child_build(database: str, build_dir: str, formats: str) -> int:
    """(--child-build) A clean build as `textbook build` does it; prints seconds by format."""
    settings = Settings(database=database, build_dir=Path(build_dir))
    app, views = open_textbook(settings), open_views(settings)
    try:
        start = time.perf_counter()
        catch_up(app, views)
        book = book_to_build(app, Queries(views), SLUG)
        report = build(book, formats.split(","), settings.build_dir, settings.build_dir / "cache")
        seconds = {**report.seconds, "total": time.perf_counter() - start}
        pages = pdf_pages(report.outputs["pdf"]) if "pdf" in report.outputs else None
        print(json.dumps({"seconds": seconds, "pages": pages}))
    finally:
        views.close()
        app.close()
    return 0


def same_tree(one: Path, other: Path) -> list[str]:
    """The files that differ (or exist in one folder only) between two folders."""
    files = {p.relative_to(one) for p in one.rglob("*") if p.is_file()}
    files |= {p.relative_to(other) for p in other.rglob("*") if p.is_file()}
    return sorted(
        str(f)
        for f in files
        if not (one / f).is_file()
        or not (other / f).is_file()
        or not filecmp.cmp(one / f, other / f, shallow=False)
    )


def identical(incremental: Path, clean: Path) -> str:
    if incremental.is_dir():
        differ = same_tree(incremental, clean)
        return "yes" if not differ else f"NO ({len(differ)} files differ, e.g. {differ[0]})"
    if incremental.read_bytes() == clean.read_bytes():
        return "yes"
    return f"NO ({output_size(incremental):,} vs {output_size(clean):,} bytes)"


# --- Tables ------------------------------------------------------------------------------------


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; `align` has one letter per column, l (left) or r (right)."""
    lines = [list(header), *[list(row) for row in rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        cells = [
            cell.ljust(width) if side == "l" else cell.rjust(width)
            for cell, width, side in zip(line, widths, align, strict=True)
        ]
        out.append("| " + " | ".join(cells) + " |")
        if index == 0:
            rules = [
                "-" * (w + 2) if side == "l" else "-" * (w + 1) + ":"
                for w, side in zip(widths, align, strict=True)
            ]
            out.append("|" + "|".join(rules) + "|")
    return "\n".join(out)


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "-"


def size(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1024:,.0f} KB" if value < 10 * 1024 * 1024 else f"{value / 2**20:,.1f} MB"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


# --- The run -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--chapters", type=int, default=50, help="chapters in the book (50)")
    parser.add_argument("--words", type=int, default=70000, help="words in the book (70000)")
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help="comma-separated: html,epub,pdf"
    )
    parser.add_argument("--repeats", type=int, default=2, help="clean builds per format (2)")
    parser.add_argument(
        "--large", action="store_true", help="also the peak memory of a large book (slow)"
    )
    parser.add_argument(
        "--large-words", type=int, default=270000, help="words in the --large book (270000)"
    )
    parser.add_argument(
        "--child-build", nargs=3, metavar=("DB", "DIR", "FMTS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child_build:
        return child_build(*args.child_build)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        parser.error(f"use html, epub or pdf, not {', '.join(unknown) or 'nothing'}")
    formats = [f for f in FORMATS if f in formats]  # in the pipeline's order
    overall = time.perf_counter()
    load = os.getloadavg()[0]

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - overall:6.1f}s] {message}", file=sys.stderr, flush=True)

    with (
        tempfile.TemporaryDirectory(prefix="textbook-bench-publish-") as directory,
        probes_installed() as probes,
    ):
        root = Path(directory)
        words = generate(root / SLUG, args.chapters, args.words)
        store = open_store(root / "store" / "textbook.sqlite", root / SLUG)
        try:
            sections = sum(len(c.sections) for c in store.book().state.chapters)
            say(f"Generated and imported {SLUG}: {args.chapters} chapters, {words} words")
            text = run_steps(store, root, formats, args.repeats, probes, say)
        finally:
            store.close()
        large = ""
        if args.large:
            large = large_book(root, args.chapters, args.large_words, formats, say)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print()
    print(
        f"textbook publishing benchmark: {args.chapters} chapters, {words:,} words, "
        f"{sections} sections; formats {','.join(formats)}; median of {args.repeats} runs"
    )
    print()
    print(text)
    if large:
        print()
        print(large)
    print()
    print(f"This process's own peak RSS: {rss / 1024:,.0f} MB")
    print(
        f"Whole run: {time.perf_counter() - overall:.0f}s; load average (1 min) {load:.1f} at "
        f"the start, {os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} CPUs"
    )
    return 0


def run_steps(
    store: Store, root: Path, formats: list[str], repeats: int, probes: Probes, say: Say
) -> str:
    book = store.book()
    title = stage_raw(store, root / "raw-book")

    # 1 and 2: clean builds, one format at a time, and the raw tools, interleaved.
    clean: dict[str, list[Timed]] = {f: [] for f in formats}
    raw: list[dict[str, Any]] = []
    sizes: dict[str, int] = {}
    pages: int | None = None
    for repeat in range(1, repeats + 1):
        folder = root / f"raw-{repeat}"
        shutil.copytree(root / "raw-book", folder)
        raw.append(raw_tools(folder, title, formats, probes))
        say(f"run {repeat}: raw tools " + ", ".join(f"{f} {raw[-1][f]:.1f}s" for f in formats))
        for f in formats:
            work = root / f"clean-{f}-{repeat}"
            result = timed_build(Publisher(), book, [f], work / "out", work / "cache", probes)
            clean[f].append(result)
            sizes[f] = output_size(result.report.outputs[f])
            if f == "pdf":
                pages = result.pages
            say(f"run {repeat}: clean {f} {result.seconds:.1f}s")
            shutil.rmtree(work)
        shutil.rmtree(folder)
    # 3: a clean build of all formats, one section changed, each format built again.
    work = root / "republish"
    publisher = Publisher()
    first = timed_build(publisher, book, formats, work / "out", work / "cache", probes)
    say(f"clean build of {','.join(formats)}: {first.seconds:.1f}s {first.report.seconds}")
    add_editors(store)
    section = middle_section(store)
    approve_change(store, section, ONE_SENTENCE, "One more sentence")
    changed = store.book()
    again = {}
    for f in formats:
        again[f] = timed_build(publisher, changed, [f], work / "out", work / "cache", probes)
        say(f"republish {f} after changing {section}: {again[f].seconds:.1f}s")
    reference = root / "reference"
    command = [str(BIN / "textbook"), "build", SLUG, "--format", ",".join(formats)]
    fresh = measured(command, cli_env(Path(store.settings.database), reference), root)
    say(f"`textbook build` in a new process, clean: {fresh.wall:.1f}s")
    same = {
        f: identical(again[f].report.outputs[f], reference / again[f].report.outputs[f].name)
        for f in formats
    }
    shifted: Timed | None = None
    if "pdf" in formats:  # then a change long enough to move every later chapter's first page
        approve_change(store, section, long_paragraph(GROWTH), "A long paragraph")
        shifted = timed_build(
            publisher, store.book(), ["pdf"], work / "out", work / "cache", probes
        )
        say(f"republish pdf after adding {GROWTH} words: {shifted.seconds:.1f}s")

    # The tables.
    header = ["format", "clean build", "raw tool", "raw tool", "clean / raw", "output", "raw"]
    rows = []
    for f in formats:
        seconds = median([t.seconds for t in clean[f]])
        tool = median([r[f] for r in raw])
        sized = [size(sizes[f]), size(raw[-1][f"{f}-size"])]
        rows.append([f, f"{seconds:.2f}", RAW[f], f"{tool:.2f}", ratio(seconds, tool), *sized])
    parts = ["Clean builds (fresh cache) and the raw tools on the same text, seconds:", ""]
    parts.append(markdown_table(header, rows, "lrlrrrr"))
    if "pdf" in formats:
        parts += [
            "",
            f"PDF pages: {pages} (raw WeasyPrint: {raw[-1]['pdf-pages']}). Raw: pandoc HTML5 "
            f"{median([r['html'] for r in raw]):.2f}s, then WeasyPrint "
            f"{median([r['weasyprint'] for r in raw]):.2f}s (layout "
            f"{median([r['pdf-layout'] for r in raw]):.2f}s, write "
            f"{median([r['pdf-write'] for r in raw]):.2f}s).",
        ]
    parts += ["", f"Republish after one approved change to section {section}, seconds:", ""]
    header = ["format", "clean build", "republish", "republish / clean", "same bytes as clean"]
    rows = []
    for f in formats:
        seconds = median([t.seconds for t in clean[f]])
        redone = again[f].seconds
        rows.append([f, f"{seconds:.2f}", f"{redone:.2f}", ratio(redone, seconds), same[f]])
    parts.append(markdown_table(header, rows, "lrrrl"))
    split = ", ".join(f"{k} {v:.2f}s" for k, v in first.report.seconds.items())
    parts += [
        "",
        f"Before the change, the clean build of all formats at once in this process: "
        f"{first.seconds:.2f}s ({split}). After it, `textbook build` in a new process, fresh "
        f"cache (the bytes compared): {fresh.wall:.2f}s wall, max RSS "
        f"{fresh.max_rss_kb / 1024:,.0f} MB.",
    ]
    if "pdf" in formats and shifted is not None:
        chapters = len(book.state.chapters)
        middle = median([c.seconds for c in clean["pdf"]])
        clean_pdf = min(clean["pdf"], key=lambda t: abs(t.seconds - middle))
        redo = again["pdf"]
        parts += [
            "",
            f"Where the PDF's time goes, seconds: a clean build; the republish above; and a "
            f"republish after a second change to {section} adding {GROWTH} words, which moves "
            f"the first page of every later chapter:",
            "",
        ]
        header = ["phase", "clean", "republish", "share", "pages moved", "share"]
        rows = [
            [
                label,
                f"{clean_pdf.phases[key]:.2f}",
                f"{redo.phases[key]:.2f}",
                f"{100 * redo.phases[key] / redo.seconds:.0f}%",
                f"{shifted.phases[key]:.2f}",
                f"{100 * shifted.phases[key] / shifted.seconds:.0f}%",
            ]
            for key, label in PDF_PHASES
        ]
        rows.append(
            [
                "total",
                f"{clean_pdf.seconds:.2f}",
                f"{redo.seconds:.2f}",
                "100%",
                f"{shifted.seconds:.2f}",
                "100%",
            ]
        )
        rows.append(
            [
                "chapters laid out",
                f"{clean_pdf.laid_out} of {chapters}",
                f"{redo.laid_out} of {chapters}",
                "",
                f"{shifted.laid_out} of {chapters}",
                "",
            ]
        )
        rows.append(
            [
                "pages",
                str(pages),
                str(redo.pages),
                "",
                str(shifted.pages),
                "",
            ]
        )
        parts.append(markdown_table(header, rows, "lrrrrr"))
    return "\n".join(parts)


def large_book(root: Path, chapters: int, words_wanted: int, formats: list[str], say: Say) -> str:
    """A clean build of a large book in a new process: its wall time and peak memory."""
    folder = root / "large" / SLUG
    words = generate(folder, chapters, words_wanted)
    database = root / "large" / "store" / "textbook.sqlite"
    build_dir = root / "large" / "build"
    env = cli_env(database, build_dir)
    add = ["user", "add", "mia", "--email", "mia@example.org", "--password", "correct horse"]
    subprocess.run([str(BIN / "textbook"), *add], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "textbook"), "import", str(folder), "--as", "mia"],
        env=env,
        check=True,
        capture_output=True,
    )
    imported = time.perf_counter() - start
    say(f"large book: {chapters} chapters, {words} words, imported in {imported:.1f}s")
    script = str(Path(__file__).resolve())
    command = [
        sys.executable,
        script,
        "--child-build",
        str(database),
        str(build_dir),
        ",".join(formats),
    ]
    usage = measured(command, env, root / "large")
    result = json.loads(usage.stdout.strip().splitlines()[-1])
    seconds: dict[str, float] = result["seconds"]
    say(f"large book built in {usage.wall:.1f}s, max RSS {usage.max_rss_kb / 1024:,.0f} MB")
    header = ["large book", "value"]
    rows = [
        ["words / chapters", f"{words:,} / {chapters}"],
        ["PDF pages", str(result["pages"]) if result["pages"] else "-"],
        ["clean build, all formats, new process: wall", f"{usage.wall:.1f} s"],
        *[
            [f"  of which {name}", f"{value:.1f} s"]
            for name, value in seconds.items()
            if name != "total"
        ],
        ["max RSS (build process or any child)", f"{usage.max_rss_kb / 1024:,.0f} MB"],
    ]
    return markdown_table(header, rows, "lr")


if __name__ == "__main__":
    sys.exit(main())
