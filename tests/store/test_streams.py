"""A reader's streams paged by keyset (``stream_page``), on SQLite and PostgreSQL: in both
orders, every page goes on from the last one's key, so walking a stream yields each item
exactly once and in order, with time bounds and unread-only too, whatever ties in time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newsstand.model import Article, Publisher, ReadRecord, StreamQuery, StreamSource
from newsstand.store import SqlStore

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _world(store: SqlStore) -> tuple[int, dict[int, tuple[str, datetime, tuple[str, ...]]]]:
    """A reader and 15 articles: (publisher, published, sections) by id. Three share each
    published time, so the keys tie on time and only the id orders them."""
    rid = store.add_reader("streams@example.org", "hash", T0).id
    for pid in ("pa", "pb"):
        store.add_publisher(Publisher(pid, pid.upper(), f"https://{pid}.example", "GB", "en"))
    known = {}
    for i in range(15):
        pid = "pa" if i % 3 == 0 else "pb"
        sections = ("World",) if i % 2 == 0 else ("Sport",)
        published = T0 + timedelta(minutes=i // 3)
        article = Article(pid, f"https://{pid}.example/{i}", f"T{i}", published, section=sections[0])
        known[store.upsert_article(article).article_id] = (pid, published, sections)
    return rid, known


def _walk(store: SqlStore, rid: int, query: StreamQuery) -> list[tuple[int, datetime]]:
    """Every page of ``query`` from the first, each going on from the last key given."""
    seen: list[tuple[int, datetime]] = []
    for _ in range(100):
        page = store.stream_page(rid, query)
        seen += page
        if len(page) < query.limit:
            return seen
        query = replace(query, after=(page[-1][1], page[-1][0]))
    raise AssertionError("the stream never ended")


def _ordered(rows: list[tuple[int, datetime]], oldest_first: bool) -> list[tuple[int, datetime]]:
    return sorted(rows, key=lambda r: (r[1], r[0]), reverse=not oldest_first)


@pytest.mark.parametrize("oldest_first", [False, True])
def test_followed_articles_walk_forwards_once_in_either_order(store: SqlStore, oldest_first: bool) -> None:
    rid, known = _world(store)
    query = StreamQuery(StreamSource.ARTICLES, ("pa",), ("World",), limit=2, oldest_first=oldest_first)
    wanted = [(aid, at) for aid, (pid, at, sections) in known.items() if pid == "pa" or "World" in sections]
    assert _walk(store, rid, query) == _ordered(wanted, oldest_first)
    # page sizes that split the ties differently give the same walk
    for limit in (1, 3, 4, 100):
        assert _walk(store, rid, replace(query, limit=limit)) == _ordered(wanted, oldest_first)

    # time bounds: since is inclusive, until exclusive
    since, until = T0 + timedelta(minutes=1), T0 + timedelta(minutes=4)
    bounded = replace(query, since=since, until=until)
    inside = [(aid, at) for aid, at in wanted if since <= at < until]
    assert _walk(store, rid, bounded) == _ordered(inside, oldest_first) and inside

    # one publisher's stream, and one section's
    only_b = replace(query, publisher_ids=("pb",), sections=())
    assert [a for a, _ in _walk(store, rid, only_b)] == [
        a for a, _ in _ordered([(a, v[1]) for a, v in known.items() if v[0] == "pb"], oldest_first)
    ]
    sport = replace(query, publisher_ids=(), sections=("Sport",))
    assert {a for a, _ in _walk(store, rid, sport)} == {a for a, v in known.items() if "Sport" in v[2]}
    assert store.stream_page(rid, replace(query, publisher_ids=(), sections=())) == []


@pytest.mark.parametrize("oldest_first", [False, True])
def test_unread_only_leaves_out_the_history_and_old_articles(store: SqlStore, oldest_first: bool) -> None:
    rid, known = _world(store)
    ids = sorted(known)
    store.record_reads([ReadRecord(rid, aid, T0) for aid in ids[::4]])
    fresh = T0 + timedelta(minutes=1)
    query = StreamQuery(
        StreamSource.ARTICLES, ("pa", "pb"), limit=2, oldest_first=oldest_first, unread_since=fresh
    )
    wanted = [(aid, v[1]) for aid, v in known.items() if aid not in ids[::4] and v[1] >= fresh]
    assert _walk(store, rid, query) == _ordered(wanted, oldest_first) and wanted


@pytest.mark.parametrize("oldest_first", [False, True])
def test_saved_and_read_streams_walk_by_their_own_time(store: SqlStore, oldest_first: bool) -> None:
    rid, known = _world(store)
    ids = sorted(known)
    saved = {aid: T0 + timedelta(hours=1, minutes=n // 2) for n, aid in enumerate(ids[:9])}
    for aid, at in saved.items():
        store.save_article(rid, aid, at)
    read = {aid: T0 + timedelta(hours=2, minutes=n // 2) for n, aid in enumerate(ids[5:])}
    for aid, at in read.items():
        store.record_reads([ReadRecord(rid, aid, at)])
    query = StreamQuery(StreamSource.SAVED, limit=2, oldest_first=oldest_first)
    assert _walk(store, rid, query) == _ordered(list(saved.items()), oldest_first)
    history = replace(query, source=StreamSource.HISTORY, limit=3)
    assert _walk(store, rid, history) == _ordered(list(read.items()), oldest_first)

    # bounds are on the stream's own time (when saved), not when published
    since, until = T0 + timedelta(hours=1, minutes=1), T0 + timedelta(hours=1, minutes=3)
    inside = [(a, at) for a, at in saved.items() if since <= at < until]
    assert _walk(store, rid, replace(query, since=since, until=until)) == _ordered(inside, oldest_first)
    # unread saved articles: saved, not in the history, recent enough
    unread = replace(query, unread_since=T0)
    assert [a for a, _ in _walk(store, rid, unread)] == [
        a for a, _ in _ordered([(a, at) for a, at in saved.items() if a not in read], oldest_first)
    ]
    assert store.stream_page(rid, replace(history, unread_since=T0)) == []
