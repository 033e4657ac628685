"""What the community pages cost under load, each against a bare app serving its very bytes.

Run: .venv/bin/python bench/community.py [--seconds 10] [--connections 20] [--rounds 1]

It seeds a temporary SQLite store through the application, as the whole-site tests do
(tests/states.py: the sample book with a proposal in every state, its people, reviews asked of
editors, four needs), then adds a working book's traffic: NEEDS more needs over its sections
(every third one taken), PROPOSALS more proposals by the author, and the editor emmy watching the
book, so that her inbox holds an item for each. Then it starts `textbook serve --no-publish
--workers 2` on that store, signs emmy in through the form, and starts a bare Starlette app
under `uvicorn --workers 2` (uvloop, httptools) that serves, from memory, the bytes the product
gave for each page: the task board, the community page, the book's Atom feed, the author's
profile, emmy's inbox (signed in) and, for comparison, a chapter page. `wrk` (Debian's package
`wrk`; this script installs nothing) loads each page of the product and the same bytes from the
bare app, one after the other, and the table gives the ratio of the two. Every response must be
a 200 (wrk counts the others), and emmy must still be signed in after each round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serve import (  # noqa: E402
    BIN,
    TEXTBOOK,
    Result,
    Run,
    fetch,
    free_port,
    load,
    parse,
    sign_in,
    signed_in_as,
    wait_for,
    wrk,
)
from tests.states import PASSWORD, PEOPLE, SLUG, append, seed_states  # noqa: E402
from textbook.config import Settings  # noqa: E402
from textbook.domain.vocabulary import NeedKind  # noqa: E402
from textbook.storage import open_textbook  # noqa: E402

NEEDS = 60  # needs added to the four the seed marks
PROPOSALS = 30  # proposals added, each an item in emmy's inbox
BASELINE_APP = """
import json
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

HERE = Path(__file__).parent
PAGES = {
    path: (HERE / file).read_bytes()
    for path, file in json.loads((HERE / "pages.json").read_text()).items()
}


async def page(request):
    return Response(PAGES[request.url.path], media_type="text/html; charset=utf-8")


app = Starlette(routes=[Route("/{path:path}", page)])
"""
KINDS = [kind for kind in NeedKind if kind not in (NeedKind.ERROR, NeedKind.IMPORT_PROBLEM)]


def seed(settings: Settings) -> None:
    """The whole-site seed, then more needs, more proposals and an inbox for emmy."""
    seed_states(settings)
    app = open_textbook(settings)
    try:
        author, editor = PEOPLE["author"], PEOPLE["editor"]
        sections = [s.id for c in app.book_state(SLUG).chapters for s in c.sections]
        app.watch(editor, "book", SLUG)
        for n in range(NEEDS):
            kind = KINDS[n % len(KINDS)]
            reason = f"Need {n}: this section needs {kind.label.lower()}."
            need = app.mark_need(SLUG, sections[n % len(sections)], kind, reason, editor)
            if n % 3 == 0:
                app.take_need(need, author)
        for n in range(PROPOSALS):
            append(app, sections[(7 * n) % len(sections)], f"More words, number {n}.", author)
    finally:
        app.close()


def table(pairs: list[tuple[Result, Result]]) -> str:
    lines = [
        "| page | requests/s | p50 | p99 | bare app, same bytes | ratio | KB | bad |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page, bare in pairs:
        lines.append(
            f"| {page.name} | {page.rate:,.0f} | {page.p50:.1f} ms | {page.p99:.1f} ms"
            f" | {bare.rate:,.0f} | {page.rate / bare.rate:.3f} | {page.bytes_each / 1024:.0f}"
            f" | {page.bad + bare.bad} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=20, help="wrk's connections")
    parser.add_argument("--rounds", type=int, default=1, help="times to run every page in turn")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a file, too
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not on PATH: install it (Debian: apt-get install wrk) and run again"
        )
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as name:
        folder = Path(name)
        env = {
            **os.environ,
            "TEXTBOOK_DATABASE": str(folder / "var" / "textbook.sqlite"),
            "TEXTBOOK_BUILD_DIR": str(folder / "build"),
            "TEXTBOOK_SECRET_KEY": "bench-" + os.urandom(16).hex(),
        }
        settings = Settings.from_environ(env)
        seed(settings)
        port, base_port = free_port(), free_port()
        log = (folder / "server.log").open("wb")
        server = subprocess.Popen(
            [TEXTBOOK, "serve", "--no-publish", "--no-demo", "--workers", "2",
             "--port", str(port)],
            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        baseline: subprocess.Popen[bytes] | None = None
        site = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{site}/books/{SLUG}", 180, server)
            editor = PEOPLE["editor"]
            signed = [f"Cookie: {sign_in(site, editor, PASSWORD)}"]
            pages = [
                ("chapter page (for comparison)", f"/books/{SLUG}/chapters/root-finding", []),
                ("task board", f"/books/{SLUG}/needs", []),
                ("community page", f"/books/{SLUG}/community", []),
                ("book feed (Atom)", f"/books/{SLUG}/feed.atom", []),
                ("profile", f"/people/{PEOPLE['author']}", []),
                ("inbox, signed in", "/inbox", signed),
            ]
            files: dict[str, str] = {}
            for index, (title, path, headers) in enumerate(pages):
                status, body = fetch(site + path, dict(h.split(": ", 1) for h in headers))
                if status != 200:
                    raise SystemExit(f"{title}: GET {path} answered {status}")
                (folder / f"page{index}.html").write_bytes(body)
                files[path] = f"page{index}.html"
                print(f"{title}: {path}, {len(body):,} bytes")
            (folder / "pages.json").write_text(json.dumps(files))
            (folder / "baseline.py").write_text(BASELINE_APP)
            baseline = subprocess.Popen(
                [str(BIN / "uvicorn"), "baseline:app", "--app-dir", str(folder),
                 "--workers", "2", "--loop", "uvloop", "--http", "httptools",
                 "--port", str(base_port), "--log-level", "warning", "--no-access-log"],
                cwd=folder, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            bare = f"http://127.0.0.1:{base_port}"
            wait_for(f"{bare}/inbox", 60, baseline)
            runs = [
                (Run(title, site + path, headers), Run(f"bare: {title}", bare + path, []))
                for title, path, headers in pages
            ]

            def check() -> None:
                status, body = fetch(f"{site}/inbox", dict(h.split(": ", 1) for h in signed))
                if status != 200 or not signed_in_as(body, editor):
                    raise SystemExit(f"/inbox answered {status}: the session no longer holds")

            check()
            print(f"wrk -t2 -c{args.connections} -d{args.seconds}s --latency; load {load()}")
            for page, bare_run in runs:  # warm-up: templates, caches, connections
                wrk(page, 2, args.connections, folder)
                wrk(bare_run, 1, args.connections, folder)
            failures: list[str] = []
            for round_ in range(1, args.rounds + 1):
                pairs = []
                for page, bare_run in runs:
                    product = parse(page, wrk(page, args.seconds, args.connections, folder))
                    same = parse(bare_run, wrk(bare_run, args.seconds, args.connections, folder))
                    pairs.append((product, same))
                    if product.bad or same.bad:
                        failures.append(f"round {round_}, {page.name}: not all 200")
                check()
                print(f"\nround {round_} of {args.rounds}; load after it {load()}")
                print(table(pairs))
            if failures:
                raise SystemExit("not every response was as expected:\n" + "\n".join(failures))
        finally:
            for process in (baseline, server):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)
            log.close()
            if sys.exc_info()[0] is not None:  # failing: what the servers said
                print((folder / "server.log").read_text()[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main()
