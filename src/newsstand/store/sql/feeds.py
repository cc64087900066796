"""Feed fetch state and feed health (one row per fetch)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from newsstand.errors import NewsstandError, NotFoundError
from newsstand.model import Feed, FeedState, FetchRecord, UpsertResult
from newsstand.store.base import FeedItem, Fetched
from newsstand.store.sql import schema as t
from newsstand.store.sql.articles import ArticlesMixin
from newsstand.store.sql.articles_batch import upsert_items
from newsstand.store.sql.catalog import FEED_COLUMNS, feed_from_row, require_feed
from newsstand.store.sql.engine import among, translated

_STATE_FIELDS = (
    "etag", "last_modified", "last_fetched", "last_success", "next_poll",
    "consecutive_failures", "last_error", "failing",
)  # fmt: skip


def _state(feed_id: int, row: sa.Row[Any] | None) -> FeedState:
    if row is None or row.s_feed_id is None:
        return FeedState(feed_id=feed_id)
    return FeedState(
        feed_id=feed_id,
        etag=row.etag,
        last_modified=row.last_modified,
        last_fetched=row.last_fetched,
        last_success=row.last_success,
        next_poll=row.next_poll,
        consecutive_failures=row.consecutive_failures,
        last_error=row.last_error,
        failing=bool(row.failing),
    )


_STATE_COLUMNS = [t.feed_states.c.feed_id.label("s_feed_id")] + [t.feed_states.c[f] for f in _STATE_FIELDS]


def _record(row: sa.Row[Any]) -> FetchRecord:
    return FetchRecord(
        feed_id=row.feed_id,
        at=row.at,
        status=row.status,
        latency_ms=row.latency_ms,
        bytes=row.bytes,
        new_entries=row.new_entries,
        updated_entries=row.updated_entries,
        error=row.error,
        consecutive_failures=row.consecutive_failures,
        next_poll=row.next_poll,
    )


def save_state(conn: Connection, state: FeedState) -> None:
    """Insert or replace a feed's state row."""
    save_states(conn, [state])


def save_states(conn: Connection, states: Sequence[FeedState]) -> None:
    """Insert or replace feeds' state rows, with one statement."""
    if not states:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(t.feed_states)
    update = {f: stmt.excluded[f] for f in _STATE_FIELDS}
    rows = [{"feed_id": s.feed_id, **{f: getattr(s, f) for f in _STATE_FIELDS}} for s in states]
    conn.execute(stmt.on_conflict_do_update(index_elements=["feed_id"], set_=update), rows)


def _record_values(record: FetchRecord, results: Sequence[UpsertResult]) -> dict[str, Any]:
    """A health row; new and updated counts come from storing the items when the record
    leaves both at 0."""
    values = {f: getattr(record, f) for f in (
        "feed_id", "at", "status", "latency_ms", "bytes", "new_entries", "updated_entries",
        "error", "consecutive_failures", "next_poll",
    )}  # fmt: skip
    if not record.new_entries and not record.updated_entries:
        values["new_entries"] = sum(r.created for r in results)
        values["updated_entries"] = sum(r.changed and not r.created for r in results)
    return values


