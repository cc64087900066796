"""The store's story index in memory: the same answers as the tables, after every round and
after a restart, on SQLite and PostgreSQL (the ``store`` fixture runs both)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from story_samples import T0

from newsstand.app.stories import update_stories
from newsstand.config import Settings
from newsstand.model import Article
from newsstand.store import SqlStore, open_store
from newsstand.store.sql.storycache import load
from newsstand.stories.plan import open_since, read, search_terms, weigh
from newsstand.stories.text import LEAD_CHARS, Rarity

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "te",
    "vo",
    "an",
    "el",
    "is",
    "or",
    "ul",
    "dra",
    "ken",
    "mor",
    "tal",
    "vin",
]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def _add_round(store: SqlStore, rng: random.Random, at: datetime, events: int, serial: int) -> int:
    """Articles about ``events`` invented events (topics sharing words, so stories merge and
    compete), published over the hours after ``at``; returns the next serial number."""
    topics = [[_word(random.Random(t)) for _ in range(5)] for t in range(4)]
    for _ in range(events):
        words = [_word(rng) for _ in range(4)] + rng.sample(rng.choice(topics), 2)
        for n in range(rng.randint(1, 4)):
            serial += 1
            title = " ".join(rng.sample(words, 4)).capitalize()
            body = ". ".join(" ".join(rng.sample(words, 5)).capitalize() for _ in range(4)) + "."
            article = Article(
                publisher_id=f"pub-{n}",
                url=f"https://pub-{n}.example/{serial}",
                title=title,
                published=at + timedelta(minutes=rng.randint(0, 300)),
                body_text=body,
            )
            store.upsert_article(article)
    return serial


def _cached_equals_tables(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        fresh = load(conn).state()
        with store._story_cache.lock:
            cached = store._story_cache.current(conn).state()
    assert cached == fresh and fresh[0]


def _next_lookups(store: SqlStore) -> tuple[datetime, list[tuple[str, ...]]]:
    pending = store.articles_without_story(LEAD_CHARS)
    since = open_since(pending)
    assert since is not None
    return since, search_terms(weigh(read(pending), Rarity({}, 0)))


def _daily_rounds(store: SqlStore, seed: int, check: Callable[[SqlStore], None]) -> None:
    """Six days of a dozen new articles, each day clustered and then checked."""
    rng = random.Random(seed)
    serial = 0
    for day in range(6):
        serial = _add_round(store, rng, T0 + timedelta(days=day), 12, serial)
        assert update_stories(store, T0 + timedelta(days=day + 1)) > 0
        check(store)


def test_the_cached_index_stays_equal_to_the_tables_round_after_round(store: SqlStore) -> None:
    _daily_rounds(store, 3, _cached_equals_tables)


def test_a_restarted_process_and_a_second_writer_see_what_the_first_wrote(
    store: SqlStore, store_settings: Settings
) -> None:
    rng = random.Random(5)
    serial = _add_round(store, rng, T0, 15, 0)
    update_stories(store, T0 + timedelta(days=1))
    other = open_store(store_settings)  # another process, or this one restarted
    try:
        for day in range(1, 5):
            serial = _add_round(store, rng, T0 + timedelta(days=day), 10, serial)
            since, lookups = _next_lookups(store)
            # The warm cache and a cold one answer alike...
            assert store.open_stories(since, lookups) == other.open_stories(since, lookups)
            # ...and when the other one writes, the first sees it on its next lookup.
            writer, reader = (store, other) if day % 2 else (other, store)
            assert update_stories(writer, T0 + timedelta(days=day + 1)) > 0
            _cached_equals_tables(reader)
            _cached_equals_tables(writer)
    finally:
        other.close()


def test_a_rebuild_empties_the_cache_and_fills_it_again(store: SqlStore) -> None:
    rng = random.Random(8)
    _add_round(store, rng, T0, 15, 0)
    update_stories(store, T0 + timedelta(days=1))
    before = store.open_stories(T0 - timedelta(days=1), _next_lookups_all(store))
    store.clear_stories()
    with store.engine.connect() as conn, store._story_cache.lock:
        assert store._story_cache.current(conn).state() == ({}, {})
    update_stories(store, T0 + timedelta(days=1))
    _cached_equals_tables(store)
    after = store.open_stories(T0 - timedelta(days=1), _next_lookups_all(store))
    # The same grouping under new ids.
    assert sorted(s.size for s in after) == sorted(s.size for s in before)
    assert not {s.story_id for s in before} & {s.story_id for s in after}


def _next_lookups_all(store: SqlStore) -> list[tuple[str, ...]]:
    texts = store.articles_before(T0 + timedelta(days=30), 1000, LEAD_CHARS)
    return search_terms(weigh(read(texts), Rarity({}, 0)))


def test_a_running_process_reads_the_candidates_a_fresh_one_reads(
    store: SqlStore, store_settings: Settings
) -> None:
    _daily_rounds(store, 11, lambda _store: None)
    # A round's candidates come from the index in memory: the same as a process that starts
    # afresh finds.
    lookups = _next_lookups_all(store)
    fresh = open_store(store_settings)
    try:
        since = T0 - timedelta(days=1)
        found = store.open_stories(since, lookups)
        assert found and found == fresh.open_stories(since, lookups)
    finally:
        fresh.close()
