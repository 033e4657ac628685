"""What a page and an API read cost under load, anonymous and signed in, against a bare app.

Run: .venv/bin/python bench/serve.py [--seconds 10] [--connections 20] [--rounds 1]

It starts `textbook serve --no-publish --workers 2` on the sample book in a temporary folder,
signs in as the demo editor emmy through the form and creates an API token for her; then it
starts a bare Starlette app under `uvicorn --workers 2` (uvloop, httptools) serving, from
memory, the very bytes of the product's chapter page: the baseline. `wrk` (Debian's package
`wrk`; this script installs nothing) then loads, one after another in the same run, the
baseline, the chapter page anonymous and signed in, an API read with and without a bearer
token, and an API write refused after the token's check (404) and without a token (401):
API reads are public and never look a token up, so only the last pair prices the token.
Every response must have its expected status (200 but for the last two; counted exactly by a
Lua script for the API runs, from wrk's count of statuses above 399 for the pages), and the
session and the token must still hold after each round: otherwise the script fails.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
TEXTBOOK = str(BIN / "textbook")
SLUG = "numerical-methods"
PASSWORD = "textbook-demo"  # the demo users' password (textbook/cli/serve.py)
BASELINE_APP = """
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

PAGE = (Path(__file__).parent / "page.html").read_bytes()


async def page(request):
    return Response(PAGE, media_type="text/html; charset=utf-8")


app = Starlette(routes=[Route("/{path:path}", page)])
"""
STATUSES_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d: %d\\n", status, n)) end
end
"""
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    rate: float
    p50: float  # ms
    p99: float  # ms
    bad: int  # non-2xx/3xx responses and socket errors
    bytes_each: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 303 is returned as it is, not followed


def opener(jar: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [NoRedirect()]
    if jar is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(jar))
    return urllib.request.build_opener(*handlers)


