"""Files that several threads and processes write: each writer writes its own, then renames it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replacing", "write_atomically"]


@contextmanager
def replacing(target: Path, mode: int = 0o644) -> Iterator[Path]:
    """A temporary path beside `target`, renamed over it when the block ends without error.

    Each writer (thread or process) gets its own temporary file, so two that write the same
    target at once cannot take each other's file away, and a reader sees the old file or the
    new one, never a part of either.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    os.chmod(name, mode)  # mkstemp makes it private (0o600); editions are for everyone to read
    temporary = Path(name)
    try:
        yield temporary
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def write_atomically(target: Path, data: bytes) -> None:
    with replacing(target) as temporary:
        temporary.write_bytes(data)
