"""The scheduler's look and a worker's poll, without a broker: what a message may do twice.

Both run on SQLite and PostgreSQL against feeds served on 127.0.0.1; the scheduler's
"send" is a list the test reads, as the broker's queue would be.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import datetime

import pytest

from ingest.conftest import FeedServer, Route
from ingest.feeds import rss, rss_item
from newsstand.app.distributed import LEADER, FeedScheduler, FeedWorker, while_leading
from newsstand.config import Settings
from newsstand.errors import BusyError
from newsstand.model import Feed, Publisher, utcnow
from newsstand.store import SqlStore


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    yield srv
    srv.close()


def _catalog(store: SqlStore, server: FeedServer, n: int) -> list[int]:
    store.add_publisher(Publisher("example", "Example News", "https://news.example.org", "GB", "en"))
    ids = []
    for k in range(n):
        items = [rss_item(i, link=f"https://news.example.org/{k}/{i}", guid=f"{k}-{i}") for i in range(5)]
        server.routes[f"/f{k}.xml"] = Route(rss(items), etag=f'"{k}"')
        feed = store.add_feed(Feed(server.url(f"/f{k}.xml"), "example", "world"))
        assert feed.id is not None
        ids.append(feed.id)
    return ids


def _settings(store_settings: Settings) -> Settings:
    return store_settings.replace(allow_private_addresses="127.0.0.1/32", fetch_full_text=False)


def test_one_scheduler_sends_due_feeds_once_and_a_second_waits(
    store: SqlStore, store_settings: Settings, server: FeedServer
) -> None:
    ids = _catalog(store, server, 3)
    sent: list[tuple[Sequence[int], datetime]] = []
    steps: list[str] = []
    settings = _settings(store_settings)
    first = FeedScheduler(store, settings, lambda i, at: sent.append((i, at)), lambda: steps.append("s"))
    second = FeedScheduler(store, settings, lambda i, at: sent.append((i, at)), lambda: steps.append("s"))
    look = first.look()
    assert look.leader and look.queued == 3 and look.steps_sent
    assert not second.look().leader
    assert first.look().queued == 0  # queued already: not sent twice
    assert [sorted(i) for i, _ in sent] == [sorted(ids)] and steps == ["s"]
    first.resign()
    assert second.look().leader  # the first gave up its lease: the second leads at once


def test_a_worker_polls_a_feed_once_however_often_its_message_comes(
    store: SqlStore, store_settings: Settings, server: FeedServer
) -> None:
    ids = _catalog(store, server, 2)
    worker = FeedWorker(store, _settings(store_settings))
    queued_at = utcnow()

    async def run() -> None:
        try:
            outcome = await worker.ingest(ids[0], queued_at)
            assert outcome is not None and outcome.new_entries == 5
            # The same message again (redelivered): polled since it was queued, nothing to do.
            assert await worker.ingest(ids[0], queued_at) is None
            # Another worker holds the other feed: this one is told to come back later.
            assert store.claim_feed(ids[1], "someone else", utcnow(), 60)
            with pytest.raises(BusyError):
                await worker.ingest(ids[1], queued_at)
        finally:
            await worker.close()

    asyncio.run(run())
    assert server.hits["/f0.xml"] == 1 and server.hits["/f1.xml"] == 0
    assert store.count_articles() == 5


def test_work_runs_only_while_its_lease_is_held(store: SqlStore) -> None:
    ran: list[str] = []

    async def job(name: str) -> None:
        ran.append(name)
        await asyncio.sleep(10)

    async def run() -> None:
        one = asyncio.create_task(while_leading(store, "web-background", "one", 1.5, lambda: job("one")))
        await asyncio.sleep(0.3)
        two = asyncio.create_task(while_leading(store, "web-background", "two", 1.5, lambda: job("two")))
        await asyncio.sleep(0.6)
        assert ran == ["one"]
        one.cancel()  # the first process stops: it gives the lease up, the second takes over
        await asyncio.gather(one, return_exceptions=True)
        await asyncio.sleep(1.0)
        assert ran == ["one", "two"]
        two.cancel()
        await asyncio.gather(two, return_exceptions=True)

    asyncio.run(run())
    assert store.lease_holder("web-background", utcnow()) is None
    assert store.lease_holder(LEADER, utcnow()) is None
