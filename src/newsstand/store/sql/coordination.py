"""Coordination between processes through the database (migration 0018).

Leases elect one scheduler and keep one-at-a-time steps to one worker; feed claims say
which feeds are queued and which worker polls each; host slots cap the fetches in
flight to one host across every worker. Each is a row with an expiry, taken and given
back in short transactions, so a process that dies holds nothing past its lease. The
conditional UPDATEs re-check their condition on the row another transaction just
changed (PostgreSQL's READ COMMITTED), and SQLite writers take the write lock first,
so two takers never both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from newsstand.store.base import PollStart
from newsstand.store.sql import schema as t
from newsstand.store.sql.catalog import FEED_COLUMNS, feed_from_row
from newsstand.store.sql.engine import SqlBase, among
from newsstand.store.sql.feeds import _STATE_COLUMNS, _state
from newsstand.store.sql.schema import UTCDateTime

leases = sa.Table(
    "leases",
    t.metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("holder", sa.String(100), nullable=False),
    sa.Column("expires", UTCDateTime, nullable=False),
)

feed_claims = sa.Table(
    "feed_claims",
    t.metadata,
    sa.Column("feed_id", sa.Integer, primary_key=True),
    sa.Column("queued_at", UTCDateTime),
    sa.Column("holder", sa.String(100), nullable=False, server_default=""),
    sa.Column("held_until", UTCDateTime),
)

host_slots = sa.Table(
    "host_slots",
    t.metadata,
    sa.Column("host", sa.String(255), primary_key=True),
    sa.Column("holder", sa.String(100), primary_key=True),
    sa.Column("expires", UTCDateTime, nullable=False),
)


def _insert_new(conn: Connection, table: sa.Table, values: dict[str, Any]) -> bool:
    """Insert a row unless its key exists (another taker was first): whether it was inserted."""
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(**values))
    except exc.IntegrityError:
        return False
    return True


def _take_host(conn: Connection, host: str, holder: str, now: datetime, seconds: float, limit: int) -> bool:
    hs = host_slots.c
    if conn.dialect.name == "postgresql":
        # Counting then inserting is not atomic under READ COMMITTED: serialise the takers of
        # one host for the length of this short transaction.
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("host:" + host))))
    others = sa.select(sa.func.count()).where(hs.host == host, hs.holder != holder, hs.expires > now)
    if conn.execute(others).scalar_one() >= limit:
        return False
    expires = now + timedelta(seconds=seconds)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(host_slots).values(host=host, holder=holder, expires=expires)
    conn.execute(stmt.on_conflict_do_update(index_elements=["host", "holder"], set_={"expires": expires}))
    return True


def _relaxed(conn: Connection) -> None:
    """Commit without waiting for the disk: a claim, a slot or a lease lost in a crash only
    expires, and these transactions come two a poll (PostgreSQL; SQLite has no such switch)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def _claim(conn: Connection, feed_id: int, holder: str, now: datetime, seconds: float) -> bool:
    fc = feed_claims.c
    until = now + timedelta(seconds=seconds)
    taken = conn.execute(
        feed_claims.update()
        .where(fc.feed_id == feed_id)
        .where(sa.or_(fc.held_until.is_(None), fc.held_until <= now, fc.holder == holder))
        .values(holder=holder, held_until=until)
    ).rowcount
    if taken:
        return True
    if conn.execute(sa.select(fc.feed_id).where(fc.feed_id == feed_id)).first() is not None:
        return False
    values = {"feed_id": feed_id, "queued_at": None, "holder": holder, "held_until": until}
    return _insert_new(conn, feed_claims, values)


