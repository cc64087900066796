"""Ingestion shared by many processes: the scheduler's look for due feeds, and a worker's
steps for one feed, over the database's coordination (``store.CoordinationStore``).

No broker here: ``newsstand.worker`` hands its messages to ``FeedWorker`` and gives
``FeedScheduler`` the functions that send. Whatever a message asks is safe to do twice
(at-least-once delivery): a feed is polled under its claim, so never by two workers at
once; a message for a feed polled since it was queued does nothing; articles are
stored by their identity, so a repeated poll adds nothing twice. A worker killed
mid-poll holds its claim until ``feed_lease_seconds``; the broker hands its message to
another worker, which waits (``BusyError``, retried) and then polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsstand.app.jobs import Jobs
from newsstand.app.loop import ServiceLoop
from newsstand.app.websub import WebSubService
from newsstand.config import Settings
from newsstand.errors import BusyError, NewsstandError
from newsstand.ingest.pipeline import FeedOutcome
from newsstand.model import FeedState, utcnow
from newsstand.net.fetch import Fetcher
from newsstand.store.base import Store

log = logging.getLogger(__name__)

LEADER = "scheduler"  # the lease the scheduler holds
PAGES, STORIES, PUSH = "step:pages", "step:stories", "step:websub"  # one worker at a time each
QUEUE_BATCH = 5000  # feeds queued in one look at most
STEPS_EVERY = 10.0  # seconds between two requests for the pages and stories steps
HOST_WAIT_SECONDS = 5.0  # a host at its limit this long: the message is retried later


def process_name() -> str:
    """A name for this process in leases and claims: host, pid and a random part."""
    import os

    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class Look:
    """What one look of the scheduler did."""

    leader: bool
    queued: int = 0
    steps_sent: bool = False


class FeedScheduler:
    """Queues due feeds while it holds the leader lease; a second scheduler waits for it."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        send_feeds: Callable[[Sequence[int], datetime], None],
        send_steps: Callable[[], None],
        *,
        name: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        jobs: Jobs | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.send_feeds = send_feeds
        self.send_steps = send_steps
        self.name = name or process_name()
        self.clock = clock
        self.jobs = jobs
        self._steps_at = -1e9
        self._jobs_at = -1e9
        self.leading = False

    def look(self) -> Look:
        """Renew (or try to take) the lease; as leader, mark due feeds queued and send them.
        A feed whose message could not be sent loses its mark and comes next time.
        Raises BrokerError when the broker refuses, StorageError when the database does."""
        now = self.clock()
        self.leading = self.store.take_lease(LEADER, self.name, now, self.settings.scheduler_lease_seconds)
        if not self.leading:
            return Look(False)
        ids = self.store.queue_due_feeds(now, QUEUE_BATCH, self.settings.requeue_seconds)
        if ids:
            try:
                self.send_feeds(ids, now)
            except NewsstandError:
                self.store.unqueue_feeds(ids)
                raise
        sent = False
        tick = time.monotonic()
        if tick - self._steps_at >= STEPS_EVERY:
            self.send_steps()
            self._steps_at, sent = tick, True
        if self.jobs is not None and tick - self._jobs_at >= self.settings.jobs_seconds:
            self._jobs_at = tick
            self.jobs.run_due(now)
        return Look(True, len(ids), sent)

    def resign(self) -> None:
        """Give the lease up (on a clean stop), so a waiting scheduler takes over at once."""
        if self.leading:
            self.store.release_lease(LEADER, self.name)
            self.leading = False

    async def run_forever(self, stop: asyncio.Event, announce: Callable[[str], None] | None = None) -> None:
        """Look every ``scheduler_seconds`` until ``stop``; failures are logged and retried."""
        was_leading = None
        try:
            while not stop.is_set():
                try:
                    look = await asyncio.to_thread(self.look)
                except NewsstandError as exc:
                    log.warning("scheduler: %s", exc)
                else:
                    if look.leader != was_leading and announce is not None:
                        announce("leading: queueing due feeds" if look.leader else "waiting: another leads")
                    was_leading = look.leader
                    if look.queued:
                        log.info("scheduler: queued %d feeds", look.queued)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.scheduler_seconds)
        finally:
            with contextlib.suppress(NewsstandError):
                await asyncio.to_thread(self.resign)


