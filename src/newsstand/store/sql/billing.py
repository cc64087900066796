"""Paid memberships (migration 0012): each reader's billing record, the provider events
applied to it, and the payments members made.

A provider event is applied in one transaction: its id is inserted first (a second delivery
of the same event, even a concurrent one, finds it there and changes nothing), the reader's
record is read (locked on PostgreSQL) and handed to the caller's pure decision, and what
that decides (record, membership, payments, mail) is written before the commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from newsstand.errors import ConflictError
from newsstand.model import (
    BillingChange,
    BillingRecord,
    BillingState,
    Membership,
    Money,
    Payment,
)
from newsstand.store.sql import schema as t
from newsstand.store.sql.accounts import (
    _membership,
    _membership_values,
    _require_reader,
    memberships,
    readers,
)
from newsstand.store.sql.engine import SqlBase
from newsstand.store.sql.mail import enqueue

billing_records = sa.Table(
    "billing_records",
    t.metadata,
    sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("as_of", t.UTCDateTime, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False, server_default="0"),
    sa.Column("customer", sa.String(255), nullable=False, server_default=""),
    sa.Column("subscription", sa.String(255), nullable=False, server_default=""),
    sa.Column("price", sa.String(255), nullable=False, server_default=""),
    sa.Column("period_end", t.UTCDateTime, nullable=True),
    sa.Column("grace_until", t.UTCDateTime, nullable=True),
    sa.Column("started", t.UTCDateTime, nullable=True),
    sa.Column("seen", sa.Text, nullable=False, server_default="[]"),
    sa.Index("ix_billing_records_customer", "customer"),
)
billing_events = sa.Table(
    "billing_events",
    t.metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("received", t.UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("reader_id", sa.Integer, nullable=True),
    sa.Column("applied", sa.Boolean, nullable=False),
)
payments = sa.Table(
    "payments",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("reference", sa.String(255), nullable=False),
    sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="SET NULL"), nullable=True),
    sa.Column("reader_ref", sa.String(64), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("paid", t.UTCDateTime, nullable=False),
    sa.Column("period_start", t.UTCDateTime, nullable=False),
    sa.Column("period_end", t.UTCDateTime, nullable=False),
    sa.Column("plan", sa.String(64), nullable=False, server_default=""),
    sa.UniqueConstraint("provider", "reference", name="uq_payments_reference"),
    sa.Index("ix_payments_period", "period_start", "period_end"),
)
_b = billing_records.c
_BEFORE_EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)
_p = payments.c


def _record(row: sa.Row[Any]) -> BillingRecord:
    return BillingRecord(
        state=BillingState(row.state),
        as_of=row.as_of,
        rank=row.rank,
        reader_id=row.reader_id,
        customer=row.customer,
        subscription=row.subscription,
        price=row.price,
        period_end=row.period_end,
        grace_until=row.grace_until,
        seen=tuple(json.loads(row.seen)),
        started=row.started,
    )


def _record_values(record: BillingRecord) -> dict[str, Any]:
    return {
        "state": record.state.value,
        "as_of": record.as_of,
        "rank": record.rank,
        "customer": record.customer,
        "subscription": record.subscription,
        "price": record.price,
        "period_end": record.period_end,
        "grace_until": record.grace_until,
        "started": record.started,
        "seen": json.dumps(list(record.seen)),
    }


def _payment(row: sa.Row[Any]) -> Payment:
    return Payment(
        provider=row.provider,
        reference=row.reference,
        reader_id=row.reader_id,
        amount=Money(int(row.amount), row.currency),
        paid=row.paid,
        period_start=row.period_start,
        period_end=row.period_end,
        plan=row.plan,
        reader_ref=row.reader_ref,
    )


def _put_record(conn: Connection, reader_id: int, record: BillingRecord) -> None:
    values = _record_values(record)
    if not conn.execute(billing_records.update().where(_b.reader_id == reader_id).values(values)).rowcount:
        conn.execute(billing_records.insert().values(reader_id=reader_id, **values))


def _put_membership(conn: Connection, membership: Membership) -> None:
    conn.execute(memberships.delete().where(memberships.c.reader_id == membership.reader_id))
    conn.execute(memberships.insert().values(_membership_values(membership)))


def _insert_payments(conn: Connection, found: Sequence[Payment]) -> int:
    """Insert the payments not stored yet (by provider and reference); how many were new."""
    added = 0
    for payment in found:
        values = {
            "provider": payment.provider,
            "reference": payment.reference,
            "reader_id": payment.reader_id,
            "reader_ref": payment.reader_ref or f"reader:{payment.reader_id}",
            "amount": payment.amount.amount,
            "currency": payment.amount.currency,
            "paid": payment.paid,
            "period_start": payment.period_start,
            "period_end": payment.period_end,
            "plan": payment.plan,
        }
        try:
            with conn.begin_nested():
                conn.execute(payments.insert().values(values))
            added += 1
        except exc.IntegrityError:
            pass  # the same invoice told twice (invoice.paid and invoice.payment_succeeded)
    return added


class BillingMixin(SqlBase):
    def billing_record(self, reader_id: int) -> BillingRecord | None:
        with self._read() as conn:
            row = conn.execute(sa.select(billing_records).where(_b.reader_id == reader_id)).first()
        return None if row is None else _record(row)

    def billing_reader(self, customer: str) -> int | None:
        if not customer:
            return None
        with self._read() as conn:
            found = conn.execute(sa.select(_b.reader_id).where(_b.customer == customer).limit(1)).scalar()
        return None if found is None else int(found)

    def claim_billing_customer(self, reader_id: int, customer: str, now: datetime) -> str:
        with self._write() as conn:
            _require_reader(conn, reader_id)
            current = conn.execute(sa.select(_b.customer).where(_b.reader_id == reader_id)).first()
            if current is not None and current.customer:
                return str(current.customer)  # another request stored one first: keep a single customer
            if current is None:
                # Older than any event, so the first event about the customer is never "stale".
                fresh = BillingRecord(
                    BillingState.INCOMPLETE, as_of=_BEFORE_EVERYTHING, rank=-1, customer=customer
                )
                conn.execute(billing_records.insert().values(reader_id=reader_id, **_record_values(fresh)))
            else:
                conn.execute(
                    billing_records.update().where(_b.reader_id == reader_id).values(customer=customer)
                )
        return customer

    def apply_billing(
        self,
        event_id: str,
        kind: str,
        reader_id: int | None,
        received: datetime,
        decide: Callable[[BillingRecord | None, Membership | None], BillingChange | None],
    ) -> BillingChange | None:
        with self._write() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(
                        billing_events.insert().values(
                            id=event_id, received=received, kind=kind, reader_id=reader_id, applied=False
                        )
                    )
            except exc.IntegrityError:
                return None  # delivered before (or being applied right now by another request)
            known = (
                reader_id is not None
                and conn.execute(sa.select(readers.c.id).where(readers.c.id == reader_id)).first()
            )
            if reader_id is None or not known:
                return None  # nobody (left) to apply it to: kept as seen, nothing else
            change = self._decide(conn, reader_id, decide, received)
            if change is None:
                return None
            conn.execute(billing_events.update().where(billing_events.c.id == event_id).values(applied=True))
        return change

    def _decide(
        self,
        conn: Connection,
        reader_id: int,
        decide: Callable[[BillingRecord | None, Membership | None], BillingChange | None],
        now: datetime,
    ) -> BillingChange | None:
        query = sa.select(billing_records).where(_b.reader_id == reader_id)
        if not self.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serialises writers
            query = query.with_for_update()
        row = conn.execute(query).first()
        current = conn.execute(sa.select(memberships).where(memberships.c.reader_id == reader_id)).first()
        change = decide(
            None if row is None else _record(row), None if current is None else _membership(current)
        )
        if change is None:
            return None
        _put_record(conn, reader_id, change.record)
        if change.membership is not None:
            _put_membership(conn, change.membership)
        _insert_payments(conn, change.payments)
        enqueue(conn, change.mails, now)
        return change

    def record_payment(self, payment: Payment, membership: Membership | None = None) -> None:
        with self._write() as conn:
            if payment.reader_id is not None:
                _require_reader(conn, payment.reader_id)
            if not _insert_payments(conn, [payment]):
                raise ConflictError("payment", f"{payment.provider}:{payment.reference}")
            if membership is not None:
                _put_membership(conn, membership)

    def payments_between(self, start: datetime, end: datetime) -> list[Payment]:
        query = (
            sa.select(payments)
            .where(_p.period_start < end, _p.period_end > start)
            .order_by(_p.period_start, _p.id)
        )
        with self._read() as conn:
            return [_payment(r) for r in conn.execute(query)]

    def reader_payments(self, reader_id: int, limit: int = 24) -> list[Payment]:
        query = sa.select(payments).where(_p.reader_id == reader_id).order_by(_p.paid.desc()).limit(limit)
        with self._read() as conn:
            return [_payment(r) for r in conn.execute(query)]
