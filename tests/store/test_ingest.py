"""Feed state, health and record_fetch: atomicity, due feeds, ordering."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsstand.errors import NotFoundError, StorageError
from newsstand.model import FeedState
from newsstand.store import FeedItem, SqlStore

from .helpers import T0, article, feed_id, record, state, with_feed


def test_blank_state_for_a_feed_never_fetched(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    assert store.get_feed_state(fid) == FeedState(feed_id=fid)
    with pytest.raises(NotFoundError):
        store.get_feed_state(12345)


def test_record_fetch_stores_articles_state_and_health(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    new_state = state(
        fid, etag='"v1"', last_modified="Wed, 01 May 2024 12:00:00 GMT", last_fetched=T0,
        last_success=T0, next_poll=T0 + timedelta(minutes=30),
    )  # fmt: skip
    items = [FeedItem(article(n), fid) for n in range(3)]
    results = store.record_fetch(record(fid, bytes=1234), new_state, items)
    assert [r.created for r in results] == [True, True, True]
    assert store.get_feed_state(fid) == new_state
    [health] = store.feed_health(fid)
    assert (health.bytes, health.new_entries, health.updated_entries) == (1234, 3, 0)
    assert health.at == T0 and health.at.tzinfo is not None
    # The same items again: nothing new, nothing changed, no duplicates.
    again = store.record_fetch(record(fid, at=T0 + timedelta(minutes=30)), new_state, items)
    assert [(r.created, r.changed) for r in again] == [(False, False)] * 3
    assert [r.article_id for r in again] == [r.article_id for r in results]
    assert store.count_articles() == 3
    assert [h.new_entries for h in store.feed_health(fid)] == [0, 3]


def test_record_fetch_is_atomic(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    before = state(fid, etag="old")
    store.record_fetch(record(fid), before)
    # The second item names a feed that does not exist: the whole fetch must roll back.
    items = [FeedItem(article(1), fid), FeedItem(article(2), 9999)]
    with pytest.raises(NotFoundError):
        store.record_fetch(record(fid, at=T0 + timedelta(hours=1)), state(fid, etag="new"), items)
    assert store.count_articles() == 0
    assert store.get_feed_state(fid).etag == "old"
    assert len(store.feed_health(fid)) == 1


def test_record_fetch_rolls_back_on_a_database_error(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    # The database itself refuses the second article (a NOT NULL title), after the
    # first article was written: nothing of the fetch may remain.
    broken = article(2, title=None)
    items = [FeedItem(article(1), fid), FeedItem(broken, fid)]
    with pytest.raises(StorageError):
        store.record_fetch(record(fid), state(fid, etag="new"), items)
    assert store.count_articles() == 0
    assert store.get_feed_state(fid) == FeedState(feed_id=fid)
    assert store.feed_health(fid) == []


def test_record_fetch_for_unknown_feed(store: SqlStore) -> None:
    with pytest.raises(NotFoundError):
        store.record_fetch(record(77), state(77))


def test_due_feeds(store: SqlStore) -> None:
    never = feed_id(with_feed(store, "a", "never"))
    past = feed_id(with_feed(store, "a", "past"))
    earlier = feed_id(with_feed(store, "a", "earlier"))
    future = feed_id(with_feed(store, "a", "future"))
    off = feed_id(with_feed(store, "a", "off"))
    store.save_feed_state(state(past, next_poll=T0 - timedelta(minutes=5)))
    store.save_feed_state(state(earlier, next_poll=T0 - timedelta(hours=2)))
    store.save_feed_state(state(future, next_poll=T0 + timedelta(minutes=5)))
    store.set_feed_enabled(off, False, "broken")
    due = store.due_feeds(T0)
    assert [f.id for f, _ in due] == [never, earlier, past]
    assert due[1][1].next_poll == T0 - timedelta(hours=2)
    assert [f.id for f, _ in store.due_feeds(T0, limit=2)] == [never, earlier]
    # At exactly next_poll the feed is due.
    assert future in [f.id for f, _ in store.due_feeds(T0 + timedelta(minutes=5))]


def test_due_feeds_skip_disabled_publishers(store: SqlStore) -> None:
    from .helpers import publisher

    fid = feed_id(with_feed(store, "quiet"))
    store.update_publisher(publisher("quiet", enabled=False))
    assert fid not in [f.id for f, _ in store.due_feeds(T0)]


def test_feed_states_failing_first(store: SqlStore) -> None:
    ok = feed_id(with_feed(store, "a", "ok"))
    flaky = feed_id(with_feed(store, "a", "flaky"))
    dead = feed_id(with_feed(store, "a", "dead"))
    worse = feed_id(with_feed(store, "a", "worse"))
    store.save_feed_state(state(ok, last_success=T0))
    store.save_feed_state(state(flaky, consecutive_failures=2, last_error="timeout"))
    store.save_feed_state(state(dead, consecutive_failures=6, failing=True))
    store.save_feed_state(state(worse, consecutive_failures=9, failing=True))
    order = [f.id for f, _ in store.feed_states()]
    assert order == [worse, dead, flaky, ok]
    by_id = {f.id: s for f, s in store.feed_states()}
    assert by_id[flaky].last_error == "timeout" and by_id[worse].failing


def test_feed_health_newest_first_and_limited(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    for n in range(5):
        store.record_fetch(
            record(fid, at=T0 + timedelta(minutes=n), status=500 if n % 2 else 200, error="x" * n),
            state(fid, consecutive_failures=n),
        )
    health = store.feed_health(fid, limit=3)
    assert [h.at for h in health] == [T0 + timedelta(minutes=n) for n in (4, 3, 2)]
    assert [h.status for h in health] == [200, 500, 200]
    assert store.get_feed_state(fid).consecutive_failures == 4
