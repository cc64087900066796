"""The mail queue (migration 0010): ``MailQueue`` on SQLite and PostgreSQL.

A claimed row is in state ``sending`` and its ``next_attempt`` is the end of its lease, so
"due" is one condition for new, retrying and abandoned rows alike. A claim is a single
UPDATE ... RETURNING: on SQLite the write lock taken at BEGIN IMMEDIATE serialises
claimers; on PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED, so two
claimers take disjoint rows without waiting for each other.

Other store modules enqueue mail inside their own transaction with ``enqueue(conn, ...)``,
so a change and the mail it causes are committed (or rolled back) together.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from newsstand.model import MailState, OutgoingMail, QueuedMail
from newsstand.store.sql import schema as t
from newsstand.store.sql.engine import SqlBase

mail_queue = sa.Table(
    "mail_queue",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(200), nullable=True, unique=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("recipient", sa.Text, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created", t.UTCDateTime, nullable=False),
    sa.Column("next_attempt", t.UTCDateTime, nullable=False),
    sa.Column("lease_token", sa.String(32), nullable=False, server_default=""),
    sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    sa.Column("sent", t.UTCDateTime, nullable=True),
    sa.Index("ix_mail_queue_due", "state", "next_attempt"),
)
_q = mail_queue.c
_LIVE = (MailState.PENDING.value, MailState.SENDING.value)


def _row(row: sa.Row[Any]) -> QueuedMail:
    return QueuedMail(
        id=row.id,
        kind=row.kind,
        recipient=row.recipient,
        data=bytes(row.data),
        state=MailState(row.state),
        attempts=row.attempts,
        created=row.created,
        next_attempt=row.next_attempt,
        key=row.key,
        last_error=row.last_error,
        sent=row.sent,
        lease_token=row.lease_token,
    )


def enqueue(conn: Connection, mails: Sequence[OutgoingMail], now: datetime) -> list[int]:
    """Queue ``mails`` in the caller's transaction (see ``MailQueue.enqueue_mail``)."""
    ids = []
    for mail in mails:
        values = {
            "key": mail.key,
            "kind": mail.kind,
            "recipient": mail.recipient,
            "data": mail.data,
            "state": MailState.PENDING.value,
            "created": now,
            "next_attempt": now,
        }
        try:
            with conn.begin_nested():  # a duplicate key fails this savepoint, not the caller's change
                ids.append(
                    int(conn.execute(mail_queue.insert().values(values).returning(_q.id)).scalar_one())
                )
        except exc.IntegrityError:
            if mail.key is None:
                raise
            ids.append(int(conn.execute(sa.select(_q.id).where(_q.key == mail.key)).scalar_one()))
    return ids


class MailMixin(SqlBase):
    def enqueue_mail(self, mails: Sequence[OutgoingMail], now: datetime) -> list[int]:
        with self._write() as conn:
            return enqueue(conn, mails, now)

    def claim_mail(self, now: datetime, lease: timedelta, limit: int) -> list[QueuedMail]:
        due = (_q.state.in_(_LIVE), _q.next_attempt <= now)
        candidates = sa.select(_q.id).where(*due).order_by(_q.next_attempt, _q.id).limit(limit)
        if not self.is_sqlite:
            candidates = candidates.with_for_update(skip_locked=True)
        claim = (
            mail_queue.update()
            .where(_q.id.in_(candidates.scalar_subquery()), *due)
            .values(
                state=MailState.SENDING.value,
                lease_token=secrets.token_hex(16),
                next_attempt=now + lease,
                attempts=_q.attempts + 1,
            )
            .returning(*mail_queue.c)
        )
        with self._write() as conn:
            rows = conn.execute(claim).all()
        return sorted((_row(r) for r in rows), key=lambda m: m.id)

    def _finish(self, mail_id: int, token: str, **values: Any) -> bool:
        query = (
            mail_queue.update()
            .where(_q.id == mail_id, _q.lease_token == token, _q.state == MailState.SENDING.value)
            .values(lease_token="", **values)
        )
        with self._write() as conn:
            return bool(conn.execute(query).rowcount == 1)

    def mark_mail_sent(self, mail_id: int, token: str, at: datetime) -> bool:
        return self._finish(mail_id, token, state=MailState.SENT.value, sent=at, last_error="")

    def mark_mail_failed(self, mail_id: int, token: str, error: str, retry_at: datetime | None) -> bool:
        if retry_at is None:
            return self._finish(mail_id, token, state=MailState.DEAD.value, last_error=error[:2000])
        return self._finish(
            mail_id, token, state=MailState.PENDING.value, next_attempt=retry_at, last_error=error[:2000]
        )

    def mail_queue(self, states: Sequence[MailState] = (), limit: int = 100) -> list[QueuedMail]:
        query = sa.select(mail_queue).order_by(_q.created.desc(), _q.id.desc()).limit(limit)
        if states:
            query = query.where(_q.state.in_([s.value for s in states]))
        with self._read() as conn:
            return [_row(r) for r in conn.execute(query)]

    def purge_sent_mail(self, before: datetime) -> int:
        query = mail_queue.delete().where(_q.state == MailState.SENT.value, _q.sent < before)
        with self._write() as conn:
            return int(conn.execute(query).rowcount)
