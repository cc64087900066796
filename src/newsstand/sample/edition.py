"""The offline sample edition: fictional publishers and articles, stored through
the Store interface so the reader has something to show with no network.

Every name, place and word in ``data/edition.toml`` is invented for Newsstand.
Times in the file are minutes before "now", so the edition always looks fresh.
Loading twice updates the same articles rather than adding copies: articles are
matched by their GUID, live-blog entries by their id.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from newsstand.catalog.core import Catalog, validate_catalog
from newsstand.errors import CatalogError, NotFoundError
from newsstand.markup.sanitize import html_to_text, sanitize_html
from newsstand.model import (
    Article,
    ArticleKind,
    Feed,
    Image,
    LicenceTier,
    LiveEntry,
    LiveMergeScope,
    Publisher,
    utc,
)
from newsstand.sample.markup import render
from newsstand.store.base import Store

SAMPLE_HOST = "https://sample.newsstand.invalid"
OFFLINE_REASON = "sample edition: offline"
IMAGE_BASE = "/static/sample/"
IMAGE_CREDIT = "Illustration: Newsstand sample edition"


@dataclass(frozen=True, slots=True)
class SampleSummary:
    """What loading the sample edition did."""

    publishers: int
    feeds: int
    articles: int
    created: int  # articles new to the store
    updated: int  # articles that were there and changed
    live_entries: int


@lru_cache(maxsize=1)
def _edition() -> dict[str, Any]:
    data = resources.files("newsstand.sample").joinpath("data", "edition.toml").read_bytes()
    try:
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:  # a packaging mistake, not a user error
        raise CatalogError(f"sample edition data is broken: {exc}", "edition.toml") from exc


def sample_catalog() -> Catalog:
    """The sample publishers and their (disabled, never fetched) feeds."""
    publishers, feeds = [], []
    for p in _edition()["publisher"]:
        home = f"{SAMPLE_HOST}/{p['id']}/"
        own = [
            Feed(
                url=f"{home}{section.lower()}.xml",
                publisher_id=p["id"],
                section=section,
                title=f"{p['name']}: {section}",
                enabled=False,
                disabled_reason=OFFLINE_REASON,
            )
            for section in p["sections"]
        ]
        feeds.extend(own)
        publishers.append(
            Publisher(
                id=p["id"],
                name=p["name"],
                homepage=home,
                country=p["country"],
                language=p["language"],
                sections=tuple(p["sections"]),
                licence_tier=LicenceTier(p.get("tier", "open")),
            )
        )
    return validate_catalog(Catalog(tuple(publishers), tuple(feeds)), source="sample edition")


def _image(entry: dict[str, Any]) -> tuple[Image, ...]:
    if "image" not in entry:
        return ()
    return (
        Image(
            url=f"{IMAGE_BASE}{entry['image']}.svg",
            caption=entry.get("caption", ""),
            credit=IMAGE_CREDIT,
            alt=entry.get("alt", entry.get("caption", "")),
            width=1200,
            height=675,
        ),
    )


def _body(text: str, base_url: str) -> tuple[str, str]:
    html = sanitize_html(render(text), base_url)
    return html, html_to_text(html)


def _ago(now: datetime, minutes: int | None) -> datetime | None:
    return None if minutes is None else now - timedelta(minutes=minutes)


def build_articles(now: datetime, languages: dict[str, str]) -> list[Article]:
    """Every sample article (live blog included) timed relative to ``now``."""
    articles = []
    for a in _edition()["article"]:
        url = f"{SAMPLE_HOST}/{a['publisher']}/{a['slug']}"
        html, text = _body(a["body"], url)
        sections = tuple(a.get("sections", [a["section"]]))
        published = _ago(now, a["age"])
        assert published is not None
        articles.append(
            Article(
                publisher_id=a["publisher"],
                url=url,
                guid=f"sample:{a['publisher']}:{a['slug']}",
                title=a["title"],
                standfirst=a.get("standfirst", ""),
                authors=tuple(a.get("authors", ())),
                section=sections[0],
                sections=sections,
                body_html=html,
                body_text=text,
                images=_image(a),
                published=published,
                updated=_ago(now, a.get("updated")),
                language=languages[a["publisher"]],
                kind=ArticleKind(a.get("kind", "article")),
                tags=tuple(a.get("tags", ())),
                full_text=True,
                fetched=now,
            )
        )
    return articles


def build_live_entries(now: datetime) -> dict[str, list[LiveEntry]]:
    """Live-blog entries keyed by the slug of the live blog they belong to."""
    by_blog: dict[str, list[LiveEntry]] = {}
    for e in _edition()["live_entry"]:
        html, text = _body(e["body"], f"{SAMPLE_HOST}/{e['blog']}")
        posted = _ago(now, e["age"])
        assert posted is not None
        by_blog.setdefault(e["blog"], []).append(
            LiveEntry(
                entry_id=f"sample-{e['blog']}-{e['id']}",
                posted=posted,
                title=e.get("title", ""),
                body_html=html,
                body_text=text,
                updated=_ago(now, e.get("updated")),
                key_event=e.get("key_event", False),
                pinned=e.get("pinned", False),
                summary=e.get("summary", False),
                marked_updated=e.get("updated") is not None,
                images=_image(e),
            )
        )
    return by_blog


def _store_catalog(store: Store, catalog: Catalog) -> dict[tuple[str, str], int]:
    """Add or refresh the sample publishers and feeds; return feed ids by
    (publisher, section), so each article is filed under its own section's feed."""
    for p in catalog.publishers:
        try:
            store.get_publisher(p.id)
        except NotFoundError:
            store.add_publisher(p)
        else:
            store.update_publisher(p)
    feed_ids: dict[tuple[str, str], int] = {}
    for f in catalog.feeds:
        try:
            stored = store.get_feed_by_url(f.url)
        except NotFoundError:
            stored = store.add_feed(f)
        assert stored.id is not None
        if stored.enabled:  # never let ingestion try the invented host
            store.set_feed_enabled(stored.id, False, OFFLINE_REASON)
        feed_ids[(f.publisher_id, f.section)] = stored.id
    return feed_ids


def load_sample_edition(store: Store, now: datetime) -> SampleSummary:
    """Store the sample edition with its times relative to ``now``.

    Idempotent: a second call updates the same publishers, feeds, articles and
    live-blog entries instead of adding copies. Raises StorageError when the
    store fails.
    """
    now = utc(now)
    catalog = sample_catalog()
    feed_of = _store_catalog(store, catalog)
    languages = {p.id: p.language for p in catalog.publishers}
    created = updated = live = 0
    entries = build_live_entries(now)
    for article in build_articles(now, languages):
        result = store.upsert_article(article, feed_of[(article.publisher_id, article.section)])
        created += result.created
        updated += result.changed and not result.created
        slug = article.url.rsplit("/", 1)[1]
        if article.is_liveblog and slug in entries:
            store.merge_live_entries(result.article_id, entries[slug], scope=LiveMergeScope.WHOLE)
            live += len(entries[slug])
    return SampleSummary(
        publishers=len(catalog.publishers),
        feeds=len(catalog.feeds),
        articles=len(_edition()["article"]),
        created=created,
        updated=updated,
        live_entries=live,
    )
