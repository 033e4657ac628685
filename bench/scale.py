"""Scale: approvals through real web workers, projection lag under load, rebuild of many events.

    .venv/bin/python bench/scale.py load [--workers 1,2,4] [--seconds 15] [--clients 16]
    .venv/bin/python bench/scale.py rebuild [--events 20000,100000] [--backend postgres]

`load` starts `textbook serve --workers N --no-demo` (and so its publishing worker) on a fresh
PostgreSQL schema holding a generated book, with several author/editor pairs and their API tokens,
then drives the JSON API from a separate load-generator process: each client proposes an edit to
one of several sections and has another user approve it, in a loop, for a fixed time. A third
process watches the read models' tables in the database and records when each acknowledged
approval becomes visible there (projection lag). It reports approvals/s, the approve request's
p50/p99 latency, 409s, errors, and the CPU time of the server's processes against the client's.

`rebuild` records N real domain events through the Textbook application (proposals opened and
approved, sections revised: the events of the review cycle, saved in batches), then times
`textbook projections rebuild` in a child process and reports its events/s and peak RSS.
With --profile it instead runs the rebuild in this process under cProfile and prints where the
time goes. --keep keeps the store (and prints its URL); --database reuses one.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import dataclasses
import os
import pstats
import queue
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from multiprocessing import Process, Queue
from pathlib import Path
from typing import TypeAlias

import click
import psycopg
from core import fresh_store  # bench/ is on sys.path when this file runs as a script
from eventsourcing.domain import Aggregate
from generate_book import generate

from textbook.book_folder import read_book
from textbook.config import Settings
from textbook.domain import ids
from textbook.domain.application import Textbook
from textbook.domain.proposal import OpenProposals, Proposal
from textbook.domain.section import Section
from textbook.projections.runner import BATCH, catch_up, open_views, rebuild
from textbook.storage import open_textbook

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent
TEXTBOOK = str(Path(sys.executable).with_name("textbook"))
SEED = 11
EVENTS_PER_CYCLE = 5  # Proposal.Opened, OpenProposals.Added, Proposal.Approved, Section.Revised,
# OpenProposals.Closed: what one propose + approve through the API records


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Stores.


def cheap_passwords(settings: Settings) -> Settings:
    """Argon2 with its cheapest parameters: hashing is not what these figures measure."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return dataclasses.replace(settings, password_hasher=cheap)


def seed_book(app: Textbook, folder: Path, chapters: int, words: int) -> str:
    """Generate a book into `folder` and import it; returns its slug."""
    generate(folder, chapters, words)
    source = read_book(folder)
    app.register_user("mia", "mia@example.org", None)
    app.import_book(source.state, by="mia", blobs=source.blobs)
    return source.state.slug


# Rebuild: many real events, then `textbook projections rebuild`.


def edited(text: str, rng: random.Random, number: int) -> str:
    """The text with one prose line replaced, as a typical small approved edit does."""
    lines = text.split("\n")
    prose = [i for i, line in enumerate(lines) if i > 0 and line[:1].isalpha()]
    at = rng.choice(prose)
    words = lines[at].split()
    rng.shuffle(words)
    lines[at] = f"Edit {number}: " + " ".join(words[:10])
    return "\n".join(lines)


