"""Paid memberships as a payment provider reports them: pure functions over billing events.

A provider (Stripe) tells us what happened through webhooks: a checkout completed, a
subscription was created, changed or deleted, an invoice was paid or its payment failed.
``payments`` turns each webhook into a ``BillingEvent``; ``apply_event`` folds events into
the reader's ``BillingRecord``:

    trialing ──> active ──> cancelling (cancelled at period end) ──> ended
        │          │ ▲
        │          ▼ │ (paid)
        └──────> past due (reads on until the grace period ends) ──> ended

Webhooks arrive more than once and out of order, so ``apply_event`` is idempotent by event
id (a replay changes nothing and sends nothing twice) and never lets an older event
override a newer state: events are ordered by their creation time, and within one second
by what they say (a deletion outranks an invoice, which outranks a subscription update,
which outranks a checkout). Identifiers (customer, reader) are merged from every event,
stale or not, since they never change.

A renewal after a membership ended is a new subscription. Events of a subscription other
than the record's own change nothing while the record's still gives access (a late event
of an old subscription); once it no longer does, the first event of another subscription
starts the record afresh for it (the reader renewed), keeping the ids and the events seen.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsstand.model import BillingRecord, BillingState, Membership, MembershipState, Money

__all__ = [
    "BillingEvent",
    "BillingRecord",  # declared in the model, where the store can keep it
    "BillingState",
    "EventKind",
    "Notice",
    "NoticeKind",
    "Outcome",
    "access_ends",
    "apply_event",
    "as_membership",
    "has_access",
    "state_for",
]

# How long a completed checkout grants access before the subscription's own events say
# until when: they normally arrive within seconds of it.
PROVISIONAL_ACCESS = timedelta(days=2)
SEEN_LIMIT = 200  # event ids kept per record; older replays are stale by time anyway


class EventKind(enum.StrEnum):
    CHECKOUT_COMPLETED = "checkout_completed"
    SUBSCRIPTION_CHANGED = "subscription_changed"  # created or updated
    SUBSCRIPTION_ENDED = "subscription_ended"
    INVOICE_PAID = "invoice_paid"
    PAYMENT_FAILED = "payment_failed"


# Within one second, which event says the later thing.
_RANK = {
    EventKind.CHECKOUT_COMPLETED: 0,
    EventKind.SUBSCRIPTION_CHANGED: 1,
    EventKind.INVOICE_PAID: 2,
    EventKind.PAYMENT_FAILED: 2,
    EventKind.SUBSCRIPTION_ENDED: 3,
}

# Provider subscription statuses (Stripe's names) and what they mean here.
_STATUS = {
    "trialing": BillingState.TRIALING,
    "active": BillingState.ACTIVE,
    "past_due": BillingState.PAST_DUE,
    "incomplete": BillingState.INCOMPLETE,
    "unpaid": BillingState.ENDED,
    "canceled": BillingState.ENDED,
    "incomplete_expired": BillingState.ENDED,
    "paused": BillingState.ENDED,  # a trial ended without a card: no access until resumed
}


@dataclass(frozen=True, slots=True)
class BillingEvent:
    """One provider event, reduced to what membership needs.

    ``status`` is the provider's subscription status (or a checkout's payment status);
    ``period_end`` is when the paid or trial period runs out; ``amount`` is what an
    invoice charged or tried to charge.
    """

    id: str
    kind: EventKind
    created: datetime
    customer: str = ""
    subscription: str = ""
    reader_id: int | None = None
    status: str = ""
    period_end: datetime | None = None
    cancel_at_period_end: bool = False
    price: str = ""
    amount: Money | None = None
    invoice: str = ""
    period_start: datetime | None = None  # an invoice's: the start of the period it pays for


class NoticeKind(enum.StrEnum):
    RECEIPT = "receipt"
    PAYMENT_FAILED = "payment_failed"


@dataclass(frozen=True, slots=True)
class Notice:
    """Mail an event calls for. ``key`` identifies it, so it is queued once."""

    kind: NoticeKind
    key: str
    amount: Money
    until: datetime | None  # receipt: period end; payment failed: end of grace
    invoice: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    record: BillingRecord
    applied: bool  # False for a replay or a stale event (the record may still gain ids)
    notices: tuple[Notice, ...] = ()


def state_for(status: str, cancel_at_period_end: bool) -> BillingState:
    """The state a provider subscription status means; an unknown status means no access."""
    state = _STATUS.get(status, BillingState.INCOMPLETE)
    if cancel_at_period_end and state in (BillingState.ACTIVE, BillingState.TRIALING):
        return BillingState.CANCELLING
    return state


def _merge_ids(record: BillingRecord, event: BillingEvent, *, own: bool = True) -> BillingRecord:
    """Ids from ``event``; when the event is of the record's own subscription (``own``), its
    time too: the subscription started at its earliest event, whatever order they came in."""
    started = record.started
    if own:
        started = event.created if started is None else min(started, event.created)
    return dataclasses.replace(
        record,
        started=started,
        reader_id=record.reader_id if record.reader_id is not None else event.reader_id,
        customer=record.customer or event.customer,
        subscription=record.subscription or event.subscription,
        price=event.price or record.price,
        seen=(*record.seen, event.id)[-SEEN_LIMIT:],
    )


def _later(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _other_subscription(record: BillingRecord, event: BillingEvent) -> bool:
    return bool(record.subscription and event.subscription and event.subscription != record.subscription)


def _renewal(record: BillingRecord, event: BillingEvent) -> BillingRecord:
    """A fresh record for the event's new subscription, keeping who it is and what was seen."""
    return BillingRecord(
        state=BillingState.INCOMPLETE,
        as_of=event.created,
        rank=-1,
        reader_id=record.reader_id,
        customer=record.customer,
        subscription=event.subscription,
        seen=record.seen,
    )


