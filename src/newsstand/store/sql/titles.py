"""Readers' own names for the publishers and sections they follow (migration 0020)."""

from __future__ import annotations

import sqlalchemy as sa

from newsstand.errors import NotFoundError
from newsstand.model import TitleKind
from newsstand.store.sql import schema as t
from newsstand.store.sql.accounts import readers
from newsstand.store.sql.engine import SqlBase

reader_titles = sa.Table(
    "reader_titles",
    t.metadata,
    sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("reader_id", "kind", "value"),
)


class TitlesMixin(SqlBase):
    def reader_titles(self, reader_id: int) -> dict[tuple[TitleKind, str], str]:
        c = reader_titles.c
        query = sa.select(c.kind, c.value, c.title).where(c.reader_id == reader_id)
        with self._read() as conn:
            return {(TitleKind(kind), value): title for kind, value, title in conn.execute(query)}

    def set_reader_title(self, reader_id: int, kind: TitleKind, value: str, title: str) -> None:
        c = reader_titles.c
        key = (c.reader_id == reader_id, c.kind == kind.value, c.value == value)
        with self._write() as conn:
            if conn.execute(sa.select(readers.c.id).where(readers.c.id == reader_id)).first() is None:
                raise NotFoundError("reader", reader_id)
            # Delete then insert in one transaction: the same on both databases, and a
            # concurrent rename of the same thing by the same reader is not worth a merge.
            conn.execute(reader_titles.delete().where(*key))
            if title:
                conn.execute(
                    reader_titles.insert().values(
                        reader_id=reader_id, kind=kind.value, value=value, title=title
                    )
                )