def record_events(app: Textbook, slug: str, target: int, progress: bool = True) -> int:
    """Record propose + approve cycles until the log holds `target` events; returns how many.

    Each cycle is what the API records: a proposal opened (and counted in the author's open
    proposals), approved by an editor, the section revised, the proposal closed. The domain's
    own methods make the events; a batch touches each section once and is saved together.
    """
    author, editor = app.user("scale-author"), app.user("scale-editor")
    book = app.book(slug)
    section_ids = book.section_ids()
    sections: dict[str, object] = {
        s: app.repository.get(ids.section_id(slug, s)) for s in section_ids
    }
    open_proposals = OpenProposals(slug, author.id)
    rng = random.Random(SEED)
    number = 0
    start = time.perf_counter()
    while (recorded := app.recorder.max_notification_id() or 0) < target:
        cycles = min(len(section_ids), max(1, (target - recorded) // EVENTS_PER_CYCLE))
        batch: list[Aggregate] = []
        for section_id in rng.sample(section_ids, cycles):
            number += 1
            section = sections[section_id]
            assert isinstance(section, Section)
            text = edited(section.text, rng, number)
            message = f"Edit {number}"
            proposal = Proposal(slug, "edit", section_id, "", "", section.revision, text, message,
                                author.id)  # fmt: skip
            open_proposals.add(proposal.id)
            proposal.approve("Fine.", editor.id, "scale-editor", book, section.revision,
                             section.revision + 1)  # fmt: skip
            section.revise(text, author.id, editor.id, proposal.id, message)
            open_proposals.close(proposal.id)
            batch += [proposal, section]
        app.save(*batch, open_proposals)
        if progress and number % (len(section_ids) * 40) < len(section_ids):
            rate = recorded / (time.perf_counter() - start)
            say(f"    {recorded:,} events recorded ({rate:,.0f}/s)")
    return app.recorder.max_notification_id() or 0


def prepare_events(settings: Settings, target: int, folder: Path) -> tuple[int, float]:
    """A book, two users, then review cycles up to `target` events; returns (events, seconds)."""
    app = open_textbook(cheap_passwords(settings))
    try:
        start = time.perf_counter()
        slug = seed_book(app, folder / "scale-book", chapters=10, words=14000)
        app.register_user("scale-author", "author@scale.invalid", "correct horse battery")
        app.register_user("scale-editor", "editor@scale.invalid", "correct horse battery")
        app.grant(slug, "scale-author", "author")
        app.grant(slug, "scale-editor", "editor")
        events = record_events(app, slug, target)
        return events, time.perf_counter() - start
    finally:
        app.close()


def timed_rebuild(settings: Settings) -> tuple[float, int, int]:
    """`textbook projections rebuild` in a child: (seconds, events, peak RSS in KB)."""
    env = {**os.environ, "TEXTBOOK_DATABASE": settings.database}
    start = time.perf_counter()
    child = subprocess.Popen(
        [TEXTBOOK, "projections", "rebuild"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"textbook projections rebuild failed ({child.returncode}): {output}")
    events = int(output.split("from ")[1].split()[0])
    return seconds, events, usage.ru_maxrss


def profiled_rebuild(settings: Settings, top: int) -> float:
    app, views = open_textbook(settings), open_views(settings)
    try:
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.runcall(rebuild, app, views)
        seconds = time.perf_counter() - start
    finally:
        app.close()
        views.close()
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return seconds


def read_model_rows(settings: Settings) -> dict[str, int]:
    """Row counts of the main read models, to check that the rebuild projected every event."""
    views = open_views(settings)
    try:
        with views.read() as sql:
            return {
                table: int(sql.one(f"SELECT count(*) AS n FROM {{s}}.{table}")["n"])  # type: ignore[index]
                for table in ("tb_revisions", "tb_proposals", "tb_thread", "tb_blame")
            }
    finally:
        views.close()


# Load: real `textbook serve` workers, a load-generator process, a lag-watcher process.


@dataclass
class Pair:
    """One load client: an author who proposes and an editor who approves."""

    author: str
    editor: str


def seed_load(
    settings: Settings, folder: Path, clients: int, sections: int
) -> tuple[str, list[str], list[Pair]]:
    """A generated book, `clients` author/editor pairs with API tokens; read models caught up."""
    app, views = open_textbook(cheap_passwords(settings)), open_views(settings)
    try:
        slug = seed_book(app, folder / "load-book", chapters=8, words=10000)
        pairs = []
        for number in range(clients):
            tokens = []
            for role in ("author", "editor"):
                name = f"{role}{number}"
                app.register_user(name, f"{name}@load.invalid", "correct horse battery")
                app.grant(slug, name, role)
                tokens.append(app.create_token(name, "load"))
            pairs.append(Pair(*tokens))
        catch_up(app, views)
        chosen = [s for s in app.book(slug).section_ids() if "-s" in s][:sections]
        return slug, chosen, pairs
    finally:
        app.close()
        views.close()


Acks: TypeAlias = "Queue[tuple[str, float, bool] | None]"  # (proposal, acknowledged, counted)


@dataclass
class Outcome:
    """What the load generator saw in the measured window."""

    approvals: int = 0
    approve_latency: list[float] = field(default_factory=list)
    propose_latency: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # "approve 409": 12, ...
    cpu: float = 0.0  # the load process's own CPU seconds in the window
    window: float = 0.0

    def count(self, what: str, status: int) -> None:
        key = f"{what} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1


async def drive(base: str, slug: str, sections: list[str], pairs: list[Pair], warmup: float,
                seconds: float, acks: Acks, keep_alive: bool) -> Outcome:  # fmt: skip
    """Each client loops: read a section, propose an edit of one line, have its editor approve."""
    import httpx2

    outcome = Outcome()
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    end_at = stop_at + warmup  # load goes on after the window, so its last approvals are read
    cpu: list[float] = []

    async def client(index: int, pair: Pair) -> None:
        rng = random.Random(SEED * 1000 + index)
        author = {"Authorization": f"Bearer {pair.author}"}
        editor = {"Authorization": f"Bearer {pair.editor}"}
        # Without keep-alive every request opens a connection, which any web worker may accept.
        close = {} if keep_alive else {"Connection": "close"}
        async with httpx2.AsyncClient(base_url=base, timeout=60, headers=close) as http:
            number = 0
            while time.monotonic() < end_at:
                number += 1
                section = rng.choice(sections)
                path = f"/api/books/{slug}/sections/{section}"
                found = await http.get(path)
                if found.status_code != 200:
                    outcome.count("read", found.status_code)
                    continue
                current = found.json()
                body = {
                    "base_revision": current["revision"],
                    "text": edited(current["text"], rng, number),
                    "message": f"Load edit {index}.{number}",
                }
                sent = time.monotonic()
                proposed = await http.post(f"{path}/proposals", json=body, headers=author)
                answered = time.monotonic()
                counted = measure_from <= sent and answered <= stop_at
                if counted:
                    outcome.count("propose", proposed.status_code)
                    outcome.propose_latency.append(answered - sent)
                if proposed.status_code != 201:
                    continue
                reviews = f"/api/proposals/{proposed.json()['id']}/reviews"
                sent = time.monotonic()
                approved = await http.post(reviews, json={"verdict": "approve"}, headers=editor)
                answered = time.monotonic()
                counted = measure_from <= sent and answered <= stop_at
                if approved.status_code == 201:
                    acks.put((proposed.json()["id"], answered, counted))
                    if counted:
                        outcome.approvals += 1
                        outcome.approve_latency.append(answered - sent)
                if counted:
                    outcome.count("approve", approved.status_code)
                if approved.status_code == 409:  # close it, so the author never hits the limit
                    rejected = await http.post(
                        reviews, json={"verdict": "reject", "comment": "Clashes."}, headers=editor
                    )
                    if counted:
                        outcome.count("reject", rejected.status_code)

    async def clock() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.monotonic()))
        cpu.append(sum(os.times()[:2]))
        await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
        cpu.append(sum(os.times()[:2]))

    await asyncio.gather(clock(), *(client(i, pair) for i, pair in enumerate(pairs)))
    outcome.cpu, outcome.window = cpu[1] - cpu[0], seconds
    return outcome


def load_process(base: str, slug: str, sections: list[str], pairs: list[Pair], warmup: float,
                 seconds: float, acks: Acks, keep_alive: bool,
                 out: Queue[Outcome]) -> None:  # fmt: skip
    outcome = asyncio.run(drive(base, slug, sections, pairs, warmup, seconds, acks, keep_alive))
    acks.put(None)
    out.put(outcome)


@dataclass
class Lag:
    lags: list[float] = field(default_factory=list)
    unseen: int = 0
    polls: int = 0


def watch_process(database: str, acks: Acks, out: Queue[Lag],
                  interval: float) -> None:  # fmt: skip
    """Poll the read model for acknowledged approvals: lag from the 201 to the row saying so."""
    schema = Settings(database=database).postgres().schema
    query = (
        f'SELECT proposal_id FROM "{schema}".tb_proposals'
        " WHERE status = 'approved' AND proposal_id = ANY(%s)"
    )
    pending: dict[str, tuple[float, bool]] = {}
    lag, done, deadline = Lag(), False, float("inf")
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        while pending or not done:
            with contextlib.suppress(queue.Empty):
                while True:
                    item = acks.get_nowait()
                    if item is None:
                        done, deadline = True, time.monotonic() + 30
                    else:
                        pending[item[0]] = item[1:]
            if pending:
                rows = connection.execute(query, (list(pending),)).fetchall()
                seen = time.monotonic()
                lag.polls += 1
                for (proposal_id,) in rows:
                    acknowledged, counted = pending.pop(proposal_id)
                    if counted:  # acknowledged in the measured window
                        lag.lags.append(seen - acknowledged)
            if time.monotonic() > deadline:
                lag.unseen = sum(counted for _, counted in pending.values())
                break
            time.sleep(interval)
    out.put(lag)


# CPU time of process trees, from /proc (CLK_TCK ticks).

TICK = os.sysconf("SC_CLK_TCK")


def processes() -> dict[int, tuple[int, str, float]]:
    """pid: (parent pid, command name, CPU seconds of it and of its reaped children)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        found[int(entry.name)] = (int(fields[1]), name, ticks / TICK)
    return found


def descendants(table: dict[int, tuple[int, str, float]], root: int) -> set[int]:
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, (parent, _, _) in table.items() if parent in tree} - tree
        grew = bool(more)
        tree |= more
    return tree & set(table)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_by_role(server: int, others: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of: the web workers, the publishing worker, PostgreSQL, and `others`."""
    table = processes()
    tree = descendants(table, server)
    publisher = next((p for p in tree if " worker --parent" in cmdline(p)), None)
    publishing = descendants(table, publisher) if publisher else set()
    cpu = {
        **{f"web pid {p}": table[p][2] for p in tree - publishing},
        "web": sum(table[p][2] for p in tree - publishing),
        "publishing": sum(table[p][2] for p in publishing),
        "postgres": sum(t for _, name, t in table.values() if name.startswith("postgres")),
    }
    for role, pid in others.items():
        cpu[role] = sum(table[p][2] for p in descendants(table, pid))
    return cpu


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK, sum(values) / TICK


def wait_for(url: str, seconds: float, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped ({server.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # our own server
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to `textbook serve` (it stops its web and publishing workers), then its group."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    with contextlib.suppress(ProcessLookupError):  # anything of its session still running
        os.killpg(server.pid, signal.SIGKILL)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass
class LoadResult:
    workers: int
    outcome: Outcome
    lag: Lag
    cpu: dict[str, float]
    busy: float


@dataclass(frozen=True)
class Plan:
    """How to load each server."""

    clients: int
    sections: int
    warmup: float
    seconds: float
    publish: bool
    keep_alive: bool
    poll: float


def one_load(workers: int, port: int, plan: Plan, tag: str) -> LoadResult:
    clients, sections, warmup = plan.clients, plan.sections, plan.warmup
    seconds, publish, poll = plan.seconds, plan.publish, plan.poll
    with fresh_store("postgres", f"scale_load{workers}_{tag}") as settings, \
            tempfile.TemporaryDirectory(prefix="textbook-scale-") as directory:  # fmt: skip
        folder = Path(directory)
        slug, chosen, pairs = seed_load(settings, folder, clients, sections)
        say(f"  {workers} worker(s): seeded {slug}, {len(pairs)} author/editor pairs,"
            f" {len(chosen)} sections; starting textbook serve on :{port}")  # fmt: skip
        env = {key: value for key, value in os.environ.items() if not key.startswith("TEXTBOOK")}
        env |= {
            "TEXTBOOK_DATABASE": settings.database,
            "TEXTBOOK_BUILD_DIR": str(folder / "build"),
            "TEXTBOOK_SECRET_KEY": "scale-benchmark-secret-key",
        }
        command = [TEXTBOOK, "serve", "--workers", str(workers), "--no-demo", "--port", str(port)]
        if not publish:
            command.append("--no-publish")
        with open(folder / "server.log", "wb") as log:
            server = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=log,
                                      start_new_session=True)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/api/books", 60, server)
            if publish:  # the first editions: publishing after that follows the approvals
                wait_for(f"{base}/books/{slug}/download/pdf", 300, server)
            acks: Acks = Queue()
            outcomes: Queue[Outcome] = Queue()
            lags: Queue[Lag] = Queue()
            watcher = Process(
                target=watch_process, args=(settings.database, acks, lags, poll), daemon=True
            )
            work = (base, slug, chosen, pairs, warmup, seconds, acks, plan.keep_alive, outcomes)
            loader = Process(target=load_process, args=work, daemon=True)
            watcher.start()
            loader.start()
            time.sleep(warmup)
            others = {"load client": loader.pid or 0, "lag watcher": watcher.pid or 0}
            cpu_before, busy_before = cpu_by_role(server.pid, others), machine_busy()
            time.sleep(seconds)
            cpu_after, busy_after = cpu_by_role(server.pid, others), machine_busy()
            outcome = outcomes.get(timeout=300)
            lag = lags.get(timeout=120)
            loader.join()
            watcher.join()
        finally:
            stop_server(server)
        if server.returncode not in (0, -signal.SIGTERM):
            say((folder / "server.log").read_text()[-3000:])
        errors = (folder / "server.log").read_text().count("Traceback")
        if errors:
            say(f"    the server logged {errors} tracebacks")
        cpu = {role: cpu_after[role] - cpu_before.get(role, 0.0) for role in cpu_after}
        per_process = sorted(
            (cpu.pop(r) for r in list(cpu) if r.startswith("web pid")), reverse=True
        )
        say(
            "    web processes' CPU (cores): "
            + ", ".join(f"{c / seconds:.2f}" for c in per_process)
        )
        busy = (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1])
        return LoadResult(workers, outcome, lag, cpu, busy)


def load_report(results: list[LoadResult], clients: int, sections: int, seconds: float) -> str:
    lines = [
        f"{clients} clients (each an author/editor pair) on {sections} sections, "
        f"{seconds:.0f} s measured per worker count; latency of the approve request, "
        "lag from its 201 to the approval in the read model (seen by another process)",
        "",
        "| web workers | approvals/s | approve p50 | approve p99 | propose p50 | 409s | 5xx |"
        " lag p50 | lag p90 | lag p99 | lag max |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        o, lag = r.outcome, r.lag
        conflicts = sum(n for key, n in o.statuses.items() if key.endswith(" 409"))
        errors = sum(n for key, n in o.statuses.items() if key.split()[1].startswith("5"))
        ms = [1000 * x for x in (percentile(o.approve_latency, 0.5),
              percentile(o.approve_latency, 0.99), percentile(o.propose_latency, 0.5),
              percentile(lag.lags, 0.5), percentile(lag.lags, 0.9), percentile(lag.lags, 0.99),
              max(lag.lags, default=float("nan")))]  # fmt: skip
        lines.append(
            f"| {r.workers} | {o.approvals / o.window:.1f} | {ms[0]:.0f} ms | {ms[1]:.0f} ms |"
            f" {ms[2]:.0f} ms | {conflicts} | {errors} | {ms[3]:.0f} ms | {ms[4]:.0f} ms |"
            f" {ms[5]:.0f} ms | {ms[6]:.0f} ms |"
        )
    lines += [
        "",
        "CPU use in the measured window (cores: CPU seconds / wall seconds; 2 cores):",
        "",
    ]
    roles = list(results[0].cpu) if results else []
    lines.append("| web workers | " + " | ".join(roles) + " | rest of machine | machine busy |")
    lines.append("|---:|" + "---:|" * (len(roles) + 2))
    cores = os.cpu_count() or 1
    for r in results:
        cells = [f"{r.cpu[role] / r.outcome.window:.2f}" for role in roles]
        rest = r.busy * cores - sum(r.cpu.values()) / r.outcome.window
        lines.append(
            f"| {r.workers} | " + " | ".join(cells) + f" | {rest:.2f} | {100 * r.busy:.0f}% |"
        )
    lines += ["", "Status codes:", ""]
    for r in results:
        codes = ", ".join(f"{k}: {n}" for k, n in sorted(r.outcome.statuses.items()))
        lines.append(f"- {r.workers} worker(s): {codes}; unseen approvals: {r.lag.unseen}")
    return "\n".join(lines)


@click.group()
def cli() -> None:
    """Scale benchmarks of textbook (see the module's docstring)."""


@cli.command("rebuild")
@click.option(
    "--events",
    "sizes",
    default="20000,100000",
    show_default=True,
    help="Comma-separated numbers of events to record, one store for each.",
)
@click.option(
    "--backend", type=click.Choice(["postgres", "sqlite"]), default="postgres", show_default=True
)
@click.option("--database", help="Reuse this store (URL or SQLite path) instead of recording.")
@click.option("--keep", is_flag=True, help="Keep the store afterwards and print its address.")
@click.option(
    "--profile",
    "top",
    type=int,
    default=0,
    help="Rebuild in this process under cProfile and print the TOP functions.",
)
def rebuild_command(sizes: str, backend: str, database: str | None, keep: bool, top: int) -> None:
    """Record N real events, then time `textbook projections rebuild` of them."""
    results: list[tuple[int, float, float, int]] = []
    stores: list[tuple[int, contextlib.AbstractContextManager[Settings]]]
    if database:
        stores = [(0, contextlib.nullcontext(Settings(database=database)))]
    else:
        tag = str(int(time.time()))
        stores = [
            (int(size), fresh_store(backend, f"scale_{size}_{tag}", keep))
            for size in sizes.split(",") if size.strip()
        ]  # fmt: skip
    for size, store in stores:
        with store as settings, tempfile.TemporaryDirectory() as folder:
            record_seconds = 0.0
            if size:
                say(f"{backend}: recording {size:,} events")
                size, record_seconds = prepare_events(settings, size, Path(folder))
                say(f"  recorded {size:,} events in {record_seconds:.1f}s"
                    f" ({size / record_seconds:,.0f}/s)")  # fmt: skip
            if keep:
                say(f"  kept: TEXTBOOK_DATABASE={settings.database}")
            if top:
                seconds = profiled_rebuild(settings, top)
                say(f"  profiled rebuild: {seconds:.1f}s")
                continue
            say("  textbook projections rebuild ...")
            seconds, events, rss = timed_rebuild(settings)
            say(f"  rebuilt {events:,} events in {seconds:.1f}s ({events / seconds:,.0f}/s),"
                f" peak RSS {rss / 1024:.0f} MB; rows {read_model_rows(settings)}")  # fmt: skip
            results.append((events, record_seconds, seconds, rss))
    if results:
        print(f"\nrebuild on {backend} (BATCH={BATCH}):\n")
        print("|   events | record (s) | rebuild (s) | rebuild events/s | peak RSS |")
        print("|---------:|-----------:|------------:|-----------------:|---------:|")
        for events, recorded, seconds, rss in results:
            print(f"| {events:>8,} | {recorded:>10.1f} | {seconds:>11.1f} |"
                  f" {events / seconds:>16,.0f} | {rss / 1024:>5.0f} MB |")  # fmt: skip


@cli.command("load")
@click.option(
    "--workers",
    "counts",
    default="1,2,4",
    show_default=True,
    help="Comma-separated web worker counts, one fresh store and server each.",
)
@click.option("--seconds", default=15.0, show_default=True, help="Measured time per count.")
@click.option("--warmup", default=3.0, show_default=True, help="Unmeasured time first.")
@click.option("--clients", default=16, show_default=True, help="Concurrent clients.")
@click.option("--sections", default=8, show_default=True, help="Sections the clients edit.")
@click.option("--port", default=8711, show_default=True, help="First port (then +1 each).")
@click.option(
    "--publish/--no-publish",
    default=True,
    show_default=True,
    help="Run serve's publishing worker (republishing after every approval).",
)
@click.option(
    "--keep-alive/--no-keep-alive",
    default=True,
    show_default=True,
    help="Reuse each client's connection, or open one per request (then any web"
    " worker may accept it).",
)
@click.option("--poll", default=0.005, show_default=True, help="Lag watcher's poll interval (s).")
def load_command(counts: str, seconds: float, warmup: float, clients: int, sections: int,
                 port: int, publish: bool, keep_alive: bool, poll: float) -> None:  # fmt: skip
    """Approvals/s, latency and projection lag through `textbook serve --workers N`."""
    tag = str(int(time.time()))
    results = []
    for offset, count in enumerate(int(c) for c in counts.split(",") if c.strip()):
        plan = Plan(clients, sections, warmup, seconds, publish, keep_alive, poll)
        result = one_load(count, port + offset, plan, tag)
        results.append(result)
        say(load_report([result], clients, sections, seconds))
    print()
    print(
        f"publishing worker: {'on' if publish else 'off'};"
        f" keep-alive: {'on' if keep_alive else 'off (a new connection per request)'}"
    )
    print(load_report(results, clients, sections, seconds))


if __name__ == "__main__":
    cli()
