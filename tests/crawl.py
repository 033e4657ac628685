"""Follow every internal link of a served site, as one person, and say what a person would meet.

A `Crawl` starts at `/`, follows each `<a href>` and each GET form on the same host, and keeps
every page's status, the page that first linked it, its HTML and the ids it defines. Links that
change state even on GET (`/signout`) are not followed; downloads are fetched for their status
only. `problems()` lists what a person would meet: server errors, links that answer 404 (with
the page that linked them), links to an id the page does not have, and pages that are not
whole HTML documents. `validate()` runs the Nu HTML checker once over every distinct page.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import httpx2 as httpx
from bs4 import BeautifulSoup, Tag

SKIPPED = ("/signout",)  # changes state on GET
STATUS_ONLY = ("/download/", "/static/", "/assets/", "/images/")  # not pages
# What a person types into an empty field: a word to search, today's date (a date in the book's
# life: a date before it is an honest 404, tested on its own).
FORM_VALUES = {"q": "newton", "date": datetime.now(UTC).date().isoformat()}


@dataclass
class Visit:
    url: str
    linked_from: str
    status: int = 0
    html: str = ""
    ids: frozenset[str] = frozenset()


@dataclass
class Crawl:
    client: httpx.Client
    role: str
    visits: dict[str, Visit] = field(default_factory=dict)
    fragments: list[tuple[str, str, str]] = field(default_factory=list)  # (from, url, id)

    def run(self, starts: Iterable[str] = ("/",), limit: int = 5000) -> None:
        """Visit `starts` and every page they lead to; the first is the home page."""
        queue: deque[str] = deque(starts)
        for start in queue:
            self.visits[start] = Visit(start, "(start)")
        while queue:
            assert len(self.visits) <= limit, f"more than {limit} pages: a link loop?"
            visit = self.visits[queue.popleft()]
            for link in self.fetch(visit):
                if not link:
                    continue
                url, _, fragment = link.partition("#")
                if fragment:
                    self.fragments.append((visit.url, url, fragment))
                if url not in self.visits:
                    self.visits[url] = Visit(url, visit.url)
                    queue.append(url)

    def fetch(self, visit: Visit) -> list[str]:
        path = urlsplit(visit.url).path
        if any(part in path for part in STATUS_ONLY):
            with self.client.stream("GET", visit.url) as response:
                visit.status = response.status_code
            return []
        try:
            response = self.client.get(visit.url)
        except httpx.TransportError:  # uvicorn closes the connection after a 500: ask again
            response = self.client.get(visit.url)
        visit.status = response.status_code
        if response.is_redirect:
            return [self.internal(visit.url, response.headers["location"])]
        if "text/html" not in response.headers.get("content-type", ""):
            return []
        visit.html = response.text
        soup = BeautifulSoup(visit.html, "lxml")
        visit.ids = frozenset(str(tag["id"]) for tag in soup.find_all(id=True))
        return list(links(soup, visit.url, self.internal))

    def internal(self, base: str, href: str) -> str:
        """The absolute path (and query, and fragment) of an internal link, or ''."""
        absolute = urlsplit(urljoin(f"http://site{base}", href))
        if absolute.scheme != "http" or absolute.netloc != "site":
            return ""
        if absolute.path in SKIPPED:
            return ""
        if absolute.path.endswith("/report") and absolute.query != "p=1":
            return ""  # every paragraph's report form is the same page: the first stands for all
        if absolute.path.endswith("/needs/new") and absolute.query:
            return ""  # the same form, its place chosen: the form without one stands for all
        return urlunsplit(("", "", absolute.path, absolute.query, absolute.fragment))

    def pages(self) -> list[Visit]:
        return [v for v in self.visits.values() if v.html]

    def problems(self) -> list[str]:
        found = []
        for visit in self.visits.values():
            if visit.status >= 500 or visit.status == 404 or visit.status == 0:
                found.append(f"{visit.status} {visit.url} (linked from {visit.linked_from})")
        for source, url, fragment in self.fragments:
            target = self.visits.get(url or source)
            if target and target.html and target.status == 200 and fragment not in target.ids:
                found.append(f"no id '{fragment}' on {url or source} (linked from {source})")
        for visit in self.pages():
            found += [f"{problem}: {visit.url}" for problem in document_problems(visit.html)]
        return [f"as {self.role}: {problem}" for problem in found]


def links(soup: BeautifulSoup, base: str, internal: object) -> Iterable[str]:
    assert callable(internal)
    for anchor in soup.find_all("a", href=True):
        yield internal(base, str(anchor["href"]))
    for form in soup.find_all("form"):
        if str(form.get("method", "get")).lower() == "get":
            yield internal(base, str(form.get("action", "")) + "?" + form_query(form))


def form_query(form: Tag) -> str:
    """What a person submitting the form would send: its values, or a typical one when empty."""
    values = []
    for field_ in form.find_all(["input", "select"]):
        name = field_.get("name")
        if not name or field_.get("type") in ("submit", "button"):
            continue
        value = str(field_.get("value", "")) or FORM_VALUES.get(str(name), "x")
        if field_.get("type") == "date":
            value = FORM_VALUES["date"]
        values.append((str(name), value))
    return urlencode(values)


def document_problems(html: str) -> list[str]:
    """What makes a page less than a whole HTML document a person (and a screen reader) can use."""
    found = []
    if not html.lstrip().lower().startswith("<!doctype html>"):
        found.append("no <!doctype html>")
    soup = BeautifulSoup(html, "lxml")
    root = soup.find("html")
    if not isinstance(root, Tag) or not root.get("lang"):
        found.append("no lang on <html>")
    title = soup.find("title")
    if title is None or not title.get_text(strip=True):
        found.append("no <title>")
    headings = soup.find_all("h1")
    if len(headings) != 1:
        found.append(f"{len(headings)} <h1> elements")
    return found


def validate(pages: Iterable[Visit], folder: Path, jar: Path) -> list[str]:
    """The Nu HTML checker's errors over every distinct page, run once for all of them."""
    folder.mkdir(parents=True, exist_ok=True)
    named: dict[str, str] = {}
    for visit in pages:
        key = hashlib.sha256(visit.html.encode()).hexdigest()[:16]
        if key not in named:
            named[key] = visit.url
            (folder / f"{key}.html").write_text(visit.html, encoding="utf-8")
    if not named:
        return []
    result = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--errors-only", "--exit-zero-always",
         *sorted(str(p) for p in folder.glob("*.html"))],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [
        f"{m.get('message')} (line {m.get('lastLine')}) on {named[Path(m['url']).stem]}"
        for m in messages
        if m.get("type") == "error"
    ]
