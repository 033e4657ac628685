"""The cache stage: work already done, by a hash of its inputs and of the publishing code.

A build's work is kept in files (a chapter's AST, its HTML per format, formulas as SVG); a
preview's in memory, the least recently used evicted past a bound.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from importlib import metadata
from pathlib import Path

from textbook.files import write_atomically


def pipeline_version() -> str:
    """A hash of the publishing code, templates and tools: cached work of another is not reused."""
    h = hashlib.sha256()
    folder = Path(__file__).parent
    # The domain's rules the formats follow too: which chapters are back matter, the ids of
    # glossary entries and index marks, the bibliography's form.
    domain = folder.parent.parent / "domain"
    ours = sorted([*folder.glob("*.py"), *folder.glob("templates/*"), *folder.glob("static/*")])
    for path in [*ours, domain / "glossary.py", domain / "bibliography.py"]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for package in ("pypandoc-binary", "weasyprint", "ziamath", "nh3"):
        h.update(f"{package}={metadata.version(package)}".encode())
    return h.hexdigest()


PIPELINE_VERSION = pipeline_version()


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256(PIPELINE_VERSION.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class Cache:
    """Work already done, by a hash of its inputs, in files under one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        path = self.path(kind, key)
        return path.read_bytes() if path.exists() else None

    def put(self, kind: str, key: str, data: bytes) -> None:
        write_atomically(self.path(kind, key), data)


# At most PREVIEW_SLOTS previews render at once with one PreviewCache (a process has one), and
# one waits at most PREVIEW_WAIT for a slot: see preview.PREVIEW for the bound on each.
PREVIEW_SLOTS = 2
PREVIEW_WAIT = 10.0


class PreviewCache(Cache):
    """Previews' parsed ASTs and HTML, in memory, the least recently used evicted past a bound;
    and the slots that bound how many previews render at once.

    Authors preview every few keystrokes: kept on disk like a build's work, each variant would
    stay forever. Only the bibliography (a file pandoc reads) goes to the folder.
    """

    def __init__(
        self,
        folder: Path,
        max_entries: int = 256,
        max_bytes: int = 32 * 1024**2,
        slots: int = PREVIEW_SLOTS,
        wait: float = PREVIEW_WAIT,
    ) -> None:
        super().__init__(folder)
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(slots)
        self.wait = wait

    def get(self, kind: str, key: str) -> bytes | None:
        with self.lock:
            data = self.entries.get((kind, key))
            if data is not None:
                self.entries.move_to_end((kind, key))
            return data

    def put(self, kind: str, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return  # larger than the whole cache: not kept
        with self.lock:
            self.size -= len(self.entries.pop((kind, key), b""))
            self.entries[(kind, key)] = data
            self.size += len(data)
            while len(self.entries) > self.max_entries or self.size > self.max_bytes:
                _, evicted = self.entries.popitem(last=False)
                self.size -= len(evicted)
