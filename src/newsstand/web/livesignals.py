"""Live-blog changes heard from any process, handed to this process's event streams.

The database says which blog changed (PostgreSQL NOTIFY, migration 0013); each open
stream of that blog is woken and reads what is new, instead of waiting for its next
poll. Without such a channel (SQLite) streams keep polling every ``live_poll_seconds``;
with one they poll as well, as a safety net for a notification lost with a connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from newsstand.app import Services

log = logging.getLogger(__name__)


class Closeable(Protocol):
    def close(self) -> None: ...


class LiveSignals:
    """Wakes the event streams of a blog when any process changes it."""

    def __init__(self) -> None:
        self._waiting: defaultdict[int, set[asyncio.Event]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: Closeable | None = None

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def start(self, services: Services) -> None:
        """Listen (from the app's event loop, at start-up)."""
        self._loop = asyncio.get_running_loop()
        self._listener = services.reading.hear_live_changes(self._heard)

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _heard(self, article_id: int) -> None:  # the listener's thread
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake, article_id)

    def _wake(self, article_id: int) -> None:
        for event in self._waiting.get(article_id, ()):
            event.set()

    @contextmanager
    def subscription(self, article_id: int) -> Iterator[asyncio.Event]:
        """An event set whenever the blog changes, for one stream's lifetime."""
        event = asyncio.Event()
        self._waiting[article_id].add(event)
        try:
            yield event
        finally:
            waiting = self._waiting[article_id]
            waiting.discard(event)
            if not waiting:
                del self._waiting[article_id]
