"""WebSub subscriptions (migration 0014): one row per feed and hub."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from newsstand.errors import NotFoundError
from newsstand.model import PushState, PushSubscription
from newsstand.store.sql import schema as t
from newsstand.store.sql.engine import SqlBase

push_subscriptions = sa.Table(
    "push_subscriptions",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    sa.Column("hub_url", sa.Text, nullable=False),
    sa.Column("topic_url", sa.Text, nullable=False),
    sa.Column("callback_id", sa.String(64), nullable=False, unique=True),
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("requested", t.UTCDateTime, nullable=False),
    sa.Column("lease_seconds", sa.Integer, nullable=True),
    sa.Column("verified", t.UTCDateTime, nullable=True),
    sa.Column("expires", t.UTCDateTime, nullable=True),
    sa.Column("last_push", t.UTCDateTime, nullable=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_push_subscriptions_feed", "feed_id"),
)
_FIELDS = (
    "feed_id", "hub_url", "topic_url", "callback_id", "secret", "state", "requested",
    "lease_seconds", "verified", "expires", "last_push", "failures", "last_error",
)  # fmt: skip


def _record(row: Any) -> PushSubscription:
    values = {name: getattr(row, name) for name in _FIELDS}
    return PushSubscription(**{**values, "state": PushState(row.state)}, id=row.id)


class PushMixin(SqlBase):
    def put_push_subscription(self, sub: PushSubscription) -> PushSubscription:
        values = {name: getattr(sub, name) for name in _FIELDS}
        values["state"] = sub.state.value
        with self._write() as conn:
            if sub.id is None:
                new_id = conn.execute(
                    push_subscriptions.insert().values(values).returning(push_subscriptions.c.id)
                ).scalar_one()
                return replace(sub, id=int(new_id))
            query = push_subscriptions.update().where(push_subscriptions.c.id == sub.id).values(values)
            if conn.execute(query).rowcount == 0:
                raise NotFoundError("push subscription", sub.id)
        return sub

    def push_subscription(self, callback_id: str) -> PushSubscription:
        query = sa.select(push_subscriptions).where(push_subscriptions.c.callback_id == callback_id)
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError("push subscription", callback_id[:12])
        return _record(row)

    def push_subscriptions(self, feed_id: int | None = None) -> list[PushSubscription]:
        query = sa.select(push_subscriptions).order_by(push_subscriptions.c.id)
        if feed_id is not None:
            query = query.where(push_subscriptions.c.feed_id == feed_id)
        with self._read() as conn:
            return [_record(r) for r in conn.execute(query)]
