"""Hearing of changes other processes make: PostgreSQL LISTEN on its own connection.

Migration 0018 makes every change to a live blog's entries ``pg_notify('newsstand_live',
article id)``; ``Listener`` holds one connection outside the pool, LISTENs, and hands
each article id to a callback from its own thread. A lost connection is opened again
after a second (changes in between are not heard; readers' pages still poll). SQLite
has no such channel: ``listen`` returns None there and pages keep polling.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

LIVE_CHANNEL = "newsstand_live"


class Listener:
    """Calls ``on_change(article_id)`` for every live-blog change any process commits."""

    def __init__(self, conninfo: str, on_change: Callable[[int], None]) -> None:
        self._conninfo = conninfo
        self._on_change = on_change
        self._stopped = threading.Event()
        self.ready = threading.Event()  # set once LISTEN is in place (tests wait for it)
        self._thread = threading.Thread(target=self._run, name="newsstand-listen", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {LIVE_CHANNEL}")
                    self.ready.set()
                    while not self._stopped.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self._deliver(note.payload)
            except psycopg.Error as exc:
                log.warning("listening for live-blog changes failed (%s); again in a second", exc)
                self._stopped.wait(1.0)

    def _deliver(self, payload: str) -> None:
        try:
            article_id = int(payload)
        except ValueError:
            return
        try:
            self._on_change(article_id)
        except Exception:  # a listener's bug must not end the listening
            log.exception("live-blog change handler failed")


def listen(engine: Engine, on_change: Callable[[int], None]) -> Listener | None:
    """A Listener on the engine's PostgreSQL database; None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    url = engine.url.set(drivername="postgresql")
    return Listener(url.render_as_string(hide_password=False), on_change)
