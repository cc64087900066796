"""Publishers and their feeds."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from newsstand.errors import ConflictError, NotFoundError
from newsstand.model import Feed, LicenceTier, Publisher
from newsstand.store.sql import schema as t
from newsstand.store.sql.engine import SqlBase


def _publisher_values(p: Publisher) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "homepage": p.homepage,
        "country": p.country,
        "language": p.language,
        "sections": t.dump_strings(p.sections),
        "logo_url": p.logo_url,
        "licence_tier": p.licence_tier.value,
        "enabled": p.enabled,
    }


def _publisher(row: sa.Row[Any]) -> Publisher:
    return Publisher(
        id=row.id,
        name=row.name,
        homepage=row.homepage,
        country=row.country,
        language=row.language,
        sections=t.load_strings(row.sections),
        logo_url=row.logo_url,
        licence_tier=LicenceTier(row.licence_tier),
        enabled=bool(row.enabled),
    )


def feed_from_row(row: sa.Row[Any]) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        publisher_id=row.publisher_id,
        section=row.section,
        title=row.title,
        enabled=bool(row.enabled),
        disabled_reason=row.disabled_reason,
    )


FEED_COLUMNS = [
    t.feeds.c[name]
    for name in ("id", "url", "publisher_id", "section", "title", "enabled", "disabled_reason")
]


def require_feed(conn: Connection, feed_id: int) -> None:
    """Raise NotFoundError unless the feed exists."""
    if conn.execute(sa.select(t.feeds.c.id).where(t.feeds.c.id == feed_id)).first() is None:
        raise NotFoundError("feed", feed_id)


class CatalogMixin(SqlBase):
    def add_publisher(self, publisher: Publisher) -> None:
        with self._write() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(t.publishers.insert().values(_publisher_values(publisher)))
            except exc.IntegrityError as e:
                raise ConflictError("publisher", publisher.id) from e

    def update_publisher(self, publisher: Publisher) -> None:
        with self._write() as conn:
            values = _publisher_values(publisher)
            del values["id"]
            res = conn.execute(t.publishers.update().where(t.publishers.c.id == publisher.id).values(values))
            if res.rowcount == 0:
                raise NotFoundError("publisher", publisher.id)

    def get_publisher(self, publisher_id: str) -> Publisher:
        with self._read() as conn:
            row = conn.execute(sa.select(t.publishers).where(t.publishers.c.id == publisher_id)).first()
        if row is None:
            raise NotFoundError("publisher", publisher_id)
        return _publisher(row)

    def list_publishers(self, *, enabled_only: bool = False) -> list[Publisher]:
        stmt = sa.select(t.publishers).order_by(t.publishers.c.name, t.publishers.c.id)
        if enabled_only:
            stmt = stmt.where(t.publishers.c.enabled.is_(True))
        with self._read() as conn:
            return [_publisher(r) for r in conn.execute(stmt)]

    def remove_publisher(self, publisher_id: str) -> None:
        with self._write() as conn:
            # Feeds, their state and health go by ON DELETE CASCADE; articles stay.
            res = conn.execute(t.publishers.delete().where(t.publishers.c.id == publisher_id))
            if res.rowcount == 0:
                raise NotFoundError("publisher", publisher_id)

    def add_feed(self, feed: Feed) -> Feed:
        with self._write() as conn:
            exists = sa.select(t.publishers.c.id).where(t.publishers.c.id == feed.publisher_id)
            if conn.execute(exists).first() is None:
                raise NotFoundError("publisher", feed.publisher_id)
            values = {
                "url": feed.url,
                "publisher_id": feed.publisher_id,
                "section": feed.section,
                "title": feed.title,
                "enabled": feed.enabled,
                "disabled_reason": feed.disabled_reason,
            }
            try:
                with conn.begin_nested():
                    insert = t.feeds.insert().values(values).returning(t.feeds.c.id)
                    new_id = conn.execute(insert).scalar_one()
            except exc.IntegrityError as e:
                raise ConflictError("feed", feed.url) from e
        return Feed(**{**values, "id": new_id})

    def get_feed(self, feed_id: int) -> Feed:
        with self._read() as conn:
            row = conn.execute(sa.select(*FEED_COLUMNS).where(t.feeds.c.id == feed_id)).first()
        if row is None:
            raise NotFoundError("feed", feed_id)
        return feed_from_row(row)

    def get_feed_by_url(self, url: str) -> Feed:
        with self._read() as conn:
            row = conn.execute(sa.select(*FEED_COLUMNS).where(t.feeds.c.url == url)).first()
        if row is None:
            raise NotFoundError("feed", url)
        return feed_from_row(row)

    def list_feeds(self, publisher_id: str | None = None, *, enabled_only: bool = False) -> list[Feed]:
        stmt = sa.select(*FEED_COLUMNS).order_by(t.feeds.c.publisher_id, t.feeds.c.section, t.feeds.c.url)
        if publisher_id is not None:
            stmt = stmt.where(t.feeds.c.publisher_id == publisher_id)
        if enabled_only:
            stmt = stmt.where(t.feeds.c.enabled.is_(True))
        with self._read() as conn:
            return [feed_from_row(r) for r in conn.execute(stmt)]

    def set_feed_enabled(self, feed_id: int, enabled: bool, reason: str = "") -> None:
        """Raises NotFoundError for an unknown feed."""
        with self._write() as conn:
            res = conn.execute(
                t.feeds.update()
                .where(t.feeds.c.id == feed_id)
                .values(enabled=enabled, disabled_reason="" if enabled else reason)
            )
            if res.rowcount == 0:
                raise NotFoundError("feed", feed_id)

    def update_feed_url(self, feed_id: int, url: str) -> None:
        with self._write() as conn:
            require_feed(conn, feed_id)
            try:
                with conn.begin_nested():
                    conn.execute(t.feeds.update().where(t.feeds.c.id == feed_id).values(url=url))
            except exc.IntegrityError as e:
                raise ConflictError("feed", url) from e

    def remove_feed(self, feed_id: int) -> None:
        with self._write() as conn:
            res = conn.execute(t.feeds.delete().where(t.feeds.c.id == feed_id))
            if res.rowcount == 0:
                raise NotFoundError("feed", feed_id)
