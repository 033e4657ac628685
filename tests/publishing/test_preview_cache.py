"""The preview cache is bounded: the least recently used entries go, by count and by bytes."""

from __future__ import annotations

from pathlib import Path

from textbook.projections.publishing.cache import PreviewCache


def test_the_preview_cache_never_grows_past_its_entries(tmp_path: Path) -> None:
    cache = PreviewCache(tmp_path, max_entries=8, max_bytes=1024**2)
    for number in range(100):
        cache.put("ast", f"key{number}", b"x" * 100)
        assert len(cache.entries) <= 8
    assert cache.get("ast", "key99") == b"x" * 100
    assert cache.get("ast", "key0") is None  # evicted
    assert not any(tmp_path.iterdir())  # nothing on disk


def test_the_preview_cache_never_grows_past_its_bytes(tmp_path: Path) -> None:
    cache = PreviewCache(tmp_path, max_entries=1000, max_bytes=10_000)
    for number in range(100):
        cache.put("ast", f"key{number}", b"y" * 3000)
        assert cache.size <= 10_000
        assert cache.size == sum(len(data) for data in cache.entries.values())
    assert len(cache.entries) == 3
    cache.put("ast", "huge", b"z" * 20_000)  # larger than the whole cache: not kept
    assert cache.get("ast", "huge") is None and len(cache.entries) == 3


def test_the_preview_cache_evicts_the_least_recently_used(tmp_path: Path) -> None:
    cache = PreviewCache(tmp_path, max_entries=2)
    cache.put("ast", "a", b"1")
    cache.put("ast", "b", b"2")
    assert cache.get("ast", "a") == b"1"  # now the most recently used
    cache.put("ast", "c", b"3")
    assert cache.get("ast", "b") is None
    assert cache.get("ast", "a") == b"1"
