"""The publishing cache is shared by the web workers' threads and the publishing worker."""

from __future__ import annotations

import threading
from pathlib import Path

from textbook.projections.publishing.cache import Cache


def test_writers_of_one_entry_at_once_never_fail_and_leave_one_whole_file(tmp_path: Path) -> None:
    # The CI run that found this: two requests for one chapter parsed it together, and one
    # request's rename failed because the other had already renamed the shared temporary file.
    cache = Cache(tmp_path)
    data = b"x" * 200_000
    errors: list[BaseException] = []
    start = threading.Barrier(16)

    def write() -> None:
        start.wait()
        try:
            for _ in range(20):
                cache.put("ast", "ab" * 32, data)
                assert cache.get("ast", "ab" * 32) == data
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get("ast", "ab" * 32) == data
    assert [p.name for p in (tmp_path / "ast" / "ab").iterdir()] == ["ab" * 32]  # no leftovers
    assert (tmp_path / "ast" / "ab" / ("ab" * 32)).stat().st_mode & 0o777 == 0o644
