"""Readers' API tokens and the token buckets that rate-limit the API (migration 0011)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from newsstand.errors import NotFoundError
from newsstand.model import ApiToken, Bucket, Membership, Reader
from newsstand.store.sql import schema as t
from newsstand.store.sql.accounts import VIEWER_COLUMNS, readers, viewer_join, viewer_of
from newsstand.store.sql.engine import SqlBase

T = TypeVar("T")

api_tokens = sa.Table(
    "api_tokens",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created", t.UTCDateTime, nullable=False),
    sa.Column("last_used", t.UTCDateTime),
    sa.Index("ix_api_tokens_reader", "reader_id"),
)
rate_buckets = sa.Table(
    "rate_buckets",
    t.metadata,
    sa.Column("key", sa.String(320), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("updated", t.UTCDateTime, nullable=False),
    sa.Index("ix_rate_buckets_updated", "updated"),
)

_TOKEN_COLUMNS = [api_tokens.c[n] for n in ("id", "reader_id", "name", "created", "last_used")]


def _token(row: Any) -> ApiToken:
    return ApiToken(row.id, row.reader_id, row.name, row.created, row.last_used)


class ApiTokensMixin(SqlBase):
    def add_api_token(self, reader_id: int, name: str, token_hash: str, created: datetime) -> ApiToken:
        values = {"reader_id": reader_id, "name": name, "token_hash": token_hash, "created": created}
        with self._write() as conn:
            if conn.execute(sa.select(readers.c.id).where(readers.c.id == reader_id)).first() is None:
                raise NotFoundError("reader", reader_id)
            new_id = conn.execute(api_tokens.insert().values(values).returning(api_tokens.c.id)).scalar_one()
        return ApiToken(int(new_id), reader_id, name, created)

    def api_tokens(self, reader_id: int) -> list[ApiToken]:
        query = (
            sa.select(*_TOKEN_COLUMNS)
            .where(api_tokens.c.reader_id == reader_id)
            .order_by(api_tokens.c.created.desc(), api_tokens.c.id.desc())
        )
        with self._read() as conn:
            return [_token(r) for r in conn.execute(query)]

    def delete_api_token(self, reader_id: int, token_id: int) -> None:
        query = api_tokens.delete().where(api_tokens.c.id == token_id, api_tokens.c.reader_id == reader_id)
        with self._write() as conn:
            if conn.execute(query).rowcount == 0:
                raise NotFoundError("API token", token_id)

    def api_token_reader(self, token_hash: str) -> tuple[ApiToken, Reader, Membership | None]:
        stmt = (
            sa.select(*_TOKEN_COLUMNS, *VIEWER_COLUMNS)
            .select_from(viewer_join(api_tokens))
            .where(api_tokens.c.token_hash == token_hash)
        )
        with self._read() as conn:
            row = conn.execute(stmt).first()
            if row is None:
                raise NotFoundError("API token", token_hash[:8])
            reader, membership = viewer_of(conn, row)
        return _token(row), reader, membership

    def touch_api_token(self, token_id: int, at: datetime) -> None:
        with self._write() as conn:
            conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(last_used=at))

    # --- rate limits ---------------------------------------------------------------------------

    def take_from_bucket(
        self, key: str, now: datetime, decide: Callable[[Bucket | None], tuple[Bucket, T]]
    ) -> T:
        b = rate_buckets.c
        read = sa.select(b.tokens, b.updated).where(b.key == key)
        if not self.is_sqlite:
            read = read.with_for_update()  # SQLite's BEGIN IMMEDIATE serialises writers already
        dialect = postgresql if not self.is_sqlite else sqlite
        with self._write() as conn:
            row = conn.execute(read).first()
            bucket, result = decide(None if row is None else Bucket(float(row.tokens), row.updated))
            insert = dialect.insert(rate_buckets).values(
                key=key, tokens=bucket.tokens, updated=bucket.updated
            )
            # Two first requests for a new key may both find no row: the later write wins, and at
            # most one request of a full bucket goes uncounted.
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[b.key], set_={"tokens": bucket.tokens, "updated": bucket.updated}
                )
            )
        return result

    def prune_buckets(self, before: datetime) -> int:
        with self._write() as conn:
            return int(conn.execute(rate_buckets.delete().where(rate_buckets.c.updated < before)).rowcount)
