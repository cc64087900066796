"""Readers' own names for the publishers and sections they follow (migration 0020), and their
own folders of subscriptions (migration 0022)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from newsstand.errors import ConflictError, NotFoundError
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

reader_labels = sa.Table(
    "reader_labels",
    t.metadata,
    sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("label_key", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("publisher_id", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("reader_id", "label_key", "publisher_id"),
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

    # --- folders -------------------------------------------------------------------------------

    def reader_labels(self, reader_id: int) -> dict[str, tuple[str, ...]]:
        c = reader_labels.c
        query = (
            sa.select(c.label_key, c.label, c.publisher_id)
            .where(c.reader_id == reader_id)
            .order_by(c.label_key, c.publisher_id)
        )
        found: dict[str, tuple[str, ...]] = {}
        with self._read() as conn:
            for _, label, publisher_id in conn.execute(query):
                found[label] = (*found.get(label, ()), publisher_id)
        return found

    def label_publishers(self, reader_id: int, label: str, publisher_ids: Sequence[str], on: bool) -> None:
        c = reader_labels.c
        key = label.casefold()
        wanted = list(dict.fromkeys(publisher_ids))
        with self._write() as conn:
            if not on:
                conn.execute(
                    reader_labels.delete().where(
                        c.reader_id == reader_id, c.label_key == key, c.publisher_id.in_(wanted)
                    )
                )
                return
            if conn.execute(sa.select(readers.c.id).where(readers.c.id == reader_id)).first() is None:
                raise NotFoundError("reader", reader_id)
            here = sa.select(c.label, c.publisher_id).where(c.reader_id == reader_id, c.label_key == key)
            rows = conn.execute(here).all()
            # A folder keeps the spelling it was made with, whatever case later adds use.
            spelling = rows[0][0] if rows else label
            held = {publisher_id for _, publisher_id in rows}
            new = [
                {"reader_id": reader_id, "label_key": key, "label": spelling, "publisher_id": p}
                for p in wanted
                if p not in held
            ]
            if new:
                conn.execute(reader_labels.insert(), new)

    def rename_reader_label(self, reader_id: int, label: str, new_name: str) -> None:
        c = reader_labels.c
        old_key, new_key = label.casefold(), new_name.casefold()
        mine = (c.reader_id == reader_id, c.label_key == old_key)
        with self._write() as conn:
            if conn.execute(sa.select(c.label).where(*mine).limit(1)).first() is None:
                raise NotFoundError("label", label)
            if new_key != old_key:
                other = sa.select(c.label).where(c.reader_id == reader_id, c.label_key == new_key).limit(1)
                if conn.execute(other).first() is not None:
                    raise ConflictError("label", new_name)
            conn.execute(reader_labels.update().where(*mine).values(label_key=new_key, label=new_name))

    def delete_reader_label(self, reader_id: int, label: str) -> int:
        c = reader_labels.c
        with self._write() as conn:
            gone = conn.execute(
                reader_labels.delete().where(c.reader_id == reader_id, c.label_key == label.casefold())
            ).rowcount
        return int(gone)

    def unlabel_publisher(self, reader_id: int, publisher_id: str) -> None:
        c = reader_labels.c
        with self._write() as conn:
            conn.execute(
                reader_labels.delete().where(c.reader_id == reader_id, c.publisher_id == publisher_id)
            )
