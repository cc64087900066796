"""What a reader chooses and confirms (migration 0012): their time zone, their confirmed address
with its tokens, and their daily digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newsstand.errors import NotFoundError
from newsstand.model import DigestSubscription, OutgoingMail, Reader
from newsstand.store.sql import schema as t
from newsstand.store.sql.accounts import _READER_COLUMNS, _reader, _require_reader, readers
from newsstand.store.sql.engine import SqlBase
from newsstand.store.sql.mail import enqueue


def _reader_fk(*, primary_key: bool = False) -> sa.Column[int]:
    fk = sa.ForeignKey("readers.id", ondelete="CASCADE")
    return sa.Column("reader_id", sa.Integer, fk, primary_key=primary_key, nullable=False)


email_tokens = sa.Table(
    "email_tokens",
    t.metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    _reader_fk(),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created", t.UTCDateTime, nullable=False),
    sa.Column("expires", t.UTCDateTime, nullable=False),
)
digest_subscriptions = sa.Table(
    "digest_subscriptions",
    t.metadata,
    _reader_fk(primary_key=True),
    sa.Column("minute", sa.Integer, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("last_edition", sa.String(10), nullable=False, server_default=""),
)
_d = digest_subscriptions.c


def _digest(row: sa.Row[Any]) -> DigestSubscription:
    return DigestSubscription(row.reader_id, row.minute, bool(row.enabled), row.token, row.last_edition)


class ProfileMixin(SqlBase):
    # --- time zone and confirmed address ---------------------------------------------------

    def set_reader_time_zone(self, reader_id: int, time_zone: str) -> None:
        with self._write() as conn:
            _require_reader(conn, reader_id)
            conn.execute(readers.update().where(readers.c.id == reader_id).values(time_zone=time_zone))

    def add_email_token(
        self,
        token_hash: str,
        reader_id: int,
        email: str,
        created: datetime,
        expires: datetime,
        mails: Sequence[OutgoingMail] = (),
    ) -> None:
        values = {
            "token_hash": token_hash,
            "reader_id": reader_id,
            "email": email,
            "created": created,
            "expires": expires,
        }
        with self._write() as conn:
            _require_reader(conn, reader_id)
            conn.execute(email_tokens.insert().values(values))
            enqueue(conn, mails, created)

    def verify_email(self, token_hash: str, now: datetime) -> int:
        tokens = email_tokens.c
        with self._write() as conn:
            row = conn.execute(
                email_tokens.delete()
                .where(tokens.token_hash == token_hash)
                .returning(tokens.reader_id, tokens.email, tokens.expires)
            ).first()
            # A token for an address the reader has since changed confirms nothing.
            current = (
                None
                if row is None
                else conn.execute(sa.select(readers.c.email).where(readers.c.id == row.reader_id)).scalar()
            )
            if row is None or row.expires <= now or current != row.email:
                raise NotFoundError("email token", token_hash[:8])
            conn.execute(readers.update().where(readers.c.id == row.reader_id).values(email_verified=now))
            conn.execute(email_tokens.delete().where(tokens.reader_id == row.reader_id))
        return int(row.reader_id)

    # --- the daily digest -------------------------------------------------------------------

    def digest_subscription(self, reader_id: int) -> DigestSubscription | None:
        with self._read() as conn:
            row = conn.execute(sa.select(digest_subscriptions).where(_d.reader_id == reader_id)).first()
        return None if row is None else _digest(row)

    def digest_by_token(self, token: str) -> DigestSubscription:
        with self._read() as conn:
            row = conn.execute(sa.select(digest_subscriptions).where(_d.token == token)).first()
        if row is None:
            raise NotFoundError("digest subscription", token[:8])
        return _digest(row)

    def put_digest_subscription(self, subscription: DigestSubscription) -> None:
        values = {
            "minute": subscription.minute,
            "enabled": subscription.enabled,
            "token": subscription.token,
            "last_edition": subscription.last_edition,
        }
        with self._write() as conn:
            _require_reader(conn, subscription.reader_id)
            updated = conn.execute(
                digest_subscriptions.update().where(_d.reader_id == subscription.reader_id).values(values)
            ).rowcount
            if not updated:
                conn.execute(digest_subscriptions.insert().values(reader_id=subscription.reader_id, **values))

    def digest_readers(self) -> list[tuple[Reader, DigestSubscription]]:
        query = (
            sa.select(*_READER_COLUMNS, *(c for c in digest_subscriptions.c if c.name != "reader_id"))
            .select_from(readers.join(digest_subscriptions, _d.reader_id == readers.c.id))
            .where(_d.enabled.is_(True))
            .order_by(readers.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [(_reader(r), DigestSubscription(r.id, r.minute, True, r.token, r.last_edition)) for r in rows]

    def record_digest(
        self, reader_id: int, edition: str, mails: Sequence[OutgoingMail], now: datetime
    ) -> bool:
        claim = (
            digest_subscriptions.update()
            .where(_d.reader_id == reader_id, _d.last_edition != edition, _d.enabled.is_(True))
            .values(last_edition=edition)
        )
        with self._write() as conn:
            if conn.execute(claim).rowcount != 1:
                return False  # sent already (another loop got here first), or unsubscribed meanwhile
            enqueue(conn, mails, now)
        return True
