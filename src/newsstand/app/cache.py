"""What every reader shares is computed once: a small cache for the services' shared results.

Top stories, Our picks, the front page's lists and what goes around an article are
the same for every reader for a few seconds; only the personal parts of a page are
made per request. ``SharedCache`` is the seam: ``TtlCache`` keeps values in this
process; a cache that several processes share plugs in behind the same methods.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class SharedCache(Protocol):
    seconds: float

    def get(self, key: str) -> Any | None:
        """The value stored under ``key`` if it is younger than ``seconds``, else None."""

    def put(self, key: str, value: Any) -> None: ...

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

    def get(self, key: str) -> Any | None:
        with self._lock:
            hit = self._values.get(key)
        if hit is None or time.monotonic() - hit[0] > self.seconds:
            return None
        return hit[1]

    def put(self, key: str, value: Any) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._values[key] = (time.monotonic(), value)
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def remember(cache: SharedCache, key: str, make: Callable[[], T]) -> T:
    """The cached value for ``key``, made (and stored) when missing or stale."""
    found = cache.get(key)
    if found is not None:
        value: T = found
        return value
    made = make()
    cache.put(key, made)
    return made
