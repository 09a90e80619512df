"""A small in-process cache for aggregate pages (the overview over 100,000 tasks), and the
per-province change counters the overview's figures are kept by (``ProvinceVersions``).

An entry is reused while the database's data stamp (``models.overview.dashboard.data_stamp``: one query
of three index look-ups) is unchanged and it is younger than ``max_age`` seconds; writes made
through the web app clear it at once. So the overview is recomputed after any change, made
here, by the command line or by the sweep, and at least every ``max_age`` seconds.

Only one thread computes a given key at a time (the others wait for its result), so twenty
clients arriving together after a change cost one computation, not twenty. An entry that is
only old (same stamp) is recomputed by one thread while the others keep getting it meanwhile.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import Any

from sqlmodel import Session

from models.overview.changes import audit_mark, provinces_changed


class StampedCache:
    def __init__(self, *, max_age: float = 60.0, max_entries: int = 64) -> None:
        self.max_age, self.max_entries = max_age, max_entries
        self._data: dict[Hashable, tuple[object, float, Any]] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def _hit(self, key: Hashable) -> tuple[object, float, Any] | None:
        with self._lock:
            return self._data.get(key)

    def _store(self, key: Hashable, stamp: object, value: Any) -> None:
        with self._lock:
            if len(self._data) >= self.max_entries and key not in self._data:
                self._data.pop(next(iter(self._data)))
            self._data[key] = (stamp, time.monotonic(), value)

    def get(self, key: Hashable, stamp: object, compute: Callable[[], Any]) -> Any:
        hit = self._hit(key)
        if hit is not None and hit[0] == stamp and time.monotonic() - hit[1] < self.max_age:
            return hit[2]
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        if hit is not None and hit[0] == stamp:  # only old: one thread refreshes, the others go on
            if not key_lock.acquire(blocking=False):
                return hit[2]
            try:
                value = compute()
                self._store(key, stamp, value)
                return value
            finally:
                key_lock.release()
        with key_lock:
            again = self._hit(key)  # another thread may have computed it meanwhile
            if again is not None and again[0] == stamp:
                return again[2]
            value = compute()
            self._store(key, stamp, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class ProvinceVersions:
    """A change counter per province, moved on from the audit log (models/overview/changes.py).

    ``refresh`` reads the newest audit event's id (one index look-up); when it moved, the events
    written since are placed in their provinces and those provinces' counters go up (all of
    them when the events cannot be placed). A province's figures kept with its counter are
    still right while the counter is unchanged: a change in another province, or a notice
    leaving the outbox (no audit event), leaves them as they are. An event committed after a
    newer one was read is placed late (the cache's ``max_age`` bounds how late, as before)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mark: int | None = None
        self._versions: defaultdict[str, int] = defaultdict(int)
        self._everything = 0  # changes not placed in a province
        self._any = 0  # changes anywhere: the country's figures

    def refresh(self, session: Session) -> None:
        mark = audit_mark(session)
        with self._lock:  # one thread places the new events; the others wait for it (milliseconds)
            if self._mark is None or mark == self._mark:
                self._mark = mark
                return
            changed = provinces_changed(session, after=self._mark, upto=mark) if mark > self._mark else None
            if changed is None:
                self._everything += 1
            for slug in changed or ():
                self._versions[slug] += 1
            if changed is None or changed:
                self._any += 1
            self._mark = mark

    def of(self, province: str | None) -> tuple[int, int]:
        """The stamp of a province's figures; of the whole country's for ``None``."""
        with self._lock:
            return self._everything, self._any if province is None else self._versions[province]
