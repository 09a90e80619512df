"""The page cache: one computation per change of the data stamp, old entries refreshed in the background."""

from __future__ import annotations

import threading
import time

from web.cache import StampedCache


def _slow(calls: list[int]):  # type: ignore[no-untyped-def]
    def compute() -> int:
        calls.append(1)
        time.sleep(0.1)
        return len(calls)
    return compute


def _together(n: int, fn) -> list[int]:  # type: ignore[no-untyped-def]
    out: list[int] = []
    threads = [threading.Thread(target=lambda: out.append(fn())) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_twenty_requests_after_a_change_cost_one_computation() -> None:
    cache, calls = StampedCache(), []
    assert _together(20, lambda: cache.get("overview", ("stamp", 1), _slow(calls))) == [1] * 20
    assert len(calls) == 1
    assert cache.get("overview", ("stamp", 2), _slow(calls)) == 2  # the data changed: computed again


def test_an_entry_that_is_only_old_is_served_while_one_thread_refreshes_it() -> None:
    cache, calls = StampedCache(max_age=0.01), []
    cache.get("k", 1, _slow(calls))
    time.sleep(0.02)
    got = _together(5, lambda: cache.get("k", 1, _slow(calls)))
    assert sorted(got) == [1, 1, 1, 1, 2] and len(calls) == 2
