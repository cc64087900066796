"""Leases, feed claims and host slots: what lets several processes share the work (both databases)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from newsstand.model import Feed, FeedState
from newsstand.store import SqlStore

from .helpers import T0, publisher


def _feeds(store: SqlStore, n: int) -> list[int]:
    store.add_publisher(publisher())
    ids = []
    for i in range(n):
        feed = store.add_feed(Feed(f"https://daily.example/{i}.xml", "daily", "world"))
        assert feed.id is not None
        ids.append(feed.id)
    return ids


def test_one_lease_holder_until_it_expires_or_is_released(store: SqlStore) -> None:
    assert store.take_lease("scheduler", "a", T0, 30)
    assert not store.take_lease("scheduler", "b", T0 + timedelta(seconds=10), 30)
    assert store.take_lease("scheduler", "a", T0 + timedelta(seconds=10), 30)  # renewed
    assert store.lease_holder("scheduler", T0 + timedelta(seconds=20)) == "a"
    assert not store.take_lease("scheduler", "b", T0 + timedelta(seconds=39), 30)
    assert store.take_lease("scheduler", "b", T0 + timedelta(seconds=41), 30)  # a's ran out
    store.release_lease("scheduler", "a")  # not a's any more: nothing happens
    assert store.lease_holder("scheduler", T0 + timedelta(seconds=42)) == "b"
    store.release_lease("scheduler", "b")
    assert store.lease_holder("scheduler", T0 + timedelta(seconds=42)) is None


def test_due_feeds_are_queued_once_until_the_requeue_time(store: SqlStore) -> None:
    ids = _feeds(store, 3)
    store.save_feed_state(FeedState(ids[2], next_poll=T0 + timedelta(hours=1)))  # not due
    assert sorted(store.queue_due_feeds(T0, 100, 600)) == sorted(ids[:2])
    assert store.queue_due_feeds(T0 + timedelta(seconds=5), 100, 600) == []
    assert store.queued_feeds(T0) == (2, 0)
    # Queued ten minutes ago and still not polled: its message was lost, queue it again.
    assert sorted(store.queue_due_feeds(T0 + timedelta(seconds=601), 100, 600)) == sorted(ids[:2])
    store.unqueue_feeds(ids[:1])
    assert store.queue_due_feeds(T0 + timedelta(seconds=602), 100, 600) == ids[:1]


def test_a_feed_is_held_by_one_worker_until_released_or_its_lease_ends(store: SqlStore) -> None:
    ids = _feeds(store, 1)
    assert store.queue_due_feeds(T0, 100, 600) == ids
    assert store.claim_feed(ids[0], "w1", T0, 60)
    assert not store.claim_feed(ids[0], "w2", T0 + timedelta(seconds=30), 60)
    assert store.queued_feeds(T0 + timedelta(seconds=30)) == (1, 1)
    # Held: the scheduler does not queue it again even when the requeue time has passed.
    assert store.queue_due_feeds(T0 + timedelta(seconds=59), 100, 10) == []
    # w1 was killed: after its lease the feed is w2's.
    assert store.claim_feed(ids[0], "w2", T0 + timedelta(seconds=61), 60)
    store.release_feed(ids[0], "w1")  # too late to matter
    assert not store.claim_feed(ids[0], "w3", T0 + timedelta(seconds=62), 60)
    store.release_feed(ids[0], "w2")
    assert store.queued_feeds(T0 + timedelta(seconds=62)) == (0, 0)
    assert store.claim_feed(ids[0], "w3", T0 + timedelta(seconds=63), 60)  # no row: made


def test_host_slots_cap_fetches_to_one_host(store: SqlStore) -> None:
    assert store.take_host_slot("a.example", "t1", T0, 30, 2)
    assert store.take_host_slot("a.example", "t2", T0, 30, 2)
    assert not store.take_host_slot("a.example", "t3", T0, 30, 2)
    assert store.take_host_slot("b.example", "t3", T0, 30, 2)  # another host
    store.release_host_slot("a.example", "t1")
    assert store.take_host_slot("a.example", "t3", T0, 30, 2)
    assert not store.take_host_slot("a.example", "t4", T0 + timedelta(seconds=29), 30, 2)
    assert store.take_host_slot("a.example", "t4", T0 + timedelta(seconds=31), 30, 2)  # expired


def test_concurrent_takers_never_exceed_the_host_limit(store: SqlStore) -> None:
    won: list[str] = []
    lock = threading.Lock()

    def take(name: str) -> None:
        if store.take_host_slot("busy.example", name, T0, 30, 3):
            with lock:
                won.append(name)

    threads = [threading.Thread(target=take, args=(f"t{i}",)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(won) == 3


def test_concurrent_lease_takers_elect_one(store: SqlStore) -> None:
    won: list[str] = []
    lock = threading.Lock()

    def take(name: str) -> None:
        if store.take_lease("leader", name, T0, 30):
            with lock:
                won.append(name)

    threads = [threading.Thread(target=take, args=(f"s{i}",)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(won) == 1


def test_live_blog_changes_are_heard_on_postgresql(pg_store: SqlStore) -> None:
    from newsstand.model import ArticleKind, LiveEntry, LiveMergeScope

    from .helpers import article

    pg_store.add_publisher(publisher())
    stored = pg_store.upsert_article(article(1, kind=ArticleKind.LIVEBLOG))
    heard: list[int] = []
    listener = pg_store.listen_live(heard.append)
    assert listener is not None
    try:
        assert listener.ready.wait(5)  # type: ignore[attr-defined]
        entry = LiveEntry(entry_id="e1", posted=T0, title="First", body_html="<p>x</p>", body_text="x")
        pg_store.merge_live_entries(stored.article_id, [entry], scope=LiveMergeScope.WHOLE)
        deadline = time.monotonic() + 5
        while not heard and time.monotonic() < deadline:
            time.sleep(0.05)
        assert heard == [stored.article_id]
    finally:
        listener.close()


def test_sqlite_cannot_listen(sqlite_store: SqlStore) -> None:
    assert sqlite_store.listen_live(lambda _: None) is None


def test_starting_a_poll_claims_the_feed_and_a_slot_of_its_host_at_once(store: SqlStore) -> None:
    ids = _feeds(store, 2)
    assert store.queue_due_feeds(T0, 100, 600) == ids
    start = store.start_poll(ids[0], "w1", T0, 60, 1)
    assert start.status == "ok" and start.host == "daily.example"
    assert start.feed is not None and start.feed.id == ids[0] and start.state is not None
    assert store.start_poll(ids[0], "w2", T0, 60, 1).status == "busy"
    # The other feed is on the same host, whose one slot w1 holds: held, but wait for the host.
    second = store.start_poll(ids[1], "w2", T0, 60, 1)
    assert second.status == "host_busy" and second.feed is not None
    store.unclaim_feed(ids[1], "w2")  # gave up waiting: still queued, not held
    assert store.queued_feeds(T0) == (2, 1)
    store.finish_poll(ids[0], "daily.example", "w1")
    assert store.queued_feeds(T0) == (1, 0)
    assert store.start_poll(ids[1], "w3", T0, 60, 1).status == "ok"
    assert store.start_poll(10_000_000, "w3", T0, 60, 1).status == "gone"
