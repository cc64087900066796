"""Counters summed over every process (request latencies for /metrics), in one Redis hash.

Each process adds to its own tally and a thread flushes it every ``FLUSH_SECONDS`` with
one pipelined HINCRBYFLOAT per field, so a request costs no Redis round trip; the totals
any process reads are at most that much behind.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

import redis

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0


class RedisCounters:
    def __init__(self, client: redis.Redis, key: str) -> None:
        self.client = client
        self.key = key
        self._pending: defaultdict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsstand-counters", daemon=True)
        self._thread.start()

    def add(self, field: str, amount: float = 1.0) -> None:
        with self._lock:
            self._pending[field] += amount

    def totals(self) -> dict[str, float]:
        self.flush()
        try:
            raw = self.client.hgetall(self.key)
        except redis.RedisError as exc:
            log.warning("counters: %s", exc)
            return {}
        return {(k.decode() if isinstance(k, bytes) else str(k)): float(v) for k, v in raw.items()}

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(float)
        if not pending:
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            for field, amount in pending.items():
                pipe.hincrbyfloat(self.key, field, amount)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("counters: %s (%d values dropped)", exc, len(pending))

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        self.flush()

    def _run(self) -> None:
        while not self._stopped.wait(FLUSH_SECONDS):
            self.flush()
