"""A member's page made from memory: full reads decided and stored by the group commit's writer
(a reload stores nothing, and costs no query), saved articles kept per reader, and the
``memory_only`` guard that lets a handler try a page on the event loop."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from newsstand.app.cache import TtlCache, remember
from newsstand.app.groupcommit import GroupCommit
from newsstand.app.reading import HISTORY_REFRESH, SAME_READ_WINDOW, decide_read
from newsstand.config import Settings
from newsstand.errors import WouldBlock, memory_only, refuse_to_wait
from newsstand.model import Article, LicenceTier, Publisher, ReadRecord
from newsstand.store import SqlStore
from support import make_services

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PASSWORD = "a long enough secret"


def test_decide_read_stores_a_reload_once_and_pays_once_per_window() -> None:
    wanted = ReadRecord(1, 2, T0, "pub", True)
    assert decide_read(wanted, None, None) == wanted
    soon = T0 - HISTORY_REFRESH / 2
    assert decide_read(wanted, soon, soon) is None  # a reload
    later = T0 - HISTORY_REFRESH * 2
    assert decide_read(wanted, later, soon) == ReadRecord(1, 2, T0, None, True)  # history, not paid
    assert decide_read(wanted, later, T0 - SAME_READ_WINDOW) == wanted
    assert decide_read(ReadRecord(1, 2, T0, None, True), soon, None) is None  # nothing to pay


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def reading_setup(store: SqlStore, store_settings: Settings) -> tuple[object, Clock, Article, int]:
    clock = Clock()
    services = make_services(store, store_settings.replace(home_cache_seconds=60), clock)
    store.add_publisher(
        Publisher("pp", "Partner", "https://pp.example", "GB", "en", licence_tier=LicenceTier.PARTNER)
    )
    stored = store.upsert_article(
        Article("pp", "https://pp.example/a", "A headline", T0 - timedelta(hours=1), body_html="<p>Text.</p>")
    )
    reader = services.accounts.sign_up("reader@example.org", PASSWORD)  # on a trial: reads in full
    return services, clock, store.get_article(stored.article_id), reader.id


def paid_count(store: SqlStore) -> int:
    return len(store.paid_reads(T0 - timedelta(days=1), T0 + timedelta(days=1)))


def test_a_reload_stores_nothing_and_asks_nothing(
    store: SqlStore, reading_setup: tuple[object, Clock, Article, int]
) -> None:
    services, clock, article, reader_id = reading_setup
    reading = services.reading  # type: ignore[attr-defined]
    reader = services.accounts.get_reader(reader_id)  # type: ignore[attr-defined]
    membership = store.get_membership(reader_id)
    page, recorded = reading.open_article(article, reader, membership)
    assert page.access.full and recorded is not None
    recorded.result(timeout=10)
    assert [a.article.id for a in reading.history(reader_id)] == [article.id] and paid_count(store) == 1
    # A reload moments later: decided from memory, nothing submitted, nothing stored.
    clock.now += timedelta(seconds=20)
    with memory_only():
        again, recorded = reading.open_article(article, reader, membership)
    assert recorded is None and again.access.full
    # Past the history window the read moves up the history, but is not paid again.
    clock.now += HISTORY_REFRESH
    _, recorded = reading.open_article(article, reader, membership)
    assert recorded is not None
    recorded.result(timeout=10)
    assert reading.history(reader_id)[0].at == clock.now and paid_count(store) == 1
    # Marked unread, the next read puts it back at once.
    reading.mark_unread(reader_id, article.id)
    assert reading.history(reader_id) == []
    clock.now += timedelta(seconds=5)
    _, recorded = reading.open_article(article, reader, membership)
    assert recorded is not None
    recorded.result(timeout=10)
    assert [a.article.id for a in reading.history(reader_id)] == [article.id] and paid_count(store) == 1


def test_reads_of_one_batch_are_decided_in_order(
    store: SqlStore, reading_setup: tuple[object, Clock, Article, int]
) -> None:
    _, _, article, reader_id = reading_setup
    assert article.id is not None
    twice = [ReadRecord(reader_id, article.id, T0, "pp", True)] * 2
    stored = store.record_new_reads(twice, decide_read)
    assert stored == [twice[0]] and paid_count(store) == 1
    assert store.record_new_reads(twice, decide_read) == []


def test_saved_articles_are_kept_per_reader_and_forgotten_on_a_change(
    store: SqlStore, reading_setup: tuple[object, Clock, Article, int]
) -> None:
    services, _, article, reader_id = reading_setup
    reading = services.reading  # type: ignore[attr-defined]
    assert reading.saved_ids(reader_id) == frozenset()
    reading.save(reader_id, article.id)
    assert reading.saved_ids(reader_id) == {article.id}
    with memory_only():  # kept: no query
        assert reading.saved_ids(reader_id) == {article.id}
    reading.unsave(reader_id, article.id)
    assert reading.saved_ids(reader_id) == frozenset()


def test_memory_only_refuses_storage_and_cache_misses(store: SqlStore) -> None:
    cache = TtlCache(60)
    cache.put("kept", 1)
    with memory_only():
        assert remember(cache, "kept", lambda: 2) == 1
        with pytest.raises(WouldBlock):
            remember(cache, "missing", lambda: 3)
        with pytest.raises(WouldBlock):
            store.count_articles()
    assert remember(cache, "missing", lambda: 3) == 3 and store.count_articles() == 0


def test_futures_complete_once_committed_and_carry_errors() -> None:
    written: list[int] = []

    def write(items: Sequence[int]) -> None:
        if 13 in items:
            raise ValueError("unlucky batch")
        written.extend(items)

    commit: GroupCommit[int] = GroupCommit(write)
    futures = [commit.submit_future(i) for i in range(200)]
    outcomes: dict[int, str] = {}

    def submit(item: int) -> None:
        try:
            commit.submit(item)
            outcomes[item] = "stored"
        except ValueError:  # it shared the unlucky batch: told, not lost silently
            outcomes[item] = "failed"

    threads = [threading.Thread(target=submit, args=(1000 + n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    for i, future in enumerate(futures):
        if future.exception(timeout=10) is None:
            assert i in written
        else:
            assert isinstance(future.exception(), ValueError) and i not in written
    assert isinstance(futures[13].exception(), ValueError)
    assert len(outcomes) == 20
    for item, outcome in outcomes.items():
        assert (item in written) == (outcome == "stored")
    assert commit.submit_future(7).result(timeout=10) is None and 7 in written


def test_a_stale_value_is_served_from_memory_and_made_afresh_in_the_background() -> None:
    import time

    cache = TtlCache(0.05)
    cache.put("front", "old")
    time.sleep(0.08)  # stale, still young enough to serve
    made = threading.Event()

    def make() -> str:
        refuse_to_wait("storage")  # as a store read would: the refresh may wait
        made.set()
        return "new"

    with memory_only():
        assert remember(cache, "front", make) == "old"
    assert made.wait(5)
    for _ in range(100):  # the background thread stores it just after making it
        if cache.get("front") == "new":
            break
        time.sleep(0.01)
    assert cache.get("front") == "new"
    time.sleep(0.2)  # too old to serve: a request must make it in a thread
    with memory_only(), pytest.raises(WouldBlock):
        remember(cache, "front", make)
