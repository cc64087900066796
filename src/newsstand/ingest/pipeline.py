"""The ingestion loop: fetch due feeds, parse, sanitize, store, schedule.

``Ingestor`` runs rounds of feed polls; the service loop (``newsstand.app.loop``)
runs its rounds together with full text, live-blog refreshes and story updates for
``newsstand run``, ``newsstand fetch`` and the web server's background. Each feed
is independent: whatever one feed does (malformed, hostile, huge, slow, gone) ends
as that feed's recorded error, never as the round's. Each feed's articles, state
and health row are committed together (in one transaction, shared with other
feeds' fetches by the writer's group commits), so stopping (or killing) the
process loses no committed work and leaves nothing half-stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from newsstand.config import Settings
from newsstand.errors import (
    ConflictError,
    FeedParseError,
    FetchError,
    FetchTimeoutError,
    GoneError,
    HTTPStatusError,
    NetworkError,
    NewsstandError,
    NotFoundError,
)
from newsstand.ingest.articles import parse_articles
from newsstand.ingest.schedule import PollPolicy, Random, after_failure, after_success
from newsstand.ingest.websub import discover, feed_links
from newsstand.ingest.writer import BatchWriter
from newsstand.model import Article, Feed, FeedState, FetchRecord, UpsertResult, utcnow
from newsstand.net.fetch import Fetcher, FetchResult
from newsstand.store.base import FeedItem, Store

log = logging.getLogger(__name__)

IDLE_SLEEP_MAX = 60.0  # re-check the catalog at least this often while idle


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What one feed's poll did."""

    feed: Feed
    status: str  # "ok", "not_modified" or "failed"
    new_entries: int = 0
    updated_entries: int = 0
    error: str = ""
    http_status: int | None = None
    latency_ms: float = 0.0
    bytes: int = 0
    next_poll: datetime | None = None
    moved_to: str = ""  # new URL after a permanent redirect
    disabled: bool = False  # 410 Gone
    unreachable: bool = False  # no answer at all (DNS, connection refused, timeout)
    hubs: tuple[str, ...] = ()  # WebSub hubs the feed announced (Link header or its own links)
    topic: str = ""  # the URL to subscribe to at those hubs


@dataclass(frozen=True, slots=True)
class IngestSummary:
    outcomes: tuple[FeedOutcome, ...] = ()
    seconds: float = 0.0
    stopped: bool = False  # a stop request cut the round short

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def new_entries(self) -> int:
        return sum(o.new_entries for o in self.outcomes)

    @property
    def updated_entries(self) -> int:
        return sum(o.updated_entries for o in self.outcomes)

    @property
    def unreachable(self) -> int:
        return sum(1 for o in self.outcomes if o.unreachable)


