"""Small builders for store tests: valid domain objects with overridable fields."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from newsstand.model import Article, Feed, FeedState, FetchRecord, Publisher
from newsstand.store import SqlStore

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def publisher(pid: str = "daily", **changes: Any) -> Publisher:
    base = Publisher(
        id=pid,
        name=pid.title() + " News",
        homepage=f"https://{pid}.example",
        country="GB",
        language="en",
    )
    return replace(base, **changes)


def article(n: int, pid: str = "daily", **changes: Any) -> Article:
    base = Article(
        publisher_id=pid,
        url=f"https://{pid}.example/a/{n}",
        title=f"Article number {n}",
        published=T0 + timedelta(minutes=n),
        guid=f"{pid}-{n}",
        standfirst=f"Standfirst of article {n}",
        body_html=f"<p>Body of article {n}.</p>",
        body_text=f"Body of article {n}.",
        language="en",
    )
    return replace(base, **changes)


def record(feed_id: int, at: datetime = T0, **changes: Any) -> FetchRecord:
    return replace(FetchRecord(feed_id=feed_id, at=at, status=200, latency_ms=10.0, bytes=500), **changes)


def state(feed_id: int, **changes: Any) -> FeedState:
    return replace(FeedState(feed_id=feed_id), **changes)


def migrate_to(url: str, revision: str) -> None:
    """Bring an empty database to an older revision, as a store released then left it."""
    from alembic import command

    from newsstand.store.sql import migrate
    from newsstand.store.sql.engine import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def with_feed(store: SqlStore, pid: str = "daily", section: str = "world") -> Feed:
    """Add the publisher if needed and a feed for ``section``; return the feed."""
    if pid not in {p.id for p in store.list_publishers()}:
        store.add_publisher(publisher(pid))
    return store.add_feed(Feed(url=f"https://{pid}.example/{section}.rss", publisher_id=pid, section=section))


def feed_id(feed: Feed) -> int:
    assert feed.id is not None
    return feed.id


def insert_as_old_schema(store: Any, articles: list[Article]) -> list[int]:
    """Insert ``articles`` into a database an older migration left, writing only the columns
    its ``articles`` table has (the current store writes columns later migrations add)."""
    import sqlalchemy as sa

    from newsstand.store.sql.articles import article_values

    engine = store.engine
    table = sa.Table("articles", sa.MetaData(), autoload_with=engine)
    ids = []
    with engine.begin() as conn:
        for a in articles:
            values = {k: v for k, v in article_values(a).items() if k in table.c}
            ids.append(int(conn.execute(table.insert().values(values).returning(table.c.id)).scalar_one()))
    return ids
