"""What a search of the sample book costs under load: plain words, a typo, a phrase, many words.

Run: .venv/bin/python bench/search.py [--seconds 10] [--connections 20]

It starts `textbook serve --no-publish --workers 2` on the sample book in a temporary folder
and, after a warm-up, loads each search URL with `wrk` (Debian's package `wrk`) one after the
other, then a chapter page for comparison. Every response must be a 200. To compare two
versions of the code, run it twice with PYTHONPATH pointing at each checkout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

# bench/ is on sys.path when this file runs as a script
from serve import TEXTBOOK, Run, fetch, free_port, load, parse, table, wait_for, wrk

SLUG = "numerical-methods"
QUERIES = [
    ("one word", "pivoting"),
    ("two words", "gaussian elimination"),
    ("two misspelt words", "gausian elimnation"),
    ("a quoted phrase", '"partial pivoting"'),
    ("ten words", "error of the method grows with step size and condition"),
    ("a word found nowhere", "xylophone"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=20, help="wrk's connections")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a file, too
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not on PATH: install it (Debian: apt-get install wrk)")
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as name:
        folder = Path(name)
        port = free_port()
        env = {
            **os.environ,
            "TEXTBOOK_DATABASE": str(folder / "var" / "textbook.sqlite"),
            "TEXTBOOK_BUILD_DIR": str(folder / "build"),
            "TEXTBOOK_SECRET_KEY": "bench-" + os.urandom(16).hex(),
        }
        log = (folder / "server.log").open("wb")
        server = subprocess.Popen(
            [TEXTBOOK, "serve", "--no-publish", "--workers", "2", "--port", str(port)],
            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        site = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{site}/books/{SLUG}", 180, server)
            runs = [Run("chapter page", f"{site}/books/{SLUG}/chapters/linear-systems", [])]
            for label, query in QUERIES:
                url = f"{site}/books/{SLUG}/search?" + urllib.parse.urlencode({"q": query})
                status, _ = fetch(url)
                if status != 200:
                    raise SystemExit(f"{url} answered {status}")
                runs.append(Run(f"search: {label} ({query})", url, []))
            print(f"wrk -t2 -c{args.connections} -d{args.seconds}s --latency; load {load()}")
            for run in runs:  # warm-up: both workers render the edition and build its index
                wrk(run, 2, args.connections, folder)
            results = [parse(run, wrk(run, args.seconds, args.connections, folder)) for run in runs]
            print(f"load after it {load()}")
            print(table(results))
            if any(r.bad for r in results):
                raise SystemExit("some responses were not 200")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
