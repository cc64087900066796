"""record_fetches: several fetches in one transaction, each failing on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsstand.errors import NotFoundError, StorageError
from newsstand.model import ArticleFilter, FeedState, UpsertResult
from newsstand.store import FeedItem, SqlStore

from .helpers import T0, article, feed_id, record, state, with_feed


def _gone_feed(store: SqlStore) -> int:
    """The id of a feed that existed once: ids keep counting up, so no feed has it."""
    fid = feed_id(with_feed(store, "gone", "nowhere"))
    store.remove_feed(fid)
    return fid


def _results(outcome: list[UpsertResult] | Exception) -> list[UpsertResult]:
    assert isinstance(outcome, list), outcome
    return outcome


def test_unknown_feed_fails_only_its_own_slot(store: SqlStore) -> None:
    world = feed_id(with_feed(store, "a", "world"))
    sport = feed_id(with_feed(store, "b", "sport"))
    missing = _gone_feed(store)
    world_state = state(world, etag='"w1"', last_fetched=T0, last_success=T0)
    sport_state = state(sport, etag='"s1"', next_poll=T0 + timedelta(minutes=15))
    outcomes = store.record_fetches([
        (record(world, bytes=111), world_state, [FeedItem(article(n, pid="a"), world) for n in range(2)]),
        (record(missing), state(missing, etag="x"), [FeedItem(article(9, pid="a"), missing)]),
        (record(sport, bytes=222), sport_state, [FeedItem(article(n, pid="b"), sport) for n in range(3)]),
    ])  # fmt: skip
    assert len(outcomes) == 3
    assert isinstance(outcomes[1], NotFoundError)
    assert [r.created for r in _results(outcomes[0])] == [True, True]
    assert [r.created for r in _results(outcomes[2])] == [True, True, True]
    assert store.count_articles() == 5
    with pytest.raises(NotFoundError):
        store.get_article_by_url(article(9, pid="a").url)
    assert store.get_feed_state(world) == world_state
    assert store.get_feed_state(sport) == sport_state
    [w] = store.feed_health(world)
    [s] = store.feed_health(sport)
    assert (w.bytes, w.new_entries, w.updated_entries) == (111, 2, 0)
    assert (s.bytes, s.new_entries, s.updated_entries) == (222, 3, 0)


def test_a_failing_fetch_leaves_nothing_of_itself(store: SqlStore) -> None:
    good = feed_id(with_feed(store, "a", "world"))
    broken = feed_id(with_feed(store, "a", "sport"))
    stray = feed_id(with_feed(store, "a", "arts"))
    missing = _gone_feed(store)
    # The database refuses the second article (NOT NULL title) after the first was
    # written; the third fetch has an item naming a feed that does not exist.
    outcomes = store.record_fetches([
        (record(broken), state(broken, etag="no"),
         [FeedItem(article(1, pid="a"), broken), FeedItem(article(2, pid="a", title=None), broken)]),
        (record(good), state(good, etag="yes"), [FeedItem(article(3, pid="a"), good)]),
        (record(stray), state(stray, etag="no"),
         [FeedItem(article(4, pid="a"), stray), FeedItem(article(5, pid="a"), missing)]),
    ])  # fmt: skip
    assert isinstance(outcomes[0], StorageError)
    assert isinstance(outcomes[2], NotFoundError)
    [kept] = _results(outcomes[1])
    assert [a.id for a in store.list_articles(ArticleFilter())] == [kept.article_id]
    assert store.get_feed_state(good).etag == "yes"
    assert store.get_feed_state(broken) == FeedState(feed_id=broken)
    assert store.get_feed_state(stray) == FeedState(feed_id=stray)
    assert store.feed_health(broken) == store.feed_health(stray) == []
    assert len(store.feed_health(good)) == 1


def test_results_and_health_match_record_fetch(store: SqlStore) -> None:
    # The same fetches, feed "a" through record_fetch and feed "b" through
    # record_fetches: the flags and health counts must agree item for item.
    one = feed_id(with_feed(store, "a", "world"))
    many = feed_id(with_feed(store, "b", "world"))

    def items(pid: str, fid: int, second: bool) -> list[FeedItem]:
        if not second:
            return [FeedItem(article(n, pid=pid), fid) for n in (1, 2, 3)]
        return [
            FeedItem(article(1, pid=pid), fid),  # unchanged
            FeedItem(article(2, pid=pid, title="Retitled"), fid),  # changed
            FeedItem(article(4, pid=pid), fid),  # new
            FeedItem(article(4, pid=pid, title="Retitled four"), fid),  # new, then changed in one fetch
        ]

    flags: dict[str, list[list[tuple[bool, bool]]]] = {"a": [], "b": []}
    for second in (False, True):
        at = T0 + timedelta(minutes=30 if second else 0)
        single = store.record_fetch(record(one, at=at), state(one), items("a", one, second))
        [batch] = store.record_fetches([(record(many, at=at), state(many), items("b", many, second))])
        flags["a"].append([(r.created, r.changed) for r in single])
        flags["b"].append([(r.created, r.changed) for r in _results(batch)])
        # The second fetch lists article 4 twice: still one article.
        assert len({r.article_id for r in _results(batch)}) == 3
    assert flags["b"] == flags["a"]
    assert flags["b"][1] == [(False, False), (False, True), (True, True), (False, True)]
    counts = {
        fid: [(h.new_entries, h.updated_entries) for h in store.feed_health(fid)] for fid in (one, many)
    }
    assert counts[many] == counts[one] == [(1, 2), (3, 0)]  # newest first
    assert store.get_article_by_url(article(4, pid="b").url).title == "Retitled four"


def test_counts_given_in_the_record_are_kept(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    store.record_fetches(
        [(record(fid, new_entries=7, updated_entries=1), state(fid), [FeedItem(article(1), fid)])]
    )
    [health] = store.feed_health(fid)
    assert (health.new_entries, health.updated_entries) == (7, 1)


def test_not_modified_fetch_stores_state_and_health(store: SqlStore) -> None:
    quiet = feed_id(with_feed(store, "a", "world"))
    busy = feed_id(with_feed(store, "a", "sport"))
    later = T0 + timedelta(hours=1)
    quiet_state = state(quiet, etag='"same"', last_fetched=later, next_poll=later + timedelta(hours=1))
    outcomes = store.record_fetches([
        (record(quiet, at=later, status=304, bytes=0), quiet_state, []),
        (record(busy, at=later), state(busy, last_fetched=later), [FeedItem(article(1, pid="a"), busy)]),
    ])  # fmt: skip
    assert outcomes[0] == []
    assert store.get_feed_state(quiet) == quiet_state
    [health] = store.feed_health(quiet)
    assert (health.status, health.bytes, health.new_entries, health.updated_entries) == (304, 0, 0, 0)
    assert health.at == later and health.next_poll is None
    assert store.get_feed_state(busy).last_fetched == later


def test_states_replace_earlier_ones(store: SqlStore) -> None:
    a = feed_id(with_feed(store, "a", "world"))
    b = feed_id(with_feed(store, "a", "sport"))
    store.record_fetches(
        [(record(a), state(a, etag="a1", consecutive_failures=3), []), (record(b), state(b), [])]
    )
    newer = [
        (record(a, at=T0 + timedelta(minutes=5)), state(a, etag="a2"), []),
        (record(b, at=T0 + timedelta(minutes=5)), state(b, etag="b2", failing=True), []),
    ]
    store.record_fetches(newer)
    assert store.get_feed_state(a) == state(a, etag="a2")
    assert store.get_feed_state(b) == state(b, etag="b2", failing=True)
    assert [len(store.feed_health(f)) for f in (a, b)] == [2, 2]


def test_same_article_from_two_feeds_of_one_publisher(store: SqlStore) -> None:
    world = feed_id(with_feed(store, "daily", "world"))
    politics = feed_id(with_feed(store, "daily", "politics"))
    first, second = store.record_fetches([
        (record(world), state(world), [FeedItem(article(1), world)]),
        (record(politics), state(politics), [FeedItem(article(1, guid=""), politics)]),
    ])  # fmt: skip
    [made] = _results(first)
    [seen] = _results(second)
    assert (made.created, seen.created, seen.changed) == (True, False, False)
    assert seen.article_id == made.article_id
    assert store.count_articles() == 1
    assert store.get_article(made.article_id).sections == ("world", "politics")
    for section in ("world", "politics"):
        listed = store.list_articles(ArticleFilter(sections=(section,)))
        assert [a.id for a in listed] == [made.article_id]
    assert [h.new_entries for h in store.feed_health(politics)] == [0]


def test_empty_batch(store: SqlStore) -> None:
    assert store.record_fetches([]) == []
    assert store.index_search() == 0
