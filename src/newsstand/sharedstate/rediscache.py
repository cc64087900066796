"""A cache every web process and worker shares, in Redis.

Values are pickled with the time they were made and kept for ``STALE_FACTOR`` lifetimes:
a fresh one is served as is, a stale one while one process (holding a short Redis lock)
makes it again, a missing one is made by one process while the others wait briefly for
it. ``clear`` bumps a generation number that is part of every key, so one INCR forgets
everything for every process (each reads the generation at most every
``GENERATION_SECONDS``). Redis is trusted like the database: only Newsstand writes there.
A value that cannot be pickled, or Redis failing, costs only the caching: the value is
made and returned.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from newsstand.errors import StorageError

log = logging.getLogger(__name__)

STALE_FACTOR = 3
GENERATION_SECONDS = 0.5  # how old this process's idea of the generation may be
LOCK_SECONDS = 10.0  # a maker that dies holds the lock this long
WAIT_SECONDS = 2.0  # how long a caller waits for another process's making


def connect(url: str) -> redis.Redis:
    """A client for ``url``, checked with a PING. Raises StorageError."""
    client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise StorageError(f"cannot reach Redis at the cache_url: {exc}") from exc
    return client


class RedisCache:
    """``SharedCache`` in Redis under ``namespace`` (one per kind of value)."""

    def __init__(self, client: redis.Redis, namespace: str, seconds: float) -> None:
        self.client = client
        self.namespace = namespace
        self.seconds = seconds
        self._generation = 0
        self._generation_read = -1e9
        self._lock = threading.Lock()

    def _gen(self) -> int:
        now = time.monotonic()
        with self._lock:
            if now - self._generation_read < GENERATION_SECONDS:
                return self._generation
        raw = self.client.get(f"{self.namespace}:gen")
        with self._lock:
            self._generation = int(raw) if raw is not None else 0
            self._generation_read = now
            return self._generation

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{self._gen()}:{key}"

    def _entry(self, key: str) -> tuple[float, Any] | None:
        raw = self.client.get(self._key(key))
        if not isinstance(raw, bytes):
            return None
        made, value = pickle.loads(raw)  # noqa: S301 - written by Newsstand only, like the database
        return float(made), value

    def get(self, key: str) -> Any | None:
        if self.seconds <= 0:
            return None
        try:
            hit = self._entry(key)
        except redis.RedisError as exc:
            log.warning("shared cache: %s", exc)
            return None
        if hit is None or time.time() - hit[0] > self.seconds:
            return None
        return hit[1]

    def put(self, key: str, value: Any) -> None:
        if self.seconds <= 0:
            return
        try:
            raw = pickle.dumps((time.time(), value), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            log.debug("shared cache: %s not kept: %s", key, exc)
            return
        try:
            self.client.set(self._key(key), raw, px=max(1, int(STALE_FACTOR * self.seconds * 1000)))
        except redis.RedisError as exc:
            log.warning("shared cache: %s", exc)

    def get_or_make(self, key: str, make: Callable[[], Any]) -> Any:
        if self.seconds <= 0:
            return make()
        try:
            hit = self._entry(key)
        except redis.RedisError as exc:
            log.warning("shared cache: %s", exc)
            return make()
        if hit is not None and time.time() - hit[0] <= self.seconds:
            return hit[1]
        lock = f"{self._key(key)}:making"
        if self._try_lock(lock):
            try:
                value = make()
                self.put(key, value)
                return value
            finally:
                self._unlock(lock)
        if hit is not None:
            return hit[1]  # another process makes it: the slightly old value will do
        return self._wait_for(key, make)

    def _wait_for(self, key: str, make: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.02)
            found = self.get(key)
            if found is not None:
                return found
        return make()  # the maker is slow or gone: make it here rather than wait longer

    def _try_lock(self, lock: str) -> bool:
        try:
            return bool(self.client.set(lock, b"1", nx=True, px=int(LOCK_SECONDS * 1000)))
        except redis.RedisError:
            return True  # Redis failing: make the value here

    def _unlock(self, lock: str) -> None:
        try:
            self.client.delete(lock)
        except redis.RedisError as exc:
            log.warning("shared cache: %s", exc)

    def clear(self) -> None:
        """Forget everything, for every process (within GENERATION_SECONDS)."""
        try:
            generation = int(self.client.incr(f"{self.namespace}:gen"))
        except redis.RedisError as exc:
            log.warning("shared cache: cannot clear: %s", exc)
            return
        with self._lock:
            self._generation, self._generation_read = generation, time.monotonic()
