"""A cache every web process and worker shares, in Redis.

Values are pickled with the time they were made and kept for ``STALE_FACTOR`` lifetimes:
a fresh one is served as is, a stale one while one process (holding a short Redis lock)
makes it again, a missing one is made by one process while the others wait briefly for
it. ``clear`` bumps a generation number that is part of every key, so one INCR forgets
everything for every process at once (a read fetches the generation and the value in one
round trip, with a small Lua script). Redis is trusted like the database: only Newsstand writes there.
A value that cannot be pickled, or Redis failing, costs only the caching: the value is
made and returned.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Callable
from typing import Any

import redis

from newsstand.errors import StorageError

log = logging.getLogger(__name__)

STALE_FACTOR = 3
LOCK_SECONDS = 10.0  # a maker that dies holds the lock this long
WAIT_SECONDS = 2.0  # how long a caller waits for another process's making


# The generation and the value under it in one round trip, so a clear is seen at once.
_READ = """
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', ARGV[1] .. ':' .. generation .. ':' .. ARGV[2])}
"""


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
        self._read = client.register_script(_READ)

    def _entry(self, key: str) -> tuple[int, tuple[float, Any] | None]:
        """The generation and the entry under ``key`` in it, read in one round trip."""
        found = self._read(keys=[f"{self.namespace}:gen"], args=[self.namespace, key])
        generation = int(found[0])
        if len(found) < 2 or not isinstance(found[1], bytes):
            return generation, None
        made, value = pickle.loads(found[1])  # noqa: S301 - written by Newsstand only, like the database
        return generation, (float(made), value)

    def _key(self, generation: int, key: str) -> str:
        return f"{self.namespace}:{generation}:{key}"

    def get(self, key: str) -> Any | None:
        if self.seconds <= 0:
            return None
        try:
            _, hit = self._entry(key)
        except redis.RedisError as exc:
            log.warning("shared cache: %s", exc)
            return None
        if hit is None or time.time() - hit[0] > self.seconds:
            return None
        return hit[1]

    def put(self, key: str, value: Any, generation: int | None = None) -> None:
        if self.seconds <= 0:
            return
        try:
            if generation is None:
                generation = self._entry(key)[0]
        except redis.RedisError as exc:
            log.warning("shared cache: %s", exc)
            return
        try:
            raw = pickle.dumps((time.time(), value), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            log.debug("shared cache: %s not kept: %s", key, exc)
            return
        try:
            ttl = max(1, int(STALE_FACTOR * self.seconds * 1000))
            self.client.set(self._key(generation, key), raw, px=ttl)
        except redis.RedisError as exc:
            log.warning("shared cache: %s", exc)

    def get_or_make(self, key: str, make: Callable[[], Any]) -> Any:
        if self.seconds <= 0:
            return make()
        try:
            generation, hit = self._entry(key)
        except redis.RedisError as exc:
            log.warning("shared cache: %s", exc)
            return make()
        if hit is not None and time.time() - hit[0] <= self.seconds:
            return hit[1]
        lock = f"{self._key(generation, key)}:making"
        if self._try_lock(lock):
            try:
                value = make()
                self.put(key, value, generation)
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
        """Forget everything, for every process at once."""
        try:
            self.client.incr(f"{self.namespace}:gen")
        except redis.RedisError as exc:
            log.warning("shared cache: cannot clear: %s", exc)
