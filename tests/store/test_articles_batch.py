"""record_fetch stores a fetch's articles in bulk; it must end exactly where storing
the same items one by one (``upsert_article``) ends."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from newsstand.config import load_settings
from newsstand.model import Article, ArticleFilter
from newsstand.store import FeedItem, SqlStore, open_store

from .helpers import T0, article, feed_id, record, state, with_feed


def _item(rng: random.Random, pid: str) -> Article:
    """An entry drawn from a small pool, so GUIDs and URLs collide within and across fetches."""
    n = rng.randrange(8)
    changes: dict[str, object] = {}
    if rng.random() < 0.25:
        changes["guid"] = ""  # matched by URL only
    if rng.random() < 0.2:
        changes["url"] = f"https://{pid}.example/moved/{rng.randrange(4)}"  # a URL some other entry may use
    if rng.random() < 0.3:
        changes["title"] = f"Revised title {rng.randrange(3)}"
    if rng.random() < 0.2:
        changes["body_html"], changes["body_text"] = "<p>teaser</p>", "teaser"
    if rng.random() < 0.2:
        changes["sections"] = (rng.choice(["politics", "tech"]),)
    if rng.random() < 0.1:
        changes["language"] = ""
    return article(n, pid=pid, **changes)


def _snapshot(store: SqlStore) -> list[tuple[object, ...]]:
    rows = []
    for a in sorted(store.list_articles(ArticleFilter(limit=1000)), key=lambda a: a.url):
        rows.append((a.url, a.guid, a.publisher_id, a.title, a.body_text, a.full_text, a.revision, a.section,
                     a.sections, a.language, a.published))  # fmt: skip
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_bulk_record_fetch_matches_one_by_one_upserts(store: SqlStore, tmp_path: Path, seed: int) -> None:
    reference = open_store(load_settings(environ={}).replace(data_dir=str(tmp_path / "reference")))
    try:
        keys = [(pid, sec) for pid in ("a", "b") for sec in ("world", "sport")]
        # Feed ids differ between the two databases (PostgreSQL sequences do not restart).
        ids = {target: {k: feed_id(with_feed(target, *k)) for k in keys} for target in (store, reference)}
        for target in (store, reference):
            # A page-extracted body that later teasers must not replace.
            target.upsert_article(article(1, pid="a", body_text="full page text", full_text=True))
        rng = random.Random(seed)
        for fetch in range(6):
            key = rng.choice(keys)
            entries = [_item(rng, key[0]) for _ in range(rng.randrange(1, 9))]
            fid, ref_fid = ids[store][key], ids[reference][key]
            at = T0 + timedelta(minutes=fetch)
            bulk = store.record_fetch(record(fid, at=at), state(fid), [FeedItem(a, fid) for a in entries])
            one_by_one = [reference.upsert_article(a, ref_fid) for a in entries]
            assert [(r.created, r.changed) for r in bulk] == [(r.created, r.changed) for r in one_by_one]
        assert _snapshot(store) == _snapshot(reference)
        assert store.get_article_by_url("https://a.example/a/1").body_text == "full page text"
    finally:
        reference.close()


def test_bulk_record_fetch_lists_a_duplicate_entry_once(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    first, again = article(1), replace(article(1), title="Changed in the same fetch")
    results = store.record_fetch(record(fid), state(fid), [FeedItem(first, fid), FeedItem(again, fid)])
    assert [(r.created, r.changed) for r in results] == [(True, True), (False, True)]
    assert results[0].article_id == results[1].article_id
    stored = store.get_article(results[0].article_id)
    assert (stored.title, stored.revision, stored.sections) == ("Changed in the same fetch", 2, ("world",))
