"""Reader page latency under a fixed request rate, and the delay from approval to visible text.

Run: .venv/bin/python bench/web.py [--rate 100] [--seconds 10]

It starts `textbook serve` on the sample book in a temporary folder, waits for the first
editions, then (1) sends GET requests for chapter pages at a fixed rate from a separate process
(open loop: latency is measured from when each request was due, so a slow server cannot hide its
queue), and (2) approves a change and times how long until the chapter page, then the EPUB
download, show it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from io import BytesIO
from multiprocessing import Process, Queue
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
TEXTBOOK = str(Path(sys.executable).with_name("textbook"))
CHAPTERS = [
    "floating-point", "root-finding", "linear-systems", "interpolation",
    "least-squares", "integration", "odes", "eigenvalues",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 10) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # our server
        return bytes(response.read())


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            get(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds} s")


async def load(base: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """Open-loop GETs at `rate` per second; latency from each request's due time."""
    latencies: list[float] = []
    errors = 0
    host, port = base.removeprefix("http://").rstrip("/").split(":")
    start = time.perf_counter()
    total = int(rate * seconds)

    async def one(index: int) -> None:
        nonlocal errors
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        path = f"/books/numerical-methods/chapters/{CHAPTERS[index % len(CHAPTERS)]}"
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            data = await reader.read()
            writer.close()
            if not data.startswith(b"HTTP/1.1 200"):
                errors += 1
        except OSError:
            errors += 1
        latencies.append(time.perf_counter() - due)

    await asyncio.gather(*(one(i) for i in range(total)))
    return latencies, errors


def load_process(base: str, rate: float, seconds: float, out: Queue[object]) -> None:
    out.put(asyncio.run(load(base, rate, seconds)))


def approve_a_change(database: str, words: str) -> float:
    """Propose and approve a change through the application; returns when it was approved."""
    env = {**os.environ, "TEXTBOOK_DATABASE": database}
    text = (
        "## Bisection {#bisection}\n\n"
        f"{words} Bisection halves a bracket that holds a sign change.\n"
    )
    path = Path(database).with_name("bisection.md")
    path.write_text(text)
    run = [
        TEXTBOOK,
        "propose",
        "numerical-methods",
        "bisection",
        str(path),
        "-m",
        "bench",
        "--as",
        "ada",
    ]
    proposed = subprocess.run(run, env=env, capture_output=True, text=True, check=True)
    proposal = proposed.stdout.split()[-1]
    review = [TEXTBOOK, "review", proposal, "approve", "-m", "ok", "--as", "emmy"]
    subprocess.run(review, env=env, capture_output=True, check=True)
    return time.perf_counter()


def epub_has(base: str, words: str) -> bool:
    try:
        data = get(f"{base}/books/numerical-methods/download/epub")
    except OSError:
        return False
    with zipfile.ZipFile(BytesIO(data)) as epub:
        return words in epub.read("EPUB/root-finding.xhtml").decode()


def pdf_text(base: str) -> bytes:
    from pypdf import PdfReader

    try:
        data = get(f"{base}/books/numerical-methods/download/pdf")
    except OSError:
        return b""
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        port, database = free_port(), f"{folder}/var/textbook.sqlite"
        env = {**os.environ, "TEXTBOOK_DATABASE": database, "TEXTBOOK_BUILD_DIR": f"{folder}/build"}
        server = subprocess.Popen(
            [TEXTBOOK, "serve", "--port", str(port)], cwd=folder, env=env,
            stdout=subprocess.DEVNULL, stderr=open(f"{folder}/server.log", "w"),  # noqa: SIM115
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/", 60)
            wait_for(f"{base}/books/numerical-methods/download/epub", 120)
            wait_for(f"{base}/books/numerical-methods/download/pdf", 300)  # the first edition
            for chapter in CHAPTERS:  # the first view of each chapter renders it
                get(f"{base}/books/numerical-methods/chapters/{chapter}")
            results: Queue[object] = Queue()
            loader = Process(target=load_process, args=(base, args.rate, args.seconds, results))
            loader.start()
            latencies, errors = cast(tuple[list[float], int], results.get())
            loader.join()
            latencies = sorted(latencies)
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
            print(
                f"reader chapter pages at {args.rate:.0f} req/s for {args.seconds:.0f} s:"
                f" p50 {p50:.1f} ms, p99 {p99:.1f} ms, {errors} errors of {len(latencies)}"
            )
            words = f"Benchmark marker {time.time_ns()}."
            approved = approve_a_change(database, words)
            page = f"{base}/books/numerical-methods/chapters/root-finding"
            while words.encode() not in get(page):
                time.sleep(0.02)
            visible = time.perf_counter() - approved
            while not epub_has(base, words):
                time.sleep(0.05)
            downloadable = time.perf_counter() - approved
            while words.encode() not in pdf_text(base):
                time.sleep(0.2)
            printable = time.perf_counter() - approved
            print(
                f"approval to visible: chapter page {visible:.2f} s, EPUB {downloadable:.2f} s,"
                f" PDF {printable:.2f} s"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
