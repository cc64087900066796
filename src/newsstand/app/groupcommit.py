"""Group commit for writes that many requests make at once (full reads of articles).

A database takes one writer at a time (SQLite) or gains little from many (PostgreSQL).
``GroupCommit.submit`` writes at once when nothing else is being written; while a write
runs, further submissions queue, and the next write takes all of them in one transaction.
Under no load a read is stored as soon as it happens; under load, hundreds of requests a
second share a handful of commits. A caller returns only once its item is committed (or
raises the error that stopped it), so nothing is lost to a crash that a caller was told
had been stored.

``submit_future`` is the same for a caller that must not wait in its own thread (a page made
on the web server's event loop): the item is written by a writer thread of this object's own,
and the returned future completes when it is committed, so the page can be answered only then.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_BATCH = 500  # items per transaction


@dataclass
class _Ticket(Generic[T]):
    item: T
    done: Future[None] = field(default_factory=Future)


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[Sequence[T]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: list[_Ticket[T]] = []
        self._writing = False
        self._writer: threading.Thread | None = None

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
        ticket.done.result()

    def submit_future(self, item: T) -> Future[None]:
        """Queue ``item`` for the writer thread; the future completes once it is committed
        (or holds the error that stopped its transaction)."""
        ticket = _Ticket(item)
        with self._lock:
            self._queue.append(ticket)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_forever, name="group-commit", daemon=True)
                self._writer.start()
            self._wake.notify()
        return ticket.done

    def _write_forever(self) -> None:
        while True:
            with self._lock:
                while not self._queue or self._writing:
                    self._wake.wait()
                self._writing = True
            self._drain()

    def _drain(self) -> None:
        """Write batches until the queue is empty (the caller leads until then)."""
        while True:
            with self._lock:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                if not batch:
                    self._writing = False
                    self._wake.notify()  # the writer thread may wait for a lead that ended
                    return
            error: BaseException | None = None
            try:
                self._write([t.item for t in batch])
            except Exception as exc:  # every waiter of this batch hears it; later ones try afresh
                error = exc
            for ticket in batch:
                if error is None:
                    ticket.done.set_result(None)
                else:
                    ticket.done.set_exception(error)
