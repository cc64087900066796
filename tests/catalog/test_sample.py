"""The offline sample edition: content shape, safety, freshness and idempotence."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import newsstand
from newsstand.cli import main
from newsstand.model import ArticleFilter, ArticleKind, utcnow
from newsstand.sample import load_sample_edition, sample_catalog
from newsstand.sample.edition import OFFLINE_REASON, SAMPLE_HOST
from newsstand.sample.markup import render
from newsstand.store import SqlStore

STATIC = Path(newsstand.__file__).parent / "web" / "static"


def _all_articles(store: SqlStore) -> list[newsstand.Article]:
    return store.list_articles(ArticleFilter(limit=500))


def test_sample_edition_loads_and_is_idempotent(store: SqlStore) -> None:
    now = utcnow()
    first = load_sample_edition(store, now)
    assert 4 <= first.publishers <= 6
    assert 30 <= first.articles <= 40 and first.created == first.articles
    articles = _all_articles(store)
    assert len(articles) == first.articles
    (blog,) = [a for a in articles if a.kind is ArticleKind.LIVEBLOG]
    entries = store.live_entries(blog.id or 0)
    assert len(entries) == first.live_entries >= 10

    second = load_sample_edition(store, now + timedelta(minutes=10))
    assert second.created == 0
    assert store.count_articles() == first.articles
    assert len(store.list_publishers()) == first.publishers
    assert len(store.list_feeds()) == first.feeds
    assert len(store.live_entries(blog.id or 0)) == len(entries)


def test_publishers_and_feeds_never_fetched(store: SqlStore) -> None:
    load_sample_edition(store, utcnow())
    publishers = store.list_publishers()
    assert len({p.country for p in publishers}) >= 4
    assert len({p.language for p in publishers}) >= 4
    feeds = store.list_feeds()
    assert feeds and all(not f.enabled and f.disabled_reason == OFFLINE_REASON for f in feeds)
    assert all(f.url.startswith(SAMPLE_HOST + "/") for f in feeds)
    assert store.due_feeds(utcnow() + timedelta(days=1)) == []


def test_content_shape(sqlite_store: SqlStore) -> None:
    now = utcnow()
    load_sample_edition(sqlite_store, now)
    articles = _all_articles(sqlite_store)
    assert {"World", "Politics", "Business", "Technology", "Science", "Sport", "Culture"} <= {
        a.section for a in articles
    }
    assert all(a.standfirst and a.authors and a.full_text for a in articles)
    assert sum(len(a.authors) > 1 for a in articles) >= 5
    regular = [a for a in articles if a.kind is ArticleKind.ARTICLE]
    assert all(a.body_html.count("<p>") >= 3 for a in regular)
    assert sum("<h2>" in a.body_html for a in regular) >= 8
    assert sum("<blockquote>" in a.body_html for a in regular) >= 15
    assert sum("<ul>" in a.body_html for a in regular) >= 5
    assert all(len(a.body_text.split()) >= 80 for a in regular)
    # fresh: everything within the last week, the newest within the last two hours
    assert all(now - timedelta(days=8) <= a.published <= now for a in articles)
    assert min(now - a.published for a in articles) < timedelta(hours=2)


def test_articles_are_listed_only_in_their_own_sections(sqlite_store: SqlStore) -> None:
    load_sample_edition(sqlite_store, utcnow())
    articles = _all_articles(sqlite_store)
    assert sum(len(a.sections) > 1 for a in articles) >= 3  # some are in World as well
    for a in articles:
        publisher = sqlite_store.get_publisher(a.publisher_id)
        assert a.section == a.sections[0]
        assert set(a.sections) <= set(publisher.sections)
    sport = [a for a in articles if a.section == "Sport"]
    assert sport and all(a.sections == ("Sport",) for a in sport)


def test_same_event_across_publishers(sqlite_store: SqlStore) -> None:
    load_sample_edition(sqlite_store, utcnow())
    storm = [a for a in _all_articles(sqlite_store) if "Isolde" in a.title]
    assert len({a.publisher_id for a in storm}) >= 4
    quillon = [a for a in _all_articles(sqlite_store) if "Quillon" in a.title]
    assert len({a.publisher_id for a in quillon}) == 2


def test_live_blog_entries(sqlite_store: SqlStore) -> None:
    load_sample_edition(sqlite_store, utcnow())
    (blog,) = [a for a in _all_articles(sqlite_store) if a.kind is ArticleKind.LIVEBLOG]
    entries = sqlite_store.live_entries(blog.id or 0)
    pinned = [e for e in entries if e.pinned]
    assert len(pinned) == 1 and pinned[0].summary and "<li>" in pinned[0].body_html
    assert len([e for e in entries if e.key_event]) >= 3
    assert any(e.marked_updated and e.updated and e.updated > e.posted for e in entries)
    assert any(e.images for e in entries)
    key = sqlite_store.live_entries(blog.id or 0, key_events_only=True)
    assert {e.entry_id for e in key} == {e.entry_id for e in entries if e.key_event}


_ALLOWED = {"p", "h2", "ul", "li", "blockquote"}


def test_bodies_hold_only_safe_tags(sqlite_store: SqlStore) -> None:
    load_sample_edition(sqlite_store, utcnow())
    tags: set[str] = set()
    for a in _all_articles(sqlite_store):
        tags |= set(re.findall(r"</?([a-zA-Z0-9]+)", a.body_html))
        for e in sqlite_store.live_entries(a.id or 0):
            tags |= set(re.findall(r"</?([a-zA-Z0-9]+)", e.body_html))
    assert tags <= _ALLOWED


def test_markup_escapes_everything() -> None:
    html = render('<script>alert(1)</script>\n\n## <b>Head</b>\n\n> "quote" & more\n\n- a <i>\n- b')
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert html.splitlines() == [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<h2>&lt;b&gt;Head&lt;/b&gt;</h2>",
        "<blockquote><p>&quot;quote&quot; &amp; more</p></blockquote>",
        "<ul><li>a &lt;i&gt;</li><li>b</li></ul>",
    ]


def test_every_image_is_shipped(sqlite_store: SqlStore) -> None:
    load_sample_edition(sqlite_store, utcnow())
    urls = {i.url for a in _all_articles(sqlite_store) for i in a.images}
    assert len(urls) >= 10
    for url in urls:
        assert url.startswith("/static/sample/")
        svg = STATIC / url.removeprefix("/static/")
        assert svg.is_file() and svg.read_text(encoding="utf-8").startswith("<svg")
    assert all(i.caption and i.credit for a in _all_articles(sqlite_store) for i in a.images)


def test_sample_catalog_is_valid() -> None:
    catalog = sample_catalog()
    assert len(catalog.publishers) == 6
    assert {f.section for f in catalog.feeds} <= {s for p in catalog.publishers for s in p.sections}


def test_cli_sample_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"NEWSSTAND_DATA_DIR": str(tmp_path / "data"), "NEWSSTAND_DATABASE_URL": ""})
    first = runner.invoke(main, ["sample", "load"])
    assert first.exit_code == 0, first.output
    assert "34 articles (34 new" in first.output
    again = runner.invoke(main, ["sample", "load"])
    assert again.exit_code == 0 and "(0 new" in again.output
