"""Articles: upsert matching, revisions, sections, full text, listings."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from typing import Any

import pytest

from newsstand.errors import NotFoundError
from newsstand.model import ArticleFilter, ArticleKind, Image
from newsstand.store import FeedItem, SqlStore

from .helpers import T0, article, feed_id, publisher, record, state, with_feed


def test_round_trip_keeps_every_field(store: SqlStore) -> None:
    store.add_publisher(publisher("daily"))
    paris = timezone(timedelta(hours=2))
    a = article(
        1,
        authors=("Ana Lima", "Bo Chen"),
        images=(Image("https://img.example/1.jpg", "A caption", "Photograph: Agency", "alt", 800, 600),),
        tags=("floods", "weather"),
        section="world",
        sections=("world", "europe"),
        kind=ArticleKind.LIVEBLOG,
        full_text=True,
        published=T0.astimezone(paris),
        updated=(T0 + timedelta(hours=1)).astimezone(paris),
        fetched=T0 + timedelta(hours=2),
        story_id=7,
    )
    res = store.upsert_article(a)
    got = store.get_article(res.article_id)
    assert got.published == T0 and got.published.tzinfo == UTC
    assert got.updated is not None and got.updated.tzinfo == UTC
    expected = a.__class__(**{**{f: getattr(a, f) for f in a.__slots__}, "id": res.article_id})
    assert got == expected
    assert store.get_article_by_url(a.url) == got
    assert store.count_articles() == 1


def test_a_photo_known_only_by_caption_and_credit_is_kept(store: SqlStore) -> None:
    # Plain-text imports know a photo's caption and credit but not its address.
    store.add_publisher(publisher("daily"))
    photo = Image("", "Crowds at the harbour.", "Photograph: Agency")
    res = store.upsert_article(article(1, images=(photo,)))
    assert store.get_article(res.article_id).lead_image == photo


def test_not_found(store: SqlStore) -> None:
    with pytest.raises(NotFoundError):
        store.get_article(42)
    with pytest.raises(NotFoundError):
        store.get_article_by_url("https://nowhere.example/")
    with pytest.raises(NotFoundError):
        store.upsert_article(article(1), feed_id=999)


def test_match_by_guid_then_url_never_duplicates(store: SqlStore) -> None:
    first = store.upsert_article(article(1))
    # Same publisher and GUID, new URL (the publisher changed its slug): same article.
    moved = store.upsert_article(article(1, url="https://daily.example/a/1-new-slug"))
    assert (moved.article_id, moved.created) == (first.article_id, False)
    assert store.get_article(first.article_id).url == "https://daily.example/a/1-new-slug"
    # No GUID: matched by canonical URL.
    no_guid = store.upsert_article(article(1, guid="", url="https://daily.example/a/1-new-slug"))
    assert no_guid.article_id == first.article_id
    # Same GUID at another publisher is another article.
    other = store.upsert_article(article(1, pid="other", url="https://other.example/a/1", guid="daily-1"))
    assert other.created and other.article_id != first.article_id
    assert store.count_articles() == 2


def test_revision_rises_only_when_content_changes(store: SqlStore) -> None:
    res = store.upsert_article(article(1))
    same = store.upsert_article(article(1, fetched=T0 + timedelta(days=1)))
    assert (same.created, same.changed) == (False, False)
    assert store.get_article(res.article_id).revision == 1
    changes: list[dict[str, Any]] = [
        {"title": "A new headline"},
        {"body_text": "Corrected body.", "body_html": "<p>Corrected body.</p>"},
        {"authors": ("Someone Else",)},
        {"updated": T0 + timedelta(hours=3)},
        {"images": (Image("https://img.example/2.jpg"),)},
    ]
    for n, change in enumerate(changes, start=2):
        current = store.get_article(res.article_id)
        changed = store.upsert_article(article(1, **{**_content(current), **change}))
        assert (changed.created, changed.changed) == (False, True), change
        assert store.get_article(res.article_id).revision == n


def _content(a: object) -> dict[str, Any]:
    return {k: getattr(a, k) for k in ("title", "body_text", "body_html", "authors", "updated", "images")}


def test_first_publication_time_and_publisher_are_kept(store: SqlStore) -> None:
    res = store.upsert_article(article(1))
    store.upsert_article(article(1, guid="", pid="syndicator", published=T0 + timedelta(days=2)))
    got = store.get_article(res.article_id)
    assert (got.publisher_id, got.published) == ("daily", article(1).published)


def test_sections_accumulate_across_feeds(store: SqlStore) -> None:
    world = feed_id(with_feed(store, "daily", "world"))
    politics = feed_id(with_feed(store, "daily", "politics"))
    [a] = store.record_fetch(record(world), state(world), [FeedItem(article(1), world)])
    [b] = store.record_fetch(record(politics), state(politics), [FeedItem(article(1), politics)])
    assert b.article_id == a.article_id and not b.created and not b.changed
    got = store.get_article(a.article_id)
    assert got.section == "world"
    assert got.sections == ("world", "politics")
    store.record_fetch(record(world), state(world), [FeedItem(article(1), world)])
    assert store.get_article(a.article_id).sections == ("world", "politics")
    listed = store.list_articles(ArticleFilter(sections=("politics",)))
    assert [x.id for x in listed] == [a.article_id]


def test_full_text_is_not_clobbered_by_a_feed_teaser(store: SqlStore) -> None:
    fid = feed_id(with_feed(store))
    teaser = article(1, body_text="Short teaser.", body_html="<p>Short teaser.</p>")
    [res] = store.record_fetch(record(fid), state(fid), [FeedItem(teaser, fid)])
    assert [a.id for a in store.articles_without_full_text()] == [res.article_id]
    full = article(1, body_text="The whole story, long.", body_html="<p>The whole story, long.</p>",
                   full_text=True)  # fmt: skip
    filled = store.upsert_article(full)
    assert filled.changed
    assert store.articles_without_full_text() == []
    [again] = store.record_fetch(record(fid), state(fid), [FeedItem(teaser, fid)])
    assert not again.changed
    got = store.get_article(res.article_id)
    assert (got.body_text, got.full_text, got.revision) == ("The whole story, long.", True, 2)
    # A changed headline in the feed still comes through.
    store.record_fetch(record(fid), state(fid), [FeedItem(article(1, title="Updated headline"), fid)])
    got = store.get_article(res.article_id)
    assert (got.title, got.body_text, got.revision) == ("Updated headline", "The whole story, long.", 3)


def test_list_articles_filters_and_keyset_pages(store: SqlStore) -> None:
    for n in range(10):
        pid = "a" if n % 2 else "b"
        kind = ArticleKind.LIVEBLOG if n == 9 else ArticleKind.ARTICLE
        store.upsert_article(article(n, pid=pid, kind=kind))
    newest = store.list_articles(ArticleFilter(limit=4))
    assert [a.title for a in newest] == [f"Article number {n}" for n in (9, 8, 7, 6)]
    assert newest[-1].id is not None
    older = store.list_articles(ArticleFilter(limit=4, before_id=newest[-1].id))
    assert [a.title for a in older] == [f"Article number {n}" for n in (5, 4, 3, 2)]
    only_a = store.list_articles(ArticleFilter(publisher_ids=("a",)))
    assert {a.publisher_id for a in only_a} == {"a"} and len(only_a) == 5
    window = store.list_articles(
        ArticleFilter(since=T0 + timedelta(minutes=3), until=T0 + timedelta(minutes=6))
    )
    assert [a.title for a in window] == [f"Article number {n}" for n in (5, 4, 3)]
    lives = store.list_articles(ArticleFilter(kind=ArticleKind.LIVEBLOG))
    assert [a.title for a in lives] == ["Article number 9"]
    with pytest.raises(NotFoundError):
        store.list_articles(ArticleFilter(before_id=10_000))


def test_get_articles_keeps_the_order_asked(store: SqlStore) -> None:
    ids = [store.upsert_article(article(n)).article_id for n in range(3)]
    got = store.get_articles([ids[2], ids[0], 999, ids[1]])
    assert [a.id for a in got] == [ids[2], ids[0], ids[1]]
    assert store.get_articles([]) == []


def test_concurrent_upserts_of_the_same_articles_never_duplicate(store: SqlStore) -> None:
    import threading

    errors: list[str] = []

    def work() -> None:
        try:
            for n in range(15):
                store.upsert_article(article(n, sections=("world", "europe")))
        except Exception as e:  # collected and asserted below
            errors.append(repr(e))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count_articles() == 15
    assert {a.sections for a in store.list_articles(ArticleFilter())} == {("world", "europe")}
