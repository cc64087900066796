"""Deferred search indexing (migration 0007): articles stored with defer_search
become searchable at index_search on SQLite, at once on PostgreSQL; the FTS index
stays consistent through updates and deletes of articles still waiting."""

from __future__ import annotations

from collections.abc import Sequence

from newsstand.config import Settings
from newsstand.model import SearchQuery
from newsstand.store import FeedItem, SqlStore, open_store

from .helpers import article, feed_id, record, state, with_feed


def _ids(store: SqlStore, text: str) -> list[int]:
    return sorted(h.article.id or 0 for h in store.search(SearchQuery(text, limit=100)).hits)


def _store_deferred(store: SqlStore, fid: int, items: Sequence[FeedItem]) -> list[int]:
    [outcome] = store.record_fetches([(record(fid), state(fid), items)], defer_search=True)
    assert isinstance(outcome, list), outcome
    return [r.article_id for r in outcome]


def _pending(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM search_pending").scalar_one())


def _check_fts(store: SqlStore) -> None:
    """On SQLite, fail unless the FTS index matches the articles table row for row
    (the rank argument 1 makes FTS5 compare it with its external content)."""
    if store.is_sqlite:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts, rank) VALUES('integrity-check', 1)")


def test_deferred_articles_are_searchable_after_index_search(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    ids = _store_deferred(
        store,
        fid,
        [FeedItem(article(n, body_text=f"A walrus hauled out, number {n}."), fid) for n in range(3)],
    )
    if store.is_sqlite:
        assert _ids(store, "walrus") == []
        assert _pending(store) == 3
        assert store.index_search() == 3
        assert _pending(store) == 0
    else:
        assert store.index_search() == 0
    assert _ids(store, "walrus") == sorted(ids)
    assert store.index_search() == 0  # nothing left to do, on either database
    _check_fts(store)


def test_default_writes_are_searchable_at_once(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    fetched = store.record_fetch(record(fid), state(fid), [FeedItem(article(1, title="Puffin colony"), fid)])
    upserted = store.upsert_article(article(2, title="Puffin count"))
    [batch] = store.record_fetches([(record(fid), state(fid), [FeedItem(article(3, title="Puffin"), fid)])])
    assert isinstance(batch, list)
    expected = sorted([fetched[0].article_id, upserted.article_id, batch[0].article_id])
    assert _ids(store, "puffin") == expected
    assert store.index_search() == 0
    _check_fts(store)


def test_pending_article_updated_then_indexed(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    [aid] = _store_deferred(store, fid, [FeedItem(article(1, title="Walrus sighted"), fid)])
    # Seen again with a new title before it was indexed: one note, the new words only.
    assert _store_deferred(store, fid, [FeedItem(article(1, title="Narwhal sighted"), fid)]) == [aid]
    assert store.index_search() == (1 if store.is_sqlite else 0)
    _check_fts(store)
    assert _ids(store, "narwhal") == [aid]
    assert _ids(store, "walrus") == []
    assert _ids(store, "sighted") == [aid]


def test_pending_article_deleted_then_indexed(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    keep, drop = _store_deferred(
        store,
        fid,
        [FeedItem(article(1, title="Otter returns"), fid), FeedItem(article(2, title="Otter leaves"), fid)],
    )
    # The store has no call that deletes an article; retention would do it in SQL.
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM articles WHERE id = {drop}")
    assert store.index_search() == (1 if store.is_sqlite else 0)
    _check_fts(store)
    assert _ids(store, "otter") == [keep]
    assert _ids(store, "leaves") == []


def test_indexed_article_updated_is_reindexed_at_once(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    aid = store.upsert_article(article(1, title="Walrus sighted"), fid).article_id
    # Deferring applies to new articles; one already indexed follows its update at once.
    assert _store_deferred(store, fid, [FeedItem(article(1, title="Narwhal sighted"), fid)]) == [aid]
    if store.is_sqlite:
        assert _pending(store) == 0
    assert _ids(store, "narwhal") == [aid]
    assert _ids(store, "walrus") == []
    _check_fts(store)
    # And deleting it takes its words out of the index.
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM articles WHERE id = {aid}")
    assert _ids(store, "narwhal") == []
    _check_fts(store)


def test_deferred_and_default_writes_mixed(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    [waiting] = _store_deferred(store, fid, [FeedItem(article(1, body_text="heron by the weir"), fid)])
    # Any later write flushes what is waiting, so nothing stays unsearchable for long.
    other = store.upsert_article(article(2, body_text="heron in flight")).article_id
    assert _ids(store, "heron") == sorted([waiting, other])
    assert store.index_search() == 0
    _check_fts(store)


def test_failed_fetch_leaves_no_note(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    broken = feed_id(with_feed(store, section="sport"))
    outcomes = store.record_fetches(
        [
            (record(fid), state(fid), [FeedItem(article(1, title="Badger sett"), fid)]),
            (
                record(broken),
                state(broken),
                [FeedItem(article(2, title="Badger cull"), broken), FeedItem(article(3, title=None), broken)],
            ),
        ],
        defer_search=True,
    )
    stored, failed = outcomes
    assert isinstance(stored, list) and not isinstance(failed, list)
    # The rolled-back fetch's article left no note behind to index.
    assert store.index_search() == (1 if store.is_sqlite else 0)
    assert _ids(store, "badger") == [stored[0].article_id]
    _check_fts(store)


def test_pending_articles_survive_reopening(store_settings: Settings) -> None:
    first = open_store(store_settings)
    try:
        fid = feed_id(with_feed(first))
        [early] = _store_deferred(first, fid, [FeedItem(article(1, title="Bittern booming"), fid)])
    finally:
        first.close()  # as if the process stopped before its round's index_search
    second = open_store(store_settings)
    try:
        if second.is_sqlite:
            assert _pending(second) == 1
            assert _ids(second, "bittern") == []
        # A later write flushes the notes it finds, whoever left them.
        [late] = _store_deferred(second, fid, [FeedItem(article(2, title="Bittern nesting"), fid)])
        second.upsert_article(article(3, title="Unrelated"))
        assert _ids(second, "bittern") == sorted([early, late])
        assert second.index_search() == 0
        _check_fts(second)
    finally:
        second.close()


def test_index_search_after_reopening(store_settings: Settings) -> None:
    first = open_store(store_settings)
    try:
        fid = feed_id(with_feed(first))
        ids = _store_deferred(first, fid, [FeedItem(article(n, title=f"Curlew {n}"), fid) for n in range(4)])
    finally:
        first.close()
    second = open_store(store_settings)
    try:
        assert second.index_search() == (4 if second.is_sqlite else 0)
        assert _ids(second, "curlew") == sorted(ids)
        _check_fts(second)
    finally:
        second.close()
