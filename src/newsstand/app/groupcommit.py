"""Group commit for writes that many requests make at once (full reads of articles).

A database takes one writer at a time (SQLite) or gains little from many (PostgreSQL).
``GroupCommit.submit`` writes at once when nothing else is being written; while a write
runs, further submissions queue, and the next write takes all of them in one transaction.
Under no load a read is stored as soon as it happens; under load, hundreds of requests a
second share a handful of commits. A caller returns only once its item is committed (or
raises the error that stopped it), so nothing is lost to a crash that a caller was told
had been stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_BATCH = 500  # items per transaction


@dataclass
class _Ticket(Generic[T]):
    item: T
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[Sequence[T]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[_Ticket[T]] = []
        self._writing = False

    def submit(self, item: T) -> None:
        """Store ``item``, sharing a transaction with whatever else is waiting. Raises what the
        write raised when the transaction holding ``item`` failed."""
        ticket = _Ticket(item)
        with self._lock:
            self._queue.append(ticket)
            lead = not self._writing
            self._writing = True
        if lead:
            self._drain()
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error

    def _drain(self) -> None:
        """Write batches until the queue is empty (the caller leads until then)."""
        while True:
            with self._lock:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                if not batch:
                    self._writing = False
                    return
            error: BaseException | None = None
            try:
                self._write([t.item for t in batch])
            except Exception as exc:  # every waiter of this batch hears it; later ones try afresh
                error = exc
            for ticket in batch:
                ticket.error = error
                ticket.done.set()
