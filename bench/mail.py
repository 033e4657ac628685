"""Benchmark the mail path: what the outbox and the postman cost over handing the same messages
to an SMTP server with smtplib directly.

    .venv/bin/python bench/mail.py [--messages 2000] [--repeats 3]

A real SMTP server (aiosmtpd, which only counts what it receives) runs in another process on
127.0.0.1. In one run, with the same messages (an inbox item's mail: subject, text, an
unsubscribe link), median of --repeats:

  raw smtplib   one connection, `send_message` of each message built as the postman builds it
  outbox put    `Outbox.put` of the messages into a fresh SQLite store, in batches of 200
  postman       `Postman.run_once` until the outbox is empty: take the due messages, send them
                (one connection per round of 50), mark each sent

The ratio is raw smtplib's throughput over the postman's (and over put + postman).
"""

from __future__ import annotations

import argparse
import multiprocessing
import smtplib
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textbook.config import Settings, SmtpLocation  # noqa: E402
from textbook.mail.message import Message, email_message  # noqa: E402
from textbook.mail.outbox import open_outbox  # noqa: E402
from textbook.mail.postman import Postman  # noqa: E402
from textbook.storage import open_textbook  # noqa: E402

SENDER = "Textbook <noreply@localhost>"
BATCH = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smtp_server(port: int, ready: Event, stop: Event) -> None:
    """An SMTP server that accepts every message and keeps nothing (the sink)."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def messages(count: int, run: int) -> list[Message]:
    return [
        Message(
            key=f"bench:{run}:{n}",
            to=f"reader{n % 50}@example.org",
            subject=f"emmy requested changes to your proposal “Fix the bound {n}”",
            text=(
                "emmy requested changes to your proposal “Fix the bound”.\n\n"
                "Read it: https://books.example.org/proposals/0d6f2c3e\n"
            )
            * 3,
            unsubscribe=f"https://books.example.org/unsubscribe/token-{n}",
        )
        for n in range(count)
    ]


def raw(port: int, batch: list[Message]) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for message in batch:
            connection.send_message(email_message(message, SENDER))
    return time.perf_counter() - start


def through_outbox(port: int, batch: list[Message], folder: Path) -> tuple[float, float]:
    settings = Settings(database=str(folder / "textbook.sqlite"), var=folder / "var")
    app = open_textbook(settings)
    try:
        outbox = open_outbox(settings, app.recorder.datastore)
        start = time.perf_counter()
        for first in range(0, len(batch), BATCH):
            outbox.put(batch[first : first + BATCH])
        put = time.perf_counter() - start
        postman = Postman(outbox, SmtpLocation("127.0.0.1", port), SENDER)
        start = time.perf_counter()
        sent = 0
        while (round_sent := postman.run_once()) > 0:
            sent += round_sent
        drained = time.perf_counter() - start
        if sent != len(batch):
            raise SystemExit(f"the postman sent {sent} of {len(batch)} messages")
        return put, drained
    finally:
        app.close()


def median(times: list[float]) -> float:
    return statistics.median(times)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=smtp_server, args=(port, ready, stop), daemon=True)
    server.start()
    if not ready.wait(30):
        raise SystemExit("the SMTP server did not start")
    try:
        raws: list[float] = []
        puts: list[float] = []
        drains: list[float] = []
        for run in range(args.repeats):
            batch = messages(args.messages, run)
            raws.append(raw(port, batch))
            with tempfile.TemporaryDirectory() as folder:
                put, drained = through_outbox(port, batch, Path(folder))
            puts.append(put)
            drains.append(drained)
    finally:
        stop.set()
        server.join(10)
    n = args.messages
    r, p, d = median(raws), median(puts), median(drains)
    rows: list[tuple[str, float, Callable[[], str]]] = [
        ("raw smtplib, one connection", r, lambda: "1.00"),
        ("outbox put (batches of 200)", p, lambda: f"{r / p:.2f}"),
        ("postman: take, send, mark sent", d, lambda: f"{r / d:.2f}"),
        ("put + postman", p + d, lambda: f"{r / (p + d):.2f}"),
    ]
    print(f"{n} messages, median of {args.repeats}")
    print("| what | time | messages/s | throughput ratio to raw smtplib |")
    print("| --- | --- | --- | --- |")
    for name, seconds, ratio in rows:
        print(f"| {name} | {seconds:.2f} s | {rate(n, seconds)} | {ratio()} |")


if __name__ == "__main__":
    main()
