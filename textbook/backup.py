"""Dump every event and image to one portable file, and restore it into an empty store.

The file is gzipped JSON lines: a header, then one line per stored event in log order (its
state as the JSON the application wrote, before compression), then one line per image blob
that those events name. Bytes no event names (an upload whose event was never saved, after a
crash between storing the bytes and recording the event) stay out of the dump.
Events never change once written, so reading the log up to the position seen at the start
gives a consistent dump even while writers go on.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from textbook.domain.application import Textbook
from textbook.domain.errors import InvalidInput, TextbookError
from textbook.files import replacing
from textbook.storage import blob_store

FORMAT = "textbook-dump"
VERSION = 1
BATCH = 500
# The events that name an image's bytes by their SHA-256.
NAMING_BLOBS = ("Book.ImageAdded", "Proposal.ImageAttached")


@dataclass(frozen=True)
class DumpReport:
    events: int
    images: int


def dump(app: Textbook, target: Path, progress: Callable[[int], None] | None = None) -> DumpReport:
    last = app.recorder.max_notification_id() or 0
    blobs = blob_store(app)
    count = 0
    named: set[str] = set()
    # Private: the events hold email addresses and password hashes.
    with replacing(target, 0o600) as temporary, gzip.open(temporary, "wt", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, "version": VERSION, "events": last}) + "\n")
        start = 0
        while start < last:
            batch = app.recorder.select_notifications(
                start=start, limit=BATCH, stop=last, inclusive_of_start=False
            )
            if not batch:
                break
            for n in batch:
                state = (
                    app.mapper.compressor.decompress(n.state) if app.mapper.compressor else n.state
                )
                record = {
                    "id": str(n.originator_id),
                    "v": n.originator_version,
                    "topic": n.topic,
                    "state": state.decode(),
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                if n.topic.endswith(NAMING_BLOBS):
                    named.add(json.loads(state)["sha256"])
            count += len(batch)
            start = batch[-1].id
            if progress:
                progress(count)
        images = 0
        for sha256 in sorted(named):
            try:
                data = blobs.get(sha256)
            except KeyError:  # named but never stored (events restored without their images)
                continue
            out.write(json.dumps({"blob": sha256, "data": base64.b64encode(data).decode()}) + "\n")
            images += 1
    return DumpReport(count, images)


def restore(
    app: Textbook, source: Path, progress: Callable[[int], None] | None = None
) -> DumpReport:
    """Load a dump into an empty store; refuses a store that already holds events."""
    if app.recorder.max_notification_id():
        raise TextbookError("The store is not empty: restore only into a new, empty store.")
    blobs = blob_store(app)
    events = images = 0
    pending: list[StoredEvent] = []
    try:
        with gzip.open(source, "rt", encoding="utf-8") as lines:
            header = json.loads(next(lines))
            if header.get("format") != FORMAT or header.get("version") != VERSION:
                raise InvalidInput(f"{source} is not a textbook dump (version {VERSION}).")
            for line in lines:
                record = json.loads(line)
                if "blob" in record:
                    blobs.put({record["blob"]: base64.b64decode(record["data"])})
                    images += 1
                    continue
                state = record["state"].encode()
                if app.mapper.compressor:
                    state = app.mapper.compressor.compress(state)
                pending.append(StoredEvent(UUID(record["id"]), record["v"], record["topic"], state))
                if len(pending) >= BATCH:
                    events += flush(app, pending, progress, events)
            events += flush(app, pending, progress, events)
    except (OSError, EOFError, json.JSONDecodeError, KeyError, StopIteration) as error:
        raise InvalidInput(f"{source} cannot be read as a textbook dump: {error}") from None
    return DumpReport(events, images)


def flush(
    app: Textbook, pending: list[StoredEvent], progress: Callable[[int], None] | None, done: int
) -> int:
    if not pending:
        return 0
    app.recorder.insert_events(list(pending))
    count = len(pending)
    pending.clear()
    if progress:
        progress(done + count)
    return count