class FeedWorker:
    """One worker process's side of a message: a feed polled under its claim and a slot of
    its host, or a one-at-a-time step under its lease. One per process; the steps run on
    one event loop (the queue's), where concurrent polls share the writer's commits."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        name: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_change: Callable[[], None] | None = None,
        websub: WebSubService | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.name = name or process_name()
        self.clock = clock
        self.on_change = on_change
        # Hubs that polled feeds announce are noted by whichever worker polls them.
        self.loop = ServiceLoop(store, settings, clock=clock, websub=websub)
        self._fetcher: Fetcher | None = None
        self._fetcher_lock: asyncio.Lock | None = None

    async def fetcher(self) -> Fetcher:
        """The fetcher kept open for this worker's polls (connections reused)."""
        if self._fetcher_lock is None:
            self._fetcher_lock = asyncio.Lock()
        async with self._fetcher_lock:
            if self._fetcher is None:
                self._fetcher = await Fetcher(self.settings).__aenter__()
        return self._fetcher

    async def close(self) -> None:
        if self._fetcher is not None:
            await self._fetcher.__aexit__(None, None, None)
            self._fetcher = None
        self.loop.close()

    async def ingest(self, feed_id: int, queued_at: datetime | None = None) -> FeedOutcome | None:
        """Poll one feed; None when there was nothing to do (unknown or disabled feed, or
        polled since ``queued_at``). Raises BusyError while another worker holds the feed or
        its host is at its limit (try again later), StorageError when the database fails."""
        token = f"{self.name}/{secrets.token_hex(4)}"
        settings = self.settings
        start = await asyncio.to_thread(
            self.store.start_poll, feed_id, token, self.clock(), settings.feed_lease_seconds,
            settings.per_host_concurrency,
        )  # fmt: skip
        if start.status == "busy":
            log.info("feed %d is held by another worker; trying again later", feed_id)
            raise BusyError("feed", feed_id, retry_after=min(settings.feed_lease_seconds, 5.0))
        if start.feed is None or start.state is None:
            return None  # removed since it was queued
        feed, state = start.feed, start.state
        try:
            if start.status == "host_busy":
                await self._wait_for_host(feed_id, start.host, token)
            if not feed.enabled or _done_since(state, queued_at):
                return None
            outcome = await self.loop.poll_feed(await self.fetcher(), feed, state)
        finally:
            await asyncio.to_thread(self.store.finish_poll, feed_id, start.host, token)
        if (outcome.new_entries or outcome.updated_entries) and self.on_change is not None:
            self.on_change()
        return outcome

    async def _wait_for_host(self, feed_id: int, host: str, token: str) -> None:
        """A slot of ``host`` (``per_host_concurrency`` across every worker), waiting up to
        HOST_WAIT_SECONDS. Raises BusyError when none frees up; the feed stays queued."""
        deadline = asyncio.get_running_loop().time() + HOST_WAIT_SECONDS
        pause = 0.02
        while True:
            taken = await asyncio.to_thread(
                self.store.take_host_slot, host, token, self.clock(),
                self.settings.feed_lease_seconds, self.settings.per_host_concurrency,
            )  # fmt: skip
            if taken:
                return
            if asyncio.get_running_loop().time() >= deadline:
                await asyncio.to_thread(self.store.unclaim_feed, feed_id, token)
                raise BusyError("host", host, retry_after=1.0)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    async def fill_pages(self) -> tuple[int, int]:
        """Full text and live blogs, by one worker at a time; (0, 0) when another runs them."""
        async with self._step(PAGES) as mine:
            if not mine:
                return 0, 0
            filled, refreshed = await self.loop.fill_pages()
        if (filled or refreshed) and self.on_change is not None:
            self.on_change()
        return filled, refreshed

    async def sync_push(self) -> int:
        """The WebSub (re)subscribe requests that are due, by one worker at a time; 0 when
        another sends them (or push is off)."""
        async with self._step(PUSH) as mine:
            if not mine:
                return 0
            return await self.loop.sync_push()

    async def group_stories(self) -> int:
        """New articles into stories, by one worker at a time; 0 when another does it."""
        async with self._step(STORIES) as mine:
            if not mine:
                return 0
            await asyncio.to_thread(self.store.index_search)
            placed = await self.loop.group_stories()
        if placed and self.on_change is not None:
            self.on_change()
        return placed

    @contextlib.asynccontextmanager
    async def _step(self, name: str) -> AsyncIterator[bool]:
        lease = self.settings.feed_lease_seconds
        mine = await asyncio.to_thread(self.store.take_lease, name, self.name, self.clock(), lease)
        try:
            yield mine
        finally:
            if mine:
                await asyncio.to_thread(self.store.release_lease, name, self.name)


async def while_leading(
    store: Store,
    name: str,
    holder: str,
    seconds: float,
    job: Callable[[], Coroutine[Any, Any, None]],
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Run ``job`` while this process holds the lease ``name`` (renewed every third of
    ``seconds``); another process takes over within ``seconds`` of this one dying. Runs
    until cancelled; the lease is given up on the way out."""
    beat = seconds / 3
    try:
        while True:
            if not await asyncio.to_thread(store.take_lease, name, holder, clock(), seconds):
                await asyncio.sleep(beat)
                continue
            task = asyncio.create_task(job())
            try:
                while not task.done():
                    await asyncio.wait({task}, timeout=beat)
                    if task.done():
                        break
                    if not await asyncio.to_thread(store.take_lease, name, holder, clock(), seconds):
                        log.warning("lost the lease %s; stopping its work", name)
                        break
            finally:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            await asyncio.sleep(beat)
    finally:
        with contextlib.suppress(NewsstandError):
            await asyncio.to_thread(store.release_lease, name, holder)


def _done_since(state: FeedState, queued_at: datetime | None) -> bool:
    """Whether the feed was polled after it was queued (this message is a repeat)."""
    return queued_at is not None and state.last_fetched is not None and state.last_fetched >= queued_at
