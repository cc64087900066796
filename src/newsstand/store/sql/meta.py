"""Store-wide key/value facts, such as whether the default catalog was seeded."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from newsstand.store.sql import schema as t
from newsstand.store.sql.engine import SqlBase

store_meta = sa.Table(
    "store_meta",
    t.metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False, server_default=""),
)


class MetaMixin(SqlBase):
    def get_meta(self, key: str) -> str | None:
        with self._read() as conn:
            value = conn.execute(sa.select(store_meta.c.value).where(store_meta.c.key == key)).scalar()
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        # An upsert: several processes starting on a new database at once all set the same
        # facts, and a delete-then-insert from two of them collides on the key.
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        stmt = dialect.insert(store_meta).values(key=key, value=value)
        with self._write() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