def apply_event(
    record: BillingRecord | None, event: BillingEvent, grace: timedelta, now: datetime | None = None
) -> Outcome:
    """The record after ``event``, with the mail it calls for. Pure and idempotent: an event
    id seen before returns the record unchanged and no notice; an event older than the
    record's newest one changes no state (a receipt for a payment is still owed). ``now``
    (default: the event's time) decides whether the record's subscription still gives access
    when an event of another subscription comes (a renewal, or a late event of an old one)."""
    if record is not None and event.id in record.seen:
        return Outcome(record, applied=False)
    base = record or BillingRecord(state=BillingState.INCOMPLETE, as_of=event.created, rank=-1)
    receipt = _receipt(event)
    if _other_subscription(base, event):
        if has_access(base, now or event.created):
            return Outcome(_merge_ids(base, event, own=False), applied=False, notices=receipt)
        base = _renewal(base, event)
    merged = _merge_ids(base, event)
    if (event.created, _RANK[event.kind]) < (base.as_of, base.rank):
        return Outcome(merged, applied=False, notices=receipt)
    changed = _transition(merged, event, grace)
    stamped = dataclasses.replace(changed, as_of=event.created, rank=_RANK[event.kind])
    notices = receipt
    if event.kind is EventKind.PAYMENT_FAILED and stamped.state is BillingState.PAST_DUE and event.amount:
        key = f"payment-failed:{event.invoice or event.id}"
        notices += (Notice(NoticeKind.PAYMENT_FAILED, key, event.amount, stamped.grace_until, event.invoice),)
    return Outcome(stamped, applied=True, notices=notices)


def _receipt(event: BillingEvent) -> tuple[Notice, ...]:
    if event.kind is not EventKind.INVOICE_PAID or event.amount is None or event.amount.amount <= 0:
        return ()
    key = f"receipt:{event.invoice or event.id}"
    return (Notice(NoticeKind.RECEIPT, key, event.amount, event.period_end, event.invoice),)