class Ingestor:
    """Polls feeds into the store. One Ingestor per store and event loop."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        rng: Random = random.random,
        clock: Callable[[], datetime] = utcnow,
        on_outcome: Callable[[FeedOutcome], None] | None = None,
        pushed: Callable[[int], bool] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.policy = PollPolicy.from_settings(settings)
        # Whether a WebSub hub pushes the feed's updates: then it is polled only every
        # poll_max_seconds, as a safety net; when the hub fails the usual schedule is back.
        self.pushed = pushed
        self.rng = rng
        self.clock = clock
        self.on_outcome = on_outcome
        self._languages: dict[str, str] = {}
        self._writer = BatchWriter(store)
        self._digests: dict[int, bytes] = {}  # feed id -> hash of the last body stored
        self._pool: ProcessPoolExecutor | None = None  # parse workers: kept until ``close``

    async def run_once(
        self, feeds: Sequence[Feed] | None = None, stop: asyncio.Event | None = None
    ) -> IngestSummary:
        """Poll ``feeds`` (default: every due feed) once. When ``stop`` is set, fetches in
        flight are abandoned, commits in flight are finished, and the summary says so."""
        try:
            return await self.round(feeds, stop)
        finally:
            self.close()

    async def round(
        self, feeds: Sequence[Feed] | None = None, stop: asyncio.Event | None = None
    ) -> IngestSummary:
        """As ``run_once``, but the parse workers stay up for the next round until ``close``
        (a service loop keeps them: starting two costs a second of CPU)."""
        start = time.perf_counter()
        if feeds is None:
            pairs = await asyncio.to_thread(self.store.due_feeds, self.clock())
        else:
            pairs = await asyncio.to_thread(_with_states, self.store, feeds)
        # Feeds in flight (fetched, parsed, waiting to be stored) are bounded, not just
        # fetches: storing is the slowest step, and unbounded parsed feeds pile up in memory.
        in_flight = asyncio.Semaphore(2 * self.settings.fetch_concurrency)

        async def bounded(feed: Feed, state: FeedState) -> FeedOutcome:
            async with in_flight:
                return await self.poll(fetcher, feed, state)

        async with Fetcher(self.settings) as fetcher:
            tasks = [asyncio.create_task(bounded(f, s)) for f, s in pairs]
            try:
                stopped = await _wait(tasks, stop)
            except asyncio.CancelledError:
                # Cancelled from outside (a web server shutting down): take the feeds'
                # tasks down too, and let commits already begun finish, before giving up.
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await self._drain()
                raise
            outcomes = [t.result() for t in tasks if t.done() and not t.cancelled() and t.exception() is None]
        await self._drain()
        return IngestSummary(tuple(outcomes), time.perf_counter() - start, stopped)

    async def seconds_until_next_due(self) -> float:
        """Seconds until the next enabled feed is due: 1 to IDLE_SLEEP_MAX."""
        states = await asyncio.to_thread(self.store.feed_states)
        now = self.clock()
        upcoming = [s.next_poll for f, s in states if f.enabled and s.next_poll is not None]
        if any(f.enabled and s.next_poll is None for f, s in states):
            return 1.0
        if not upcoming:
            return IDLE_SLEEP_MAX
        return max(1.0, min(IDLE_SLEEP_MAX, (min(upcoming) - now).total_seconds()))

    async def poll(self, fetcher: Fetcher, feed: Feed, state: FeedState) -> FeedOutcome:
        """Fetch, parse and store one feed. Never raises for the feed's own failures."""
        try:
            try:
                result = await fetcher.fetch(feed.url, etag=state.etag, last_modified=state.last_modified)
            except FetchError as exc:
                outcome = await self._failed(feed, state, exc)
            else:
                outcome = await self._fetched(feed, state, result)
        except Exception as exc:  # a bug must cost one feed, not the round; it is logged in full
            log.exception("unexpected error polling %s", feed.url)
            outcome = FeedOutcome(feed, "failed", error=f"internal error: {exc!r}")
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        return outcome

    async def _fetched(self, feed: Feed, state: FeedState, result: FetchResult) -> FeedOutcome:
        now = self.clock()
        moved = await self._follow_move(feed, result)
        digest = hashlib.blake2b(result.body, digest_size=16).digest()
        # A server without ETag or Last-Modified sends the same bytes again: as good as a 304.
        unchanged = result.not_modified or self._digests.get(_id(feed)) == digest
        if unchanged:
            items: list[FeedItem] = []
            entry_times: list[datetime] = []
        else:
            language = await self._publisher_language(feed.publisher_id)
            try:
                articles = await self._parse(feed, result, now, language)
            except FeedParseError as exc:
                return await self._failed(feed, state, exc, result)
            items = [FeedItem(a, _id(feed)) for a in articles]
            entry_times = [a.published for a in articles]
        new_state = after_success(
            state, now, entry_times=entry_times, max_age=result.max_age,
            etag=result.etag, last_modified=result.last_modified, policy=self.policy, rng=self.rng,
        )  # fmt: skip
        if self.pushed is not None and await asyncio.to_thread(self.pushed, _id(feed)):
            relaxed = now + timedelta(seconds=self.settings.poll_max_seconds)
            new_state = replace(new_state, next_poll=max(new_state.next_poll or relaxed, relaxed))
        record = FetchRecord(
            feed_id=_id(feed), at=now, status=result.status, latency_ms=result.latency_ms,
            bytes=result.bytes, next_poll=new_state.next_poll,
        )  # fmt: skip
        try:
            results = await self._commit(record, new_state, items)
        except NewsstandError as exc:
            return FeedOutcome(feed, "failed", error=f"storing failed: {exc}", http_status=result.status)
        if not result.not_modified:
            self._digests[_id(feed)] = digest
        return FeedOutcome(
            feed,
            "not_modified" if unchanged else "ok",
            new_entries=sum(1 for r in results if r.created),
            updated_entries=sum(1 for r in results if r.changed and not r.created),
            http_status=result.status,
            latency_ms=result.latency_ms,
            bytes=result.bytes,
            next_poll=new_state.next_poll,
            moved_to=moved,
            **_hubs(result),
        )

    async def _parse(self, feed: Feed, result: FetchResult, now: datetime, language: str) -> list[Article]:
        """Parse and sanitize off the event loop: in a thread, or in worker processes when
        ``parse_processes`` asks for them (the work is CPU-bound and holds the GIL)."""
        args = (result.body, result.final_url, result.content_type, feed, now, language)
        processes = self.settings.parse_processes
        if processes <= 0:
            return await asyncio.to_thread(parse_articles, *args)
        if self._pool is None:
            # spawn, not fork: this process runs threads (the store's, to_thread's).
            self._pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, parse_articles, *args)
        except BrokenProcessPool:
            self.close()  # a worker died (killed, out of memory): the next feed gets a new pool
            raise

    def close(self) -> None:
        """Stop the parse workers, if any (a later round starts new ones)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def _failed(
        self, feed: Feed, state: FeedState, exc: NewsstandError, result: FetchResult | None = None
    ) -> FeedOutcome:
        now = self.clock()
        retry_after = exc.retry_after if isinstance(exc, HTTPStatusError) else None
        status = exc.status if isinstance(exc, HTTPStatusError) else (result.status if result else None)
        error = f"{type(exc).__name__}: {getattr(exc, 'reason', str(exc))}"
        new_state = after_failure(
            state, now, error=error, retry_after=retry_after, policy=self.policy, rng=self.rng
        )
        record = FetchRecord(
            feed_id=_id(feed), at=now, status=status, latency_ms=result.latency_ms if result else 0.0,
            bytes=result.bytes if result else 0, error=error,
            consecutive_failures=new_state.consecutive_failures, next_poll=new_state.next_poll,
        )  # fmt: skip
        disabled = isinstance(exc, GoneError)
        try:
            await self._commit(record, new_state, [])
            if disabled:
                reason = f"410 Gone at {now:%Y-%m-%d %H:%M} UTC: the publisher removed this feed"
                await asyncio.to_thread(self.store.set_feed_enabled, _id(feed), False, reason)
        except NewsstandError as exc2:
            error = f"{error}; storing the failure failed: {exc2}"
        return FeedOutcome(
            feed, "failed", error=error, http_status=status, next_poll=new_state.next_poll,
            disabled=disabled, unreachable=isinstance(exc, NetworkError | FetchTimeoutError),
        )  # fmt: skip

    async def _follow_move(self, feed: Feed, result: FetchResult) -> str:
        target = result.permanent_redirect_to
        if not target or target == feed.url:
            return ""
        try:
            await asyncio.to_thread(self.store.update_feed_url, _id(feed), target)
        except (ConflictError, NotFoundError) as exc:
            log.warning("feed %s moved to %s but cannot follow: %s", feed.url, target, exc)
            return ""
        return target

    async def _publisher_language(self, publisher_id: str) -> str:
        if publisher_id not in self._languages:
            try:
                publisher = await asyncio.to_thread(self.store.get_publisher, publisher_id)
                self._languages[publisher_id] = publisher.language
            except NotFoundError:
                self._languages[publisher_id] = ""
        return self._languages[publisher_id]

    async def _commit(
        self, record: FetchRecord, state: FeedState, items: list[FeedItem]
    ) -> list[UpsertResult]:
        """Store one fetch in one transaction (shared with the fetches that arrive meanwhile,
        see ingest/writer.py). Shielded: a stop request does not interrupt a commit that
        has begun; ``_drain`` waits for it before the round returns."""
        return await self._writer.write((record, state, items))

    async def _drain(self) -> None:
        """Wait for every commit, then make what the round stored searchable."""
        await self._writer.drain()
        try:
            indexed = await asyncio.to_thread(self.store.index_search)
        except NewsstandError as exc:  # the articles are stored; the next round indexes them
            log.warning("search indexing failed: %s", exc)
        else:
            if indexed:
                log.debug("indexed %d articles for search", indexed)


def _hubs(result: FetchResult) -> dict[str, Any]:
    """The WebSub hubs and topic a fetched feed announces (none for a 304 or an unreadable
    document: the feed is then simply polled)."""
    if result.not_modified:
        return {}
    try:
        document = feed_links(result.body, result.final_url) if result.body else None
    except FeedParseError:
        document = None
    link = result.headers.get("link", "")
    found = discover(result.final_url, [link] if link else [], document)
    return {"hubs": found.hubs, "topic": found.topic} if found.hubs else {}


def _with_states(store: Store, feeds: Sequence[Feed]) -> list[tuple[Feed, FeedState]]:
    """Each feed with its stored state, read in one query (one per feed took 1-2 ms each)."""
    states = {_id(f): s for f, s in store.feed_states()}
    return [(f, states[_id(f)] if _id(f) in states else store.get_feed_state(_id(f))) for f in feeds]


def _id(feed: Feed) -> int:
    if feed.id is None:
        raise NotFoundError("feed (not stored yet)", feed.url)
    return feed.id


async def _wait(tasks: Sequence[asyncio.Task[Any]], stop: asyncio.Event | None) -> bool:
    """Wait for every task, or cancel the unfinished ones once ``stop`` is set. True if stopped."""
    if not tasks:
        return bool(stop and stop.is_set())
    if stop is None:
        await asyncio.gather(*tasks, return_exceptions=True)
        return False
    stopper = asyncio.create_task(stop.wait())
    pending: set[asyncio.Task[object]] = {*tasks, stopper}
    try:
        while pending - {stopper}:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                break
    finally:
        stopper.cancel()
    unfinished = [t for t in tasks if not t.done()]
    for task in unfinished:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return bool(unfinished)
