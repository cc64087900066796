"""Fixtures for the accounts tests: a movable clock, the service on a real store,
and a publisher with a stored article to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.model import Article, LicenceTier, Publisher
from newsstand.store import SqlStore
from support import make_services

START = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
PASSWORD = "a long enough secret"


@dataclass
class Clock:
    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(store: SqlStore, store_settings: Settings, clock: Clock) -> Services:
    return make_services(store, store_settings, clock)


def add_article(
    store: SqlStore,
    publisher_id: str = "daily",
    tier: LicenceTier = LicenceTier.PARTNER,
    slug: str = "story",
) -> tuple[Publisher, Article]:
    """Store (once) a publisher of the given tier and one article of it."""
    publisher = Publisher(
        publisher_id, publisher_id.title(), f"https://{publisher_id}.example/", "GB", "en", licence_tier=tier
    )
    if publisher_id not in {p.id for p in store.list_publishers()}:
        store.add_publisher(publisher)
    article = Article(
        publisher_id=publisher_id,
        url=f"https://{publisher_id}.example/{slug}",
        title=f"A headline about {slug}",
        published=START - timedelta(hours=1),
        body_html="<p>One.</p><p>Two.</p><p>Three.</p><p>Four.</p>",
        body_text="One. Two. Three. Four.",
    )
    result = store.upsert_article(article)
    return publisher, store.get_article(result.article_id)