def _transition(record: BillingRecord, event: BillingEvent, grace: timedelta) -> BillingRecord:
    state = record.state
    if event.kind is EventKind.CHECKOUT_COMPLETED:
        if state not in (BillingState.INCOMPLETE, BillingState.ENDED):
            return record  # the subscription's own events already said more
        if event.status not in ("paid", "no_payment_required"):
            return dataclasses.replace(record, state=BillingState.INCOMPLETE)
        provisional = event.created + PROVISIONAL_ACCESS
        new = BillingState.ACTIVE if event.status == "paid" else BillingState.TRIALING
        return dataclasses.replace(record, state=new, period_end=provisional, grace_until=None)
    if event.kind is EventKind.SUBSCRIPTION_CHANGED:
        new = state_for(event.status, event.cancel_at_period_end)
        return _enter(record, new, event.period_end or record.period_end, event.created, grace)
    if event.kind is EventKind.SUBSCRIPTION_ENDED:
        return dataclasses.replace(
            record, state=BillingState.ENDED, period_end=event.period_end or event.created, grace_until=None
        )
    if event.kind is EventKind.INVOICE_PAID:
        return _paid(record, event)
    if state in (BillingState.ACTIVE, BillingState.TRIALING, BillingState.PAST_DUE):
        return _enter(record, BillingState.PAST_DUE, record.period_end, event.created, grace)
    return record


def _enter(
    record: BillingRecord, state: BillingState, period_end: datetime | None, at: datetime, grace: timedelta
) -> BillingRecord:
    """Move to ``state``; entering past due starts the grace period, staying keeps it."""
    grace_until = None
    if state is BillingState.PAST_DUE:
        already = record.state is BillingState.PAST_DUE and record.grace_until is not None
        grace_until = record.grace_until if already else at + grace
    return dataclasses.replace(record, state=state, period_end=period_end, grace_until=grace_until)


def _paid(record: BillingRecord, event: BillingEvent) -> BillingRecord:
    free = event.amount is None or event.amount.amount == 0
    if record.state is BillingState.ENDED or (free and record.state is BillingState.TRIALING):
        return record  # an ended subscription stays ended; a trial's zero invoice starts nothing
    state = BillingState.CANCELLING if record.state is BillingState.CANCELLING else BillingState.ACTIVE
    period_end = _later(record.period_end, event.period_end)
    return dataclasses.replace(record, state=state, period_end=period_end, grace_until=None)


def access_ends(record: BillingRecord) -> datetime | None:
    """When reading in full stops (None: it does not, or has already)."""
    if record.state in (BillingState.TRIALING, BillingState.ACTIVE, BillingState.CANCELLING):
        return record.period_end
    if record.state is BillingState.PAST_DUE:
        return record.grace_until
    return None


def has_access(record: BillingRecord | None, now: datetime) -> bool:
    """Whether the record lets the reader read in full at ``now``."""
    if record is None:
        return False
    ends = access_ends(record)
    return ends is not None and now < ends


def as_membership(record: BillingRecord, started: datetime) -> Membership | None:
    """The record in the membership table's terms (provider "stripe"); None before anything
    was paid or a trial started. Past due and cancelling members read on until their end."""
    if record.reader_id is None or record.state is BillingState.INCOMPLETE:
        return None
    notes = {BillingState.PAST_DUE: "payment failed", BillingState.CANCELLING: "cancelled at period end"}
    if record.state is BillingState.ENDED:
        state = MembershipState.CANCELLED
    elif record.state is BillingState.TRIALING:
        state = MembershipState.TRIAL
    else:
        state = MembershipState.ACTIVE
    cancelled = record.as_of if record.state in (BillingState.CANCELLING, BillingState.ENDED) else None
    return Membership(
        reader_id=record.reader_id,
        state=state,
        started=started,
        ends=access_ends(record) or record.period_end,
        provider="stripe",
        cancelled=cancelled,
        note=notes.get(record.state, ""),
    )