class FeedStateMixin(ArticlesMixin):
    def _feeds_with_state(self) -> sa.Select[Any]:
        return sa.select(*FEED_COLUMNS, *_STATE_COLUMNS).select_from(
            t.feeds.outerjoin(t.feed_states, t.feed_states.c.feed_id == t.feeds.c.id)
        )

    def get_feed_state(self, feed_id: int) -> FeedState:
        """Raises NotFoundError for an unknown feed."""
        with self._read() as conn:
            row = conn.execute(self._feeds_with_state().where(t.feeds.c.id == feed_id)).first()
        if row is None:
            raise NotFoundError("feed", feed_id)
        return _state(feed_id, row)

    def save_feed_state(self, state: FeedState) -> None:
        """Store a feed's state alone (no fetch). Raises NotFoundError for an unknown feed."""
        with self._write() as conn:
            require_feed(conn, state.feed_id)
            save_state(conn, state)

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[tuple[Feed, FeedState]]:
        next_poll = t.feed_states.c.next_poll
        stmt = (
            self._feeds_with_state()
            .join(t.publishers, t.publishers.c.id == t.feeds.c.publisher_id)
            .where(t.feeds.c.enabled.is_(True), t.publishers.c.enabled.is_(True))
            .where(sa.or_(next_poll.is_(None), next_poll <= now))
            .order_by(next_poll.is_not(None), next_poll, t.feeds.c.id)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._read() as conn:
            return [(feed_from_row(r), _state(r.id, r)) for r in conn.execute(stmt)]

    def record_fetch(
        self, record: FetchRecord, state: FeedState, items: Sequence[FeedItem] = ()
    ) -> list[UpsertResult]:
        """As the Protocol says. When the record leaves new_entries and updated_entries
        at 0, they are filled in from what storing the items did. Raises NotFoundError
        for an unknown feed (then nothing is stored)."""
        outcome = self._record_many([(record, state, items)])[0]
        if isinstance(outcome, NewsstandError):
            raise outcome
        return outcome

    def record_fetches(
        self, fetches: Sequence[Fetched], *, defer_search: bool = False
    ) -> list[list[UpsertResult] | NewsstandError]:
        """As the Protocol says: one transaction; each fetch's articles in a savepoint of
        their own, then every stored fetch's state and health row with one statement each
        (a round of 304s is mostly such fetches, and a statement per row cost more than
        the rows)."""
        return self._record_many(fetches, defer_search=defer_search)

    def _record_many(
        self, fetches: Sequence[Fetched], *, defer_search: bool = False
    ) -> list[list[UpsertResult] | NewsstandError]:
        outcomes: list[list[UpsertResult] | NewsstandError] = []
        with self._write(defer_search=defer_search) as conn:
            ids = {record.feed_id for record, _, _ in fetches}
            stmt = sa.select(t.feeds.c.id).where(among(t.feeds.c.id, ids))
            known = set(conn.execute(stmt).scalars())
            stored: list[tuple[FetchRecord, FeedState, list[UpsertResult]]] = []
            for record, state, items in fetches:
                if record.feed_id not in known:
                    outcomes.append(NotFoundError("feed", record.feed_id))
                    continue
                results: list[UpsertResult] = []
                if items:  # a 304 has none: no savepoint to pay for
                    try:
                        with translated(), conn.begin_nested():
                            results = self._upsert_items(conn, items)
                    except NewsstandError as e:
                        outcomes.append(e)
                        continue
                outcomes.append(results)
                stored.append((record, state, results))
            save_states(conn, [state for _, state, _ in stored])
            if stored:
                conn.execute(t.fetch_records.insert(), [_record_values(r, res) for r, _, res in stored])
        return outcomes

    def _upsert_items(self, conn: Connection, items: Sequence[FeedItem]) -> list[UpsertResult]:
        try:
            with conn.begin_nested():
                return upsert_items(conn, items)
        except exc.IntegrityError:
            # Another writer stored one of these articles meanwhile (PostgreSQL): one by
            # one, where each insert can fall back to updating what that writer stored.
            return [self._upsert_in(conn, item.article, item.feed_id) for item in items]

    def feed_health(self, feed_id: int, limit: int = 100) -> list[FetchRecord]:
        stmt = (
            sa.select(t.fetch_records)
            .where(t.fetch_records.c.feed_id == feed_id)
            .order_by(t.fetch_records.c.at.desc(), t.fetch_records.c.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [_record(r) for r in conn.execute(stmt)]

    def feed_states(self) -> list[tuple[Feed, FeedState]]:
        failing = sa.func.coalesce(t.feed_states.c.failing, sa.false())
        failures = sa.func.coalesce(t.feed_states.c.consecutive_failures, 0)
        stmt = self._feeds_with_state().order_by(
            failing.desc(), failures.desc(), t.feeds.c.publisher_id, t.feeds.c.id
        )
        with self._read() as conn:
            return [(feed_from_row(r), _state(r.id, r)) for r in conn.execute(stmt)]
