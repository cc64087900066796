"""The tables, as SQLAlchemy Core objects, and the column types they share.

This module describes the schema the code queries; the migrations under
``store/migrations/versions`` create it. Keep the two in step: a new column
here needs a new numbered migration.

Lists that are read and written as a whole (authors, images, tags, a
publisher's sections) are JSON text. Article sections are a link table
instead, because listings and search filter on them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from newsstand.model import Image


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database.

    SQLite keeps them as naive UTC text (which sorts correctly); PostgreSQL as
    ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()

publishers = sa.Table(
    "publishers",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("homepage", sa.Text, nullable=False, server_default=""),
    sa.Column("country", sa.String(8), nullable=False, server_default=""),
    sa.Column("language", sa.String(16), nullable=False, server_default=""),
    sa.Column("sections", sa.Text, nullable=False, server_default="[]"),
    sa.Column("logo_url", sa.Text, nullable=False, server_default=""),
    sa.Column("licence_tier", sa.String(16), nullable=False, server_default="open"),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
)

feeds = sa.Table(
    "feeds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.Text, nullable=False, unique=True),
    sa.Column(
        "publisher_id", sa.String(100), sa.ForeignKey("publishers.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("section", sa.Text, nullable=False, server_default=""),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("disabled_reason", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_feeds_publisher", "publisher_id", "section"),
)

feed_states = sa.Table(
    "feed_states",
    metadata,
    sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("etag", sa.Text, nullable=False, server_default=""),
    sa.Column("last_modified", sa.Text, nullable=False, server_default=""),
    sa.Column("last_fetched", UTCDateTime),
    sa.Column("last_success", UTCDateTime),
    sa.Column("next_poll", UTCDateTime),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("failing", sa.Boolean, nullable=False, server_default=sa.false()),
)

fetch_records = sa.Table(
    "fetch_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("bytes", sa.Integer, nullable=False),
    sa.Column("new_entries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_entries", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_poll", UTCDateTime),
    sa.Index("ix_fetch_records_feed_at", "feed_id", "at"),
    sa.Index("ix_fetch_records_at", "at"),
)

# Articles keep no foreign key to publishers: removing a publisher keeps its
# articles, so readers' saved articles and history survive.
articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("publisher_id", sa.String(100), nullable=False),
    sa.Column("url", sa.Text, nullable=False, unique=True),
    sa.Column("guid", sa.Text, nullable=False, server_default=""),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("standfirst", sa.Text, nullable=False, server_default=""),
    sa.Column("authors", sa.Text, nullable=False, server_default="[]"),
    sa.Column("section", sa.Text, nullable=False, server_default=""),
    sa.Column("body_html", sa.Text, nullable=False, server_default=""),
    sa.Column("body_text", sa.Text, nullable=False, server_default=""),
    sa.Column("images", sa.Text, nullable=False, server_default="[]"),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column("updated", UTCDateTime),
    sa.Column("language", sa.String(16), nullable=False, server_default=""),
    sa.Column("kind", sa.String(16), nullable=False, server_default="article"),
    sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
    sa.Column("full_text", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("fetched", UTCDateTime),
    sa.Column("story_id", sa.Integer),
    # The stems of the article's words with accents folded, for forgiving search (0016).
    sa.Column("search_keys", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_articles_published", "published", "id"),
    sa.Index("ix_articles_publisher_published", "publisher_id", "published"),
    sa.Index(
        "ux_articles_publisher_guid",
        "publisher_id",
        "guid",
        unique=True,
        sqlite_where=sa.text("guid <> ''"),
        postgresql_where=sa.text("guid <> ''"),
    ),
)

# Every section an article was listed in, and through which feed first.
article_sections = sa.Table(
    "article_sections",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("section", sa.Text, primary_key=True),
    sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="SET NULL")),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("published", UTCDateTime),  # the article's, kept by triggers (migration 0009)
    sa.Index("ix_article_sections_section", "section", "article_id"),
    sa.Index("ix_article_sections_listing", "section", "published", "article_id"),
    sa.Index("ix_article_sections_feed", "feed_id"),
)

live_entries = sa.Table(
    "live_entries",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("entry_id", sa.Text, primary_key=True),
    sa.Column("posted", UTCDateTime, nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("body_html", sa.Text, nullable=False, server_default=""),
    sa.Column("body_text", sa.Text, nullable=False, server_default=""),
    sa.Column("updated", UTCDateTime),
    sa.Column("key_event", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("summary", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("marked_updated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
    sa.Column("images", sa.Text, nullable=False, server_default="[]"),
    sa.Index("ix_live_entries_posted", "article_id", "posted"),
)


def dump_strings(values: tuple[str, ...]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def load_strings(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    data: Any = json.loads(text)
    return tuple(str(x) for x in data)


def dump_images(images: tuple[Image, ...]) -> str:
    rows = [
        {
            k: v
            for k, v in (
                ("url", i.url),
                ("caption", i.caption),
                ("credit", i.credit),
                ("alt", i.alt),
                ("width", i.width),
                ("height", i.height),
            )
            if v not in ("", None)
        }
        for i in images
    ]
    return json.dumps(rows, ensure_ascii=False)


def load_images(text: str | None) -> tuple[Image, ...]:
    if not text:
        return ()
    rows: list[dict[str, Any]] = json.loads(text)
    return tuple(
        Image(
            url=str(r.get("url", "")),  # a photo known only by caption and credit has no URL
            caption=str(r.get("caption", "")),
            credit=str(r.get("credit", "")),
            alt=str(r.get("alt", "")),
            width=r.get("width"),
            height=r.get("height"),
        )
        for r in rows
    )
