"""Storing fetched feeds: one writer, and group commits.

Feeds arrive from many concurrent fetches, but a database takes one writer at a
time (SQLite) or gains little from several (PostgreSQL). ``BatchWriter`` keeps
one write running; every fetch that arrives while it runs waits for the next,
and all of them go into that one transaction, each in a savepoint of its own
(``Store.record_fetches``). A round of 200 feeds commits a handful of times
instead of 200, and search indexing is left to one bulk step per round.

A fetch's caller gets its own results, or its own error: a feed whose storing
fails costs only itself. Should the whole transaction fail, the batch is stored
again fetch by fetch, so one poisoned fetch cannot take the others with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from newsstand.errors import NewsstandError
from newsstand.model import UpsertResult
from newsstand.store.base import Fetched, Store

log = logging.getLogger(__name__)

MAX_FETCHES = 64  # fetches per transaction
MAX_ARTICLES = 2000  # articles per transaction (after the first fetch, which always goes)
LINGER_SECONDS = 0.01  # how long a batch of article-less fetches waits for company

_Outcome = list[UpsertResult] | BaseException
_Waiting = tuple[Fetched, "asyncio.Future[list[UpsertResult]]"]


class BatchWriter:
    """Stores fetches for one event loop at a time; ``drain`` before the loop ends."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: list[_Waiting] = []
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unindexed = False  # articles stored since the last index_search

    async def write(self, fetched: Fetched) -> list[UpsertResult]:
        """Store one fetch (with others that are waiting) and return its results.
        Shielded: a cancelled caller leaves the write to finish; ``drain`` awaits it."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A new event loop (each asyncio.run): whatever an earlier loop left queued
            # belongs to callers that are gone; its futures cannot be completed anyway.
            self._loop, self._waiting, self._task = loop, [], None
        future: asyncio.Future[list[UpsertResult]] = loop.create_future()
        self._waiting.append((fetched, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        return await asyncio.shield(future)

    async def drain(self) -> None:
        """Wait until every fetch handed to ``write`` is stored (or has failed)."""
        while self._task is not None and not self._task.done():
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while self._waiting:
            if len(self._waiting) < MAX_FETCHES and not any(f[2] for f, _ in self._waiting):
                # Only fetches without articles (304s, failures): cheap to delay a little,
                # and a round of unchanged feeds then commits a few times, not dozens.
                await asyncio.sleep(LINGER_SECONDS)
            batch = self._take()
            outcomes = await self._store(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
            self._unindexed = self._unindexed or any(fetched[2] for fetched, _ in batch)
            if not self._waiting and self._unindexed:
                # Nothing to store right now (the next feeds are still being fetched or
                # parsed): index what is stored meanwhile, so little is left for the end.
                await self._index()

    async def _index(self) -> None:
        self._unindexed = False
        try:
            await asyncio.to_thread(self.store.index_search)
        except NewsstandError as exc:  # stored all the same; a later call indexes them
            log.warning("search indexing failed: %s", exc)

    def _take(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        articles = 0
        while self._waiting and len(batch) < MAX_FETCHES:
            size = len(self._waiting[0][0][2])
            if batch and articles + size > MAX_ARTICLES:
                break
            batch.append(self._waiting.pop(0))
            articles += size
        return batch

    async def _store(self, batch: Sequence[_Waiting]) -> list[_Outcome]:
        fetches = [fetched for fetched, _ in batch]
        try:
            stored = await asyncio.to_thread(self.store.record_fetches, fetches, defer_search=True)
            return list(stored)
        except NewsstandError as exc:
            if len(fetches) == 1:
                return [exc]
            log.warning("storing %d fetches together failed (%s); storing them one by one", len(fetches), exc)
        except Exception as exc:  # a bug: each caller logs it as its feed's error
            return [exc] * len(fetches)
        outcomes: list[_Outcome] = []
        for record, state, items in fetches:
            try:
                outcomes.append(await asyncio.to_thread(self.store.record_fetch, record, state, items))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes
