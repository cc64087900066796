"""What every reader shares is computed once: a small cache for the services' shared results.

Top stories, Our picks, the front page's lists and what goes around an article are
the same for every reader for a few seconds; only the personal parts of a page are
made per request. ``SharedCache`` is the seam: ``TtlCache`` keeps values in this
process; a cache that several processes share plugs in behind the same methods.

A value is made by one caller at a time: when it is missing, concurrent callers wait
for that one making instead of each making it (under load, dozens of requests would
otherwise rebuild the same front page at once); when it is merely stale, they are
answered with the stale value while one caller makes the fresh one.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from newsstand.errors import WouldBlock, is_memory_only, waiting_allowed

T = TypeVar("T")

log = logging.getLogger(__name__)

STALE_FACTOR = 3  # a value up to this many lifetimes old is served while a fresh one is made


class SharedCache(Protocol):
    seconds: float

    def get(self, key: str) -> Any | None:
        """The value stored under ``key`` if it is younger than ``seconds``, else None."""

    def put(self, key: str, value: Any) -> None: ...

    def get_or_make(self, key: str, make: Callable[[], Any]) -> Any:
        """The value under ``key``, made by ``make`` (once, whoever else asks meanwhile) when
        missing; a stale one while another caller makes it afresh."""

    def clear(self) -> None:
        """Forget everything (after a change every reader must see at once)."""


class TtlCache:
    """Values kept for ``seconds`` in this process, at most ``max_entries`` of them (oldest
    dropped first). Thread-safe: the web server's handlers run in a thread pool."""

    def __init__(self, seconds: float, max_entries: int = 2000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._values: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        # One lock per key being made, dropped when no caller holds or waits for it (so they do
        # not pile up with every article ever shown). Not striped: making one value makes others
        # (the front page makes its picks), and two keys sharing a stripe then deadlocked.
        self._making: dict[str, tuple[threading.Lock, list[int]]] = {}
        self._kept_with: list[TtlCache] = []

    def _entry(self, key: str) -> tuple[float, Any] | None:
        with self._lock:
            return self._values.get(key)

    def get(self, key: str) -> Any | None:
        hit = self._entry(key)
        if hit is None or time.monotonic() - hit[0] > self.seconds:
            return None
        return hit[1]

    def put(self, key: str, value: Any) -> None:
        if self.seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            self._values[key] = (now, value)
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
            # Values too old to be served even while stale go now, oldest first (the order
            # is of storing): memory follows what readers asked for lately, not the cap.
            # Under steady load the cache used to fill to its cap with dead pages.
            while self._values:
                stored, _ = next(iter(self._values.values()))
                if now - stored <= STALE_FACTOR * self.seconds:
                    break
                self._values.popitem(last=False)

    def peek(self, key: str) -> tuple[Any, bool] | None:
        """The value under ``key`` and whether it is fresh, if it is young enough to be served
        (fresh, or stale while a new one is made); None otherwise."""
        hit = self._entry(key)
        if hit is None or self.seconds <= 0:
            return None
        age = time.monotonic() - hit[0]
        if age > STALE_FACTOR * self.seconds:
            return None
        return hit[1], age <= self.seconds

    def forget(self, key: str) -> None:
        """Drop the value under ``key`` (the next caller makes it afresh)."""
        with self._lock:
            self._values.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def get_or_make(self, key: str, make: Callable[[], Any]) -> Any:
        if self.seconds <= 0:
            return make()
        hit = self._entry(key)
        age = time.monotonic() - hit[0] if hit is not None else None
        if hit is not None and age is not None and age <= self.seconds:
            return hit[1]
        stale = hit is not None and age is not None and age <= STALE_FACTOR * self.seconds
        making = self._claim(key)
        try:
            if stale and hit is not None and not making.acquire(blocking=False):
                return hit[1]  # someone is making it: the slightly old value will do
            if not stale:
                making.acquire()
            try:
                fresh = self.get(key)  # made by the caller we waited for
                if fresh is not None:
                    return fresh
                value = make()
                self.put(key, value)
                return value
            finally:
                making.release()
        finally:
            self._unclaim(key)

    def _claim(self, key: str) -> threading.Lock:
        """The lock that makes ``key``, counted as wanted until ``_unclaim``."""
        with self._lock:
            lock, users = self._making.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
            return lock

    def _unclaim(self, key: str) -> None:
        with self._lock:
            _, users = self._making[key]
            users[0] -= 1
            if users[0] == 0:
                del self._making[key]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            kept_with = list(self._kept_with)
        for other in kept_with:
            other.clear()

    def clears_also(self, other: TtlCache) -> None:
        """Clear ``other`` whenever this cache is cleared (a cache of longer-lived values that
        must still follow a change every reader must see at once)."""
        with self._lock:
            self._kept_with.append(other)


class Counters(Protocol):
    """Named totals (for /metrics): kept in this process, or summed over processes."""

    def add(self, field: str, amount: float = 1.0) -> None: ...

    def totals(self) -> dict[str, float]: ...

    def close(self) -> None: ...


class LocalCounters:
    """Counters of this process alone (one web process: the default)."""

    def __init__(self) -> None:
        self._values: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, field: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[field] = self._values.get(field, 0.0) + amount

    def totals(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)

    def close(self) -> None:
        return None


def remember(cache: SharedCache, key: str, make: Callable[[], T]) -> T:
    """The cached value for ``key``, made (and stored) when missing or stale. Inside
    ``memory_only()``, a stale value is served while a background thread makes it afresh (no
    request waits for it), and one this process does not hold raises WouldBlock (a cache kept
    elsewhere, such as Redis, is I/O too)."""
    if is_memory_only():
        found = cache.peek(key) if isinstance(cache, TtlCache) else None
        if found is None:
            raise WouldBlock(f"cache: {key[:60]}")
        assert isinstance(cache, TtlCache)  # only a TtlCache answers peek
        value, fresh = found
        if not fresh:
            _refresh_later(cache, key, make)
        return value  # type: ignore[no-any-return]
    made: T = cache.get_or_make(key, make)
    return made


# Stale values served from memory are made afresh here, so no request waits for them.
_refresher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="newsstand-refresh")
_refreshing: set[tuple[int, str]] = set()
_refreshing_lock = threading.Lock()


def _refresh_later(cache: TtlCache, key: str, make: Callable[[], Any]) -> None:
    """Make ``key``'s value afresh in the background (once, however many callers saw it stale),
    with the caller's context variables (the time zone parts are rendered in)."""
    job = (id(cache), key)
    with _refreshing_lock:
        if job in _refreshing:
            return
        _refreshing.add(job)
    context = contextvars.copy_context()

    def make_fresh() -> None:
        with waiting_allowed():  # the caller's context came from inside memory_only()
            cache.get_or_make(key, make)

    def refresh() -> None:
        try:
            context.run(make_fresh)
        except Exception as exc:  # the next caller makes it (and meets the error) itself
            log.warning("could not refresh %s in the background: %s", key[:60], exc)
        finally:
            with _refreshing_lock:
                _refreshing.discard(job)

    _refresher.submit(refresh)