class CoordinationMixin(SqlBase):
    # --- leases -----------------------------------------------------------------------------

    def take_lease(self, name: str, holder: str, now: datetime, seconds: float) -> bool:
        expires = now + timedelta(seconds=seconds)
        c = leases.c
        with self._write() as conn:
            renewed = conn.execute(
                leases.update()
                .where(c.name == name, sa.or_(c.holder == holder, c.expires <= now))
                .values(holder=holder, expires=expires)
            ).rowcount
            if renewed:
                return True
            return _insert_new(conn, leases, {"name": name, "holder": holder, "expires": expires})

    def release_lease(self, name: str, holder: str) -> None:
        with self._write() as conn:
            conn.execute(leases.delete().where(leases.c.name == name, leases.c.holder == holder))

    def lease_holder(self, name: str, now: datetime) -> str | None:
        with self._read() as conn:
            row = conn.execute(
                sa.select(leases.c.holder).where(leases.c.name == name, leases.c.expires > now)
            ).first()
        return None if row is None else str(row.holder)

    # --- feeds ------------------------------------------------------------------------------

    def queue_due_feeds(self, now: datetime, limit: int, requeue_after: float) -> list[int]:
        fc, fs, f = feed_claims.c, t.feed_states.c, t.feeds.c
        stale = now - timedelta(seconds=requeue_after)
        with self._write() as conn:
            # Slots of holders that died are ignored once expired; the scheduler sweeps them.
            conn.execute(host_slots.delete().where(host_slots.c.expires <= now))
            ids = list(
                conn.execute(
                    sa.select(f.id)
                    .select_from(
                        t.feeds.join(t.publishers, t.publishers.c.id == f.publisher_id)
                        .outerjoin(t.feed_states, fs.feed_id == f.id)
                        .outerjoin(feed_claims, fc.feed_id == f.id)
                    )
                    .where(f.enabled.is_(True), t.publishers.c.enabled.is_(True))
                    .where(sa.or_(fs.next_poll.is_(None), fs.next_poll <= now))
                    .where(sa.or_(fc.queued_at.is_(None), fc.queued_at <= stale))
                    .where(sa.or_(fc.held_until.is_(None), fc.held_until <= now))
                    .order_by(fs.next_poll.is_not(None), fs.next_poll, f.id)
                    .limit(limit)
                ).scalars()
            )
            if ids:
                existing = set(conn.execute(sa.select(fc.feed_id).where(among(fc.feed_id, ids))).scalars())
                if existing:
                    conn.execute(
                        feed_claims.update().where(among(fc.feed_id, existing)).values(queued_at=now)
                    )
                fresh = [{"feed_id": i, "queued_at": now} for i in ids if i not in existing]
                if fresh:
                    conn.execute(feed_claims.insert(), fresh)
        return ids

    def unqueue_feeds(self, feed_ids: Sequence[int]) -> None:
        with self._write() as conn:
            conn.execute(
                feed_claims.update().where(among(feed_claims.c.feed_id, feed_ids)).values(queued_at=None)
            )

    def claim_feed(self, feed_id: int, holder: str, now: datetime, seconds: float) -> bool:
        with self._write() as conn:
            return _claim(conn, feed_id, holder, now, seconds)

    def start_poll(
        self, feed_id: int, holder: str, now: datetime, seconds: float, host_limit: int
    ) -> PollStart:
        with self._write() as conn:
            _relaxed(conn)
            # Claim first, then read: the state read is then the one the last holder committed.
            claimed = _claim(conn, feed_id, holder, now, seconds)
            row = conn.execute(
                sa.select(*FEED_COLUMNS, *_STATE_COLUMNS)
                .select_from(t.feeds.outerjoin(t.feed_states, t.feed_states.c.feed_id == t.feeds.c.id))
                .where(t.feeds.c.id == feed_id)
            ).first()
            if row is None:
                return PollStart("gone")
            if not claimed:
                return PollStart("busy")
            feed, state = feed_from_row(row), _state(feed_id, row)
            host = urlsplit(feed.url).hostname or ""
            if not _take_host(conn, host, holder, now, seconds, host_limit):
                return PollStart("host_busy", feed, state, host)
        return PollStart("ok", feed, state, host)

    def finish_poll(self, feed_id: int, host: str, holder: str) -> None:
        with self._write() as conn:
            _relaxed(conn)
            conn.execute(host_slots.delete().where(host_slots.c.host == host, host_slots.c.holder == holder))
            conn.execute(
                feed_claims.delete().where(feed_claims.c.feed_id == feed_id, feed_claims.c.holder == holder)
            )

    def unclaim_feed(self, feed_id: int, holder: str) -> None:
        fc = feed_claims.c
        with self._write() as conn:
            conn.execute(
                feed_claims.update().where(fc.feed_id == feed_id, fc.holder == holder)
                .values(holder="", held_until=None)
            )  # fmt: skip

    def release_feed(self, feed_id: int, holder: str) -> None:
        with self._write() as conn:
            conn.execute(
                feed_claims.delete().where(feed_claims.c.feed_id == feed_id, feed_claims.c.holder == holder)
            )

    def queued_feeds(self, now: datetime) -> tuple[int, int]:
        fc = feed_claims.c
        with self._read() as conn:
            row = conn.execute(
                sa.select(
                    sa.func.count(fc.queued_at),
                    sa.func.count(fc.held_until).filter(fc.held_until > now),
                )
            ).one()
        return int(row[0]), int(row[1])

    # --- hosts ------------------------------------------------------------------------------

    def take_host_slot(self, host: str, holder: str, now: datetime, seconds: float, limit: int) -> bool:
        with self._write() as conn:
            return _take_host(conn, host, holder, now, seconds, limit)

    def release_host_slot(self, host: str, holder: str) -> None:
        with self._write() as conn:
            conn.execute(host_slots.delete().where(host_slots.c.host == host, host_slots.c.holder == holder))

    # --- figures for metrics ----------------------------------------------------------------

    def ingest_figures(self, now: datetime, since: datetime) -> dict[str, int]:
        fs, f, fr = t.feed_states.c, t.feeds.c, t.fetch_records.c
        outcome = sa.case((fr.error != "", "failed"), (fr.status == 304, "not_modified"), else_="ok").label(
            "outcome"
        )
        with self._read() as conn:
            due = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.feeds.outerjoin(t.feed_states, fs.feed_id == f.id))
                .where(f.enabled.is_(True), sa.or_(fs.next_poll.is_(None), fs.next_poll <= now))
            ).scalar_one()
            rows = conn.execute(
                sa.select(outcome, sa.func.count()).where(fr.at >= since).group_by(outcome)
            ).all()
        figures = {"due": int(due), "ok": 0, "not_modified": 0, "failed": 0}
        figures.update({str(name): int(n) for name, n in rows})
        return figures
