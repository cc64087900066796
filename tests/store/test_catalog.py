"""Publishers and feeds: CRUD, conflicts and not-found errors, on both databases."""

from __future__ import annotations

import pytest

from newsstand.errors import ConflictError, NotFoundError
from newsstand.model import Feed, LicenceTier
from newsstand.store import FeedItem, SqlStore

from .helpers import T0, article, feed_id, publisher, record, state, with_feed


def test_publisher_round_trip_and_update(store: SqlStore) -> None:
    p = publisher("daily", sections=("world", "politics"), licence_tier=LicenceTier.PARTNER)
    store.add_publisher(p)
    assert store.get_publisher("daily") == p
    changed = publisher("daily", name="The Daily", enabled=False)
    store.update_publisher(changed)
    assert store.get_publisher("daily") == changed


def test_publishers_listed_by_name_and_filtered(store: SqlStore) -> None:
    store.add_publisher(publisher("zeta", name="Alpha Zeta"))
    store.add_publisher(publisher("alpha", name="Zulu Alpha", enabled=False))
    store.add_publisher(publisher("mid", name="Middle"))
    assert [p.id for p in store.list_publishers()] == ["zeta", "mid", "alpha"]
    assert [p.id for p in store.list_publishers(enabled_only=True)] == ["zeta", "mid"]


def test_publisher_conflict_and_not_found(store: SqlStore) -> None:
    store.add_publisher(publisher("daily"))
    with pytest.raises(ConflictError) as info:
        store.add_publisher(publisher("daily"))
    assert info.value.key == "daily"
    with pytest.raises(NotFoundError):
        store.get_publisher("nope")
    with pytest.raises(NotFoundError):
        store.update_publisher(publisher("nope"))
    with pytest.raises(NotFoundError):
        store.remove_publisher("nope")
    # The failed insert left the store usable.
    assert [p.id for p in store.list_publishers()] == ["daily"]


def test_feed_crud(store: SqlStore) -> None:
    store.add_publisher(publisher("daily"))
    feed = store.add_feed(Feed(url="https://daily.example/world.rss", publisher_id="daily", section="world"))
    assert feed.id is not None
    assert store.get_feed(feed.id) == feed
    assert store.get_feed_by_url(feed.url) == feed
    store.set_feed_enabled(feed.id, False, "410 Gone")
    got = store.get_feed(feed.id)
    assert (got.enabled, got.disabled_reason) == (False, "410 Gone")
    store.set_feed_enabled(feed.id, True)
    assert store.get_feed(feed.id).disabled_reason == ""
    store.update_feed_url(feed.id, "https://daily.example/world.xml")
    assert store.get_feed_by_url("https://daily.example/world.xml").id == feed.id
    store.remove_feed(feed.id)
    with pytest.raises(NotFoundError):
        store.get_feed(feed.id)


def test_feed_errors(store: SqlStore) -> None:
    with pytest.raises(NotFoundError):
        store.add_feed(Feed(url="https://x.example/rss", publisher_id="ghost"))
    a = with_feed(store, "daily", "world")
    b = with_feed(store, "daily", "sport")
    with pytest.raises(ConflictError):
        store.add_feed(Feed(url=a.url, publisher_id="daily"))
    with pytest.raises(ConflictError):
        store.update_feed_url(feed_id(b), a.url)
    assert store.get_feed(feed_id(b)).url == b.url
    for call in (
        lambda: store.get_feed(999),
        lambda: store.get_feed_by_url("https://none.example"),
        lambda: store.remove_feed(999),
        lambda: store.set_feed_enabled(999, False),
        lambda: store.update_feed_url(999, "https://new.example"),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_feeds_ordered_by_publisher_section_url(store: SqlStore) -> None:
    with_feed(store, "b", "world")
    with_feed(store, "a", "world")
    with_feed(store, "a", "business")
    other = with_feed(store, "c", "news")
    store.set_feed_enabled(feed_id(other), False)
    assert [(f.publisher_id, f.section) for f in store.list_feeds()] == [
        ("a", "business"), ("a", "world"), ("b", "world"), ("c", "news"),
    ]  # fmt: skip
    assert [f.section for f in store.list_feeds("a")] == ["business", "world"]
    assert [f.publisher_id for f in store.list_feeds(enabled_only=True)] == ["a", "a", "b"]


def test_removing_a_publisher_keeps_its_articles(store: SqlStore) -> None:
    feed = with_feed(store)
    fid = feed_id(feed)
    [res] = store.record_fetch(record(fid), state(fid, etag="e1"), [FeedItem(article(1), fid)])
    store.remove_publisher("daily")
    assert store.list_feeds() == []
    assert store.feed_health(fid) == []
    kept = store.get_article(res.article_id)
    assert kept.title == "Article number 1"
    assert kept.sections == ("world",)
    assert store.count_articles() == 1
    assert kept.published >= T0
