"""Readers' app passwords for the Google Reader and Fever APIs (migration 0013)."""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from newsstand.errors import NotFoundError
from newsstand.model import AppPassword, Membership, Reader
from newsstand.store.sql import schema as t
from newsstand.store.sql.accounts import VIEWER_COLUMNS, readers, viewer_join, viewer_of
from newsstand.store.sql.engine import SqlBase

app_passwords = sa.Table(
    "app_passwords",
    t.metadata,
    sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("token_salt", sa.String(64), nullable=False),
    sa.Column("auth_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("fever_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created", t.UTCDateTime, nullable=False),
)


def _record(row: Any) -> AppPassword:
    return AppPassword(
        row.reader_id, row.password_hash, row.token_salt, row.auth_hash, row.fever_hash, row.created
    )


class AppPasswordsMixin(SqlBase):
    def put_app_password(self, record: AppPassword) -> None:
        values = {
            "reader_id": record.reader_id,
            "password_hash": record.password_hash,
            "token_salt": record.token_salt,
            "auth_hash": record.auth_hash,
            "fever_hash": record.fever_hash,
            "created": record.created,
        }
        dialect = sqlite if self.is_sqlite else postgresql
        insert = dialect.insert(app_passwords).values(values)
        upsert = insert.on_conflict_do_update(
            index_elements=[app_passwords.c.reader_id],
            set_={k: v for k, v in values.items() if k != "reader_id"},
        )
        with self._write() as conn:
            if conn.execute(sa.select(readers.c.id).where(readers.c.id == record.reader_id)).first() is None:
                raise NotFoundError("reader", record.reader_id)
            conn.execute(upsert)

    def app_password(self, reader_id: int) -> AppPassword | None:
        query = sa.select(app_passwords).where(app_passwords.c.reader_id == reader_id)
        with self._read() as conn:
            row = conn.execute(query).first()
        return None if row is None else _record(row)

    def delete_app_password(self, reader_id: int) -> bool:
        with self._write() as conn:
            query = app_passwords.delete().where(app_passwords.c.reader_id == reader_id)
            return bool(conn.execute(query).rowcount)

    def app_password_reader(
        self, kind: Literal["auth", "fever"], secret_hash: str
    ) -> tuple[Reader, Membership | None]:
        column = app_passwords.c.auth_hash if kind == "auth" else app_passwords.c.fever_hash
        stmt = (
            sa.select(app_passwords.c.reader_id, *VIEWER_COLUMNS)
            .select_from(viewer_join(app_passwords))
            .where(column == secret_hash)
        )
        with self._read() as conn:
            row = conn.execute(stmt).first()
            if row is None:
                raise NotFoundError("app password", secret_hash[:8])
            return viewer_of(conn, row)
