"""Follows of every kind, trainer choices and reading signals, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsstand.errors import NotFoundError
from newsstand.model import Article, Facet, Publisher, ReadRecord, Trained
from newsstand.store import SqlStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _reader(store: SqlStore) -> int:
    return store.add_reader("r@example.org", "hash", NOW).id


def _articles(store: SqlStore, n: int) -> list[int]:
    store.add_publisher(Publisher("pub", "Pub", "https://pub.example", "GB", "en"))
    return [
        store.upsert_article(
            Article("pub", f"https://pub.example/{i}", f"T{i}", NOW - timedelta(hours=i))
        ).article_id
        for i in range(n)
    ]


def test_follows_of_every_kind_and_trainer_choices_come_with_the_reader(store: SqlStore) -> None:
    rid = _reader(store)
    store.follow(rid, "publisher", "pub")
    store.follow(rid, "section", "World")
    store.follow(rid, "story", "42")
    store.follow(rid, "topic", "place:Kyiv")
    store.train(rid, Trained(Facet.AUTHOR, "Ada Quill", True))
    store.train(rid, Trained(Facet.WORD, "ferry", False))
    store.train(rid, Trained(Facet.WORD, "ferry", False))  # again: no change
    reader = store.get_reader(rid)
    assert reader.followed_publishers == ("pub",) and reader.followed_sections == ("World",)
    assert reader.followed_stories == (42,) and reader.followed_topics == ("place:Kyiv",)
    assert set(reader.trained) == {
        Trained(Facet.AUTHOR, "Ada Quill", True),
        Trained(Facet.WORD, "ferry", False),
    }
    store.train(rid, Trained(Facet.WORD, "ferry", True))  # a like replaces the hide
    assert Trained(Facet.WORD, "ferry", True) in store.get_reader(rid).trained
    assert Trained(Facet.WORD, "ferry", False) not in store.get_reader(rid).trained
    store.untrain(rid, Facet.WORD, "ferry")
    store.untrain(rid, Facet.WORD, "never trained")  # no error
    store.unfollow(rid, "story", "42")
    reader = store.get_reader(rid)
    assert reader.trained == (Trained(Facet.AUTHOR, "Ada Quill", True),) and reader.followed_stories == ()
    with pytest.raises(NotFoundError):
        store.train(999_999, Trained(Facet.WORD, "x", True))


def test_reading_signals_join_history_saves_and_reading_time(store: SqlStore) -> None:
    rid = _reader(store)
    a, b, c, old = _articles(store, 4)
    store.record_reads([ReadRecord(rid, a, NOW - timedelta(minutes=30), None, True)])
    store.record_reads([ReadRecord(rid, b, NOW - timedelta(minutes=20), "pub", True)])
    store.record_reads([ReadRecord(rid, old, NOW - timedelta(days=90), None, True)])
    store.save_article(rid, b, NOW - timedelta(minutes=10))
    store.save_article(rid, c, NOW - timedelta(minutes=5))

    def credit(read_at: datetime, current: int) -> int:
        return current + 100

    # An unpaid read has no reading record, but its history is credited all the same.
    assert store.add_reading_time(rid, a, NOW - timedelta(hours=2), credit) is None
    assert store.add_reading_time(rid, b, NOW - timedelta(hours=2), credit) == 100
    signals = store.reading_signals(rid, NOW - timedelta(days=60), 10)
    assert [s.article_id for s in signals] == [c, b, a]  # most recent first; the old read left out
    by_id = {s.article_id: s for s in signals}
    assert by_id[a].seconds == 100 and by_id[a].saved is None
    assert by_id[a].opened == NOW - timedelta(minutes=30)
    assert by_id[b].seconds == 100 and by_id[b].saved == NOW - timedelta(minutes=10)
    assert by_id[c].opened is None and by_id[c].seconds == 0
    assert [s.article_id for s in store.reading_signals(rid, NOW - timedelta(days=60), 1)] == [c]