def fetch(
    url: str, headers: dict[str, str] | None = None, data: bytes | None = None,
    browser: urllib.request.OpenerDirector | None = None,
) -> tuple[int, bytes]:  # fmt: skip
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with (browser or opener()).open(request, timeout=30) as response:  # our own server
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def wait_for(url: str, seconds: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {url} exited with status {process.returncode}")
        try:
            if fetch(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def sign_in(base: str, name: str, password: str = PASSWORD) -> str:
    """Signs in through the form as a browser does; returns the Cookie header to send."""
    jar = http.cookiejar.CookieJar()
    browser = opener(jar)
    status, form = fetch(f"{base}/signin", browser=browser)
    found = re.search(rb'name="csrf" value="([^"]+)"', form)
    if status != 200 or found is None:
        raise SystemExit(f"GET /signin: {status}, no csrf input")
    fields = {"csrf": found.group(1).decode(), "name": name, "password": password}
    body = urllib.parse.urlencode(fields).encode()
    status, _ = fetch(f"{base}/signin", data=body, browser=browser)
    if status != 303:
        raise SystemExit(f"POST /signin as {name}: {status}, not 303")
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    if "textbook_session=" not in cookies:
        raise SystemExit("signing in set no textbook_session cookie")
    return cookies


def signed_in_as(page: bytes, name: str) -> bool:
    return re.search(rb'action="/signout"', page) is not None and name.encode() in page


@dataclass(frozen=True)
class Run:
    name: str
    url: str
    headers: list[str]
    method: str = "GET"
    expect: int = 200  # every response must have this status
    count: bool = False  # count each status with a Lua script (costs wrk some CPU)


def wrk(run: Run, seconds: int, connections: int, folder: Path) -> str:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in run.headers:
        command += ["-H", header]
    if run.count or run.method != "GET":
        script = folder / "run.lua"
        script.write_text(f'wrk.method = "{run.method}"\n' + (STATUSES_LUA if run.count else ""))
        command += ["-s", str(script)]
    done = subprocess.run([*command, run.url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed on {run.url}:\n{done.stdout}{done.stderr}")
    return done.stdout


def milliseconds(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found.group(1)) * UNITS[found.group(2)]


def parse(run: Run, output: str) -> Result:
    """requests/s, p50, p99, bad responses and bytes per response from wrk's --latency output."""

    def number(pattern: str) -> str:
        found = re.search(pattern, output)
        if found is None:
            raise SystemExit(f"wrk's output has no {pattern!r}:\n{output}")
        return found.group(1)

    requests = int(number(r"(\d+) requests in"))
    size = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB|TB) read", output)
    read = float(size.group(1)) * SIZES[size.group(2)] if size else 0.0
    bad = 0
    statuses = {int(s): int(n) for s, n in re.findall(r"^status (\d+): (\d+)$", output, re.M)}
    if run.count:  # every response was counted: all but the expected status are bad
        bad += requests - statuses.get(run.expect, 0)
    else:  # wrk counts statuses above 399 only; a 3xx shows in the bytes per response
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        if non_2xx:
            bad += int(non_2xx.group(1))
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return Result(
        name=run.name,
        requests=requests,
        rate=float(number(r"Requests/sec:\s+([\d.]+)")),
        p50=milliseconds(number(r"\s50%\s+(\S+)")),
        p99=milliseconds(number(r"\s99%\s+(\S+)")),
        bad=bad,
        bytes_each=read / requests if requests else 0.0,
    )


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def table(results: list[Result]) -> str:
    base = results[0]
    lines = [
        "| configuration | requests/s | p50 | p99 | vs baseline | bytes/response | bad |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.rate:,.0f} | {r.p50:.2f} ms | {r.p99:.2f} ms"
            f" | {r.rate / base.rate:.2f}x | {r.bytes_each:,.0f} | {r.bad} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=20, help="wrk's connections")
    parser.add_argument("--rounds", type=int, default=1, help="times to run the seven in turn")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # a file, too
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not on PATH: install it (Debian: apt-get install wrk) and run again"
        )
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as name:
        folder = Path(name)
        port, base_port = free_port(), free_port()
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
        baseline: subprocess.Popen[bytes] | None = None
        site = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{site}/books/{SLUG}", 180, server)
            _, book = fetch(f"{site}/books/{SLUG}")
            chapters = re.findall(rf'href="(/books/{SLUG}/chapters/[\w-]+)"'.encode(), book)
            if not chapters:
                raise SystemExit(f"/books/{SLUG} links to no chapter")
            chapter = chapters[min(1, len(chapters) - 1)].decode()  # root-finding, if there
            cookie = sign_in(site, "emmy")
            made = subprocess.run(
                [TEXTBOOK, "token", "create", "emmy", "--label", "bench"],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            token = made.stdout.split()[-1]
            api = f"/api/books/{SLUG}"
            signed = [f"Cookie: {cookie}"]
            bearer = [f"Authorization: Bearer {token}"]

            status, page = fetch(site + chapter)
            if status != 200:
                raise SystemExit(f"GET {chapter}: {status}")
            (folder / "page.html").write_bytes(page)
            (folder / "baseline.py").write_text(BASELINE_APP)
            baseline = subprocess.Popen(
                [str(BIN / "uvicorn"), "baseline:app", "--app-dir", str(folder),
                 "--workers", "2", "--loop", "uvloop", "--http", "httptools",
                 "--port", str(base_port), "--log-level", "warning", "--no-access-log"],
                cwd=folder, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            bare = f"http://127.0.0.1:{base_port}"
            wait_for(f"{bare}{chapter}", 60, baseline)

            write = "/api/proposals/not-a-proposal/withdraw"  # 404, after the token's check
            runs = [
                Run("(a) baseline: bare app, same bytes", bare + chapter, []),
                Run("(b) chapter page, anonymous", site + chapter, []),
                Run("(c) chapter page, signed in", site + chapter, signed),
                Run("(d) API book read, bearer token", site + api, bearer, count=True),
                Run("(e) API book read, no token", site + api, [], count=True),
                Run("(f) API POST, token checked -> 404", site + write, bearer, "POST", 404, True),
                Run("(g) API POST, no token -> 401", site + write, [], "POST", 401, True),
            ]

            def check() -> None:
                """Every URL answers as expected: signed in, with the token accepted."""
                for run in runs:
                    headers = dict(h.split(": ", 1) for h in run.headers)
                    data = b"" if run.method == "POST" else None
                    status, body = fetch(run.url, headers, data)
                    if status != run.expect:
                        raise SystemExit(f"{run.name}: {run.url} answered {status}")
                    if run.headers == signed and not signed_in_as(body, "emmy"):
                        raise SystemExit(f"{run.name}: the session no longer holds")

            check()
            print(
                f"chapter {chapter}: {len(page):,} bytes; API {api}; wrk -t2"
                f" -c{args.connections} -d{args.seconds}s --latency; load {load()}"
            )
            for run in runs:  # warm-up: templates, caches, connections
                wrk(run, 2, args.connections, folder)
            failures: list[str] = []
            for round_ in range(1, args.rounds + 1):
                results = []
                for run in runs:
                    result = parse(run, wrk(run, args.seconds, args.connections, folder))
                    results.append(result)
                    if result.bad:
                        failures.append(f"round {round_}, {run.name}: {result.bad} bad")
                check()
                print(f"\nround {round_} of {args.rounds}; load after it {load()}")
                print(table(results))
                rate = {r.name[:3]: r.rate for r in results}
                print(
                    f"signed in / anonymous page: {rate['(c)'] / rate['(b)']:.2f}x;"
                    f" API read token / none: {rate['(d)'] / rate['(e)']:.2f}x;"
                    f" POST token checked / none: {rate['(f)'] / rate['(g)']:.2f}x"
                )
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
