"""BatchWriter against a real store: group commits, per-caller results and errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from newsstand.errors import NotFoundError, StorageError
from newsstand.ingest import writer as writer_module
from newsstand.ingest.writer import BatchWriter
from newsstand.model import Article, Feed, FeedState, FetchRecord, Publisher, SearchQuery, UpsertResult
from newsstand.store import SqlStore
from newsstand.store.base import FeedItem, Fetched

from .feeds import BASE_TIME


def _feeds(store: SqlStore, count: int) -> list[Feed]:
    store.add_publisher(Publisher("example", "Example News", "https://news.example.org", "GB", "en"))
    return [
        store.add_feed(Feed(url=f"https://news.example.org/feed/{k}.xml", publisher_id="example"))
        for k in range(count)
    ]


def _url(feed_id: int, n: int) -> str:
    return f"https://news.example.org/f{feed_id}/story/{n}"


def _fetched(feed_id: int, articles: int, word: str = "ordinary") -> Fetched:
    items = [
        FeedItem(
            Article(
                publisher_id="example",
                url=_url(feed_id, n),
                title=f"Story {n} of feed {feed_id}",
                published=BASE_TIME - timedelta(minutes=n),
                guid=f"{feed_id}-{n}",
                body_html=f"<p>An {word} report, number {n}.</p>",
                body_text=f"An {word} report, number {n}.",
                fetched=BASE_TIME,
            ),
            feed_id,
        )
        for n in range(articles)
    ]
    record = FetchRecord(feed_id=feed_id, at=BASE_TIME, status=200, latency_ms=5.0, bytes=100)
    state = FeedState(feed_id=feed_id, last_fetched=BASE_TIME, last_success=BASE_TIME, etag=f'"{feed_id}"')
    return record, state, items


def _count_batches(monkeypatch: pytest.MonkeyPatch, store: SqlStore) -> list[list[int]]:
    """Wrap the store's record_fetches; each call's feed ids are appended to the list returned."""
    batches: list[list[int]] = []
    real = store.record_fetches

    def counting(fetches: Sequence[Fetched], *, defer_search: bool = False) -> Any:
        batches.append([record.feed_id for record, _, _ in fetches])
        return real(fetches, defer_search=defer_search)

    monkeypatch.setattr(store, "record_fetches", counting)
    return batches


def _write_all(store: SqlStore, fetches: Sequence[Fetched]) -> list[list[UpsertResult] | BaseException]:
    async def go() -> list[list[UpsertResult] | BaseException]:
        writer = BatchWriter(store)
        results = await asyncio.gather(*(writer.write(f) for f in fetches), return_exceptions=True)
        await writer.drain()
        return results

    return asyncio.run(go())


def _assert_stored(store: SqlStore, fetched: Fetched, results: list[UpsertResult]) -> None:
    record, _, items = fetched
    assert len(results) == len(items)
    for item, result in zip(items, results, strict=True):
        assert result.created and result.changed
        assert store.get_article(result.article_id).url == item.article.url
    health = store.feed_health(record.feed_id)
    assert [(h.status, h.new_entries) for h in health] == [(200, len(items))]
    assert store.get_feed_state(record.feed_id).etag == f'"{record.feed_id}"'


def test_concurrent_writes_share_transactions_and_each_gets_its_own_results(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
):
    feeds = _feeds(store, 30)
    batches = _count_batches(monkeypatch, store)
    fetches = [_fetched(f.id or 0, 1 + k % 4) for k, f in enumerate(feeds)]

    results = _write_all(store, fetches)

    assert len(batches) < len(fetches)
    assert sorted(i for batch in batches for i in batch) == sorted(f.id or 0 for f in feeds)
    for fetched, result in zip(fetches, results, strict=True):
        assert isinstance(result, list)
        _assert_stored(store, fetched, result)
    assert store.count_articles() == sum(1 + k % 4 for k in range(30))


def test_unknown_feed_fails_alone_in_its_batch(store: SqlStore, monkeypatch: pytest.MonkeyPatch):
    feeds = _feeds(store, 4)
    batches = _count_batches(monkeypatch, store)
    unknown = max(f.id or 0 for f in feeds) + 1000
    fetches = [_fetched(f.id or 0, 2) for f in feeds[:2]] + [_fetched(unknown, 2)]
    fetches += [_fetched(f.id or 0, 2) for f in feeds[2:]]

    results = _write_all(store, fetches)

    assert len(batches) == 1  # the unknown feed shared the transaction with the others
    assert isinstance(results[2], NotFoundError)
    for fetched, result in zip(fetches[:2] + fetches[3:], results[:2] + results[3:], strict=True):
        assert isinstance(result, list)
        _assert_stored(store, fetched, result)
    assert store.count_articles() == 8
    with pytest.raises(NotFoundError):
        store.get_article_by_url(_url(unknown, 0))


def test_failed_transaction_is_stored_again_one_by_one(store: SqlStore, monkeypatch: pytest.MonkeyPatch):
    feeds = _feeds(store, 5)
    real_many, real_one = store.record_fetches, store.record_fetch
    calls = {"many": 0, "one": 0}

    def failing_once(fetches: Sequence[Fetched], *, defer_search: bool = False) -> Any:
        calls["many"] += 1
        if calls["many"] == 1:
            raise StorageError("database error: the connection went away")
        return real_many(fetches, defer_search=defer_search)

    def one(record: FetchRecord, state: FeedState, items: Sequence[FeedItem]) -> Any:
        calls["one"] += 1
        return real_one(record, state, items)

    monkeypatch.setattr(store, "record_fetches", failing_once)
    monkeypatch.setattr(store, "record_fetch", one)
    unknown = max(f.id or 0 for f in feeds) + 1000
    fetches = [_fetched(f.id or 0, 3) for f in feeds] + [_fetched(unknown, 1)]

    results = _write_all(store, fetches)

    assert calls == {"many": 1, "one": len(fetches)}
    for fetched, result in zip(fetches[:-1], results[:-1], strict=True):
        assert isinstance(result, list)
        _assert_stored(store, fetched, result)
    # One by one, a bad fetch still costs only itself.
    assert isinstance(results[-1], NotFoundError)
    assert store.count_articles() == 15


def test_unexpected_error_reaches_every_caller_without_hanging(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
):
    feeds = _feeds(store, 3)

    def broken(fetches: Sequence[Fetched], *, defer_search: bool = False) -> Any:
        raise RuntimeError("a bug in storing")

    monkeypatch.setattr(store, "record_fetches", broken)
    results = _write_all(store, [_fetched(f.id or 0, 1) for f in feeds])
    assert all(isinstance(r, RuntimeError) and str(r) == "a bug in storing" for r in results)
    assert store.count_articles() == 0


def test_cancelled_caller_does_not_stop_its_fetch_being_stored(store: SqlStore):
    feeds = _feeds(store, 3)
    fetches = [_fetched(f.id or 0, 2) for f in feeds]

    async def go() -> tuple[list[Any], bool]:
        writer = BatchWriter(store)
        tasks = [asyncio.create_task(writer.write(f)) for f in fetches]
        await asyncio.sleep(0)  # every fetch is queued; the write has not finished
        tasks[1].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await writer.drain()
        return results, tasks[1].cancelled()

    results, cancelled = asyncio.run(go())

    assert cancelled and isinstance(results[1], asyncio.CancelledError)
    for fetched in fetches:
        record, _, items = fetched
        assert [a.title for a in (store.get_article_by_url(i.article.url) for i in items)] == [
            i.article.title for i in items
        ]
        assert len(store.feed_health(record.feed_id)) == 1
    assert isinstance(results[0], list) and isinstance(results[2], list)


def test_cancelled_caller_while_the_transaction_runs(store: SqlStore, monkeypatch: pytest.MonkeyPatch):
    """Cancelled while its transaction is in the database thread: the commit still lands."""
    feeds = _feeds(store, 2)
    real = store.record_fetches
    entered = asyncio.Event()
    loop_box: list[asyncio.AbstractEventLoop] = []

    def slow(fetches: Sequence[Fetched], *, defer_search: bool = False) -> Any:
        loop_box[0].call_soon_threadsafe(entered.set)
        time.sleep(0.3)
        return real(fetches, defer_search=defer_search)

    monkeypatch.setattr(store, "record_fetches", slow)
    fetches = [_fetched(f.id or 0, 2) for f in feeds]

    async def go() -> None:
        loop_box.append(asyncio.get_running_loop())
        writer = BatchWriter(store)
        tasks = [asyncio.create_task(writer.write(f)) for f in fetches]
        await entered.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert all(t.cancelled() for t in tasks)
        await writer.drain()

    asyncio.run(go())
    assert store.count_articles() == 4
    assert all(len(store.feed_health(f.id or 0)) == 1 for f in feeds)


def test_articles_are_searchable_after_drain(store: SqlStore, monkeypatch: pytest.MonkeyPatch):
    feeds = _feeds(store, 6)
    deferred: list[bool] = []
    real = store.record_fetches

    def watching(fetches: Sequence[Fetched], *, defer_search: bool = False) -> Any:
        deferred.append(defer_search)
        return real(fetches, defer_search=defer_search)

    monkeypatch.setattr(store, "record_fetches", watching)
    fetches = [_fetched(f.id or 0, 2, word="quetzalcoatlus") for f in feeds]
    fetches.append(_fetched(feeds[0].id or 0, 0))  # a 304 in the same queue

    results = _write_all(store, fetches)

    assert all(isinstance(r, list) for r in results) and deferred and all(deferred)
    page = store.search(SearchQuery("quetzalcoatlus", limit=50))
    assert {h.article.url for h in page.hits} == {_url(f.id or 0, n) for f in feeds for n in range(2)}
    # Nothing is left waiting for the index.
    assert store.index_search() == 0


def test_batches_respect_the_fetch_and_article_limits(store: SqlStore, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(writer_module, "MAX_FETCHES", 3)
    monkeypatch.setattr(writer_module, "MAX_ARTICLES", 5)
    sizes = [2, 2, 2, 1, 1, 1, 1, 7, 1, 0, 0, 0, 0, 4, 4]
    feeds = _feeds(store, len(sizes))
    size_of = {f.id: size for f, size in zip(feeds, sizes, strict=True)}
    batches = _count_batches(monkeypatch, store)
    fetches = [_fetched(f.id or 0, size) for f, size in zip(feeds, sizes, strict=True)]

    results = _write_all(store, fetches)

    assert all(isinstance(r, list) for r in results)
    assert len(batches) < len(fetches)
    for batch in batches:
        assert 1 <= len(batch) <= 3
        articles = sum(size_of[i] for i in batch)
        # A fetch bigger than the limit still goes, alone.
        assert articles <= 5 or len(batch) == 1, batch
    # First come, first stored: the queue's order is kept across batches.
    assert [i for batch in batches for i in batch] == [f.id for f in feeds]
    assert [len(b) for b in batches if sum(size_of[i] for i in b) > 5] == [1]
    assert store.count_articles() == sum(sizes)


def test_a_new_event_loop_drops_what_a_dead_one_left_queued(store: SqlStore) -> None:
    # Each asyncio.run brings a new loop (the CLI, the benchmark). Should a loop die with
    # fetches still queued, their futures belong to it and can never be completed: the
    # writer must not try, or the next loop's callers would wait for ever.
    feeds = _feeds(store, 2)
    writer = BatchWriter(store)
    dead = asyncio.new_event_loop()
    stale: asyncio.Future[list[UpsertResult]] = dead.create_future()
    writer._waiting.append((_fetched(_id(feeds[0]), 1), stale))
    writer._loop = dead
    dead.close()

    async def next_round() -> list[UpsertResult]:
        results = await asyncio.wait_for(writer.write(_fetched(_id(feeds[1]), 2)), timeout=30)
        await writer.drain()
        return results

    results = asyncio.run(next_round())
    assert [r.created for r in results] == [True, True]
    assert store.count_articles() == 2  # the dead loop's fetch was dropped, not stored
    assert not stale.done()


def _id(feed: Feed) -> int:
    assert feed.id is not None
    return feed.id


def test_fetches_without_articles_wait_a_little_for_company(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A round of unchanged feeds is all 304s arriving a millisecond or so apart: without
    # a short wait each would commit on its own.
    feeds = _feeds(store, 12)
    batches = _count_batches(monkeypatch, store)

    async def trickle() -> None:
        writer = BatchWriter(store)
        pending = []
        for feed in feeds:
            pending.append(asyncio.create_task(writer.write(_fetched(_id(feed), 0))))
            await asyncio.sleep(0.001)
        await asyncio.gather(*pending)
        await writer.drain()

    asyncio.run(trickle())
    assert sorted(i for batch in batches for i in batch) == sorted(_id(f) for f in feeds)
    assert len(batches) <= 4
    assert all(store.get_feed_state(_id(f)).etag == f'"{_id(f)}"' for f in feeds)
