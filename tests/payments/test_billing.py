"""The membership a provider's events leave: states, grace, idempotence, any order."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from newsstand.accounts.billing import (
    BillingEvent,
    BillingRecord,
    BillingState,
    EventKind,
    NoticeKind,
    access_ends,
    apply_event,
    as_membership,
    has_access,
    state_for,
)
from newsstand.model import MembershipState, Money

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
GRACE = timedelta(days=7)
MONTH = timedelta(days=30)
EUR9 = Money(900, "EUR")


def ev(n: int, kind: EventKind, seconds: int, **fields: object) -> BillingEvent:
    base = {"customer": "cus_1", "subscription": "sub_1", "reader_id": 5}
    return BillingEvent(
        id=f"evt_{n}", kind=kind, created=T0 + timedelta(seconds=seconds), **{**base, **fields}
    )  # type: ignore[arg-type]


def fold(events: list[BillingEvent]) -> tuple[BillingRecord | None, list[NoticeKind]]:
    record, notices = None, []
    for event in events:
        outcome = apply_event(record, event, GRACE)
        record = outcome.record
        notices += [n.kind for n in outcome.notices]
    return record, notices


def test_statuses() -> None:
    assert state_for("active", False) is BillingState.ACTIVE
    assert state_for("active", True) is BillingState.CANCELLING
    assert state_for("trialing", True) is BillingState.CANCELLING
    assert state_for("past_due", True) is BillingState.PAST_DUE
    assert state_for("unpaid", False) is BillingState.ENDED
    assert state_for("something new", False) is BillingState.INCOMPLETE


def test_trial_then_paid_then_failed_then_recovered() -> None:
    trial_end = T0 + timedelta(days=14)
    record, notices = fold([
        ev(1, EventKind.CHECKOUT_COMPLETED, 0, status="no_payment_required"),
        ev(2, EventKind.SUBSCRIPTION_CHANGED, 1, status="trialing", period_end=trial_end),
        ev(3, EventKind.INVOICE_PAID, 1, amount=Money(0, "EUR"), invoice="in_0"),  # the trial's zero invoice
    ])  # fmt: skip
    assert record is not None and record.state is BillingState.TRIALING and record.period_end == trial_end
    assert notices == []
    renewal = trial_end + MONTH
    record = apply_event(record, ev(4, EventKind.INVOICE_PAID, 14 * 86400, amount=EUR9, period_end=renewal,
                                    invoice="in_1"), GRACE).record  # fmt: skip
    assert record.state is BillingState.ACTIVE and record.period_end == renewal
    failed_at = 44 * 86400
    outcome = apply_event(
        record, ev(5, EventKind.PAYMENT_FAILED, failed_at, amount=EUR9, invoice="in_2"), GRACE
    )
    record = outcome.record
    grace_until = T0 + timedelta(seconds=failed_at) + GRACE
    assert record.state is BillingState.PAST_DUE and record.grace_until == grace_until
    assert [n.kind for n in outcome.notices] == [NoticeKind.PAYMENT_FAILED] and outcome.notices[
        0
    ].until == grace_until
    # Stripe's retry fails again a day later: the grace period does not start over.
    again = apply_event(
        record, ev(6, EventKind.PAYMENT_FAILED, failed_at + 86400, amount=EUR9, invoice="in_2"), GRACE
    )
    assert again.record.grace_until == grace_until
    assert has_access(again.record, grace_until - timedelta(seconds=1)) and not has_access(
        again.record, grace_until
    )
    paid = apply_event(again.record, ev(7, EventKind.INVOICE_PAID, failed_at + 2 * 86400, amount=EUR9,
                                        period_end=renewal + MONTH, invoice="in_2"), GRACE)  # fmt: skip
    assert paid.record.state is BillingState.ACTIVE and paid.record.grace_until is None
    assert [n.kind for n in paid.notices] == [NoticeKind.RECEIPT] and paid.notices[0].key == "receipt:in_2"


def test_cancelled_at_period_end_reads_until_then_and_ends() -> None:
    end = T0 + MONTH
    record, _ = fold([
        ev(1, EventKind.SUBSCRIPTION_CHANGED, 0, status="active", period_end=end),
        ev(2, EventKind.SUBSCRIPTION_CHANGED, 60, status="active", period_end=end, cancel_at_period_end=True),
    ])  # fmt: skip
    assert record is not None and record.state is BillingState.CANCELLING and access_ends(record) == end
    membership = as_membership(record, T0)
    assert membership is not None and membership.state is MembershipState.ACTIVE and membership.ends == end
    assert membership.cancelled == T0 + timedelta(seconds=60) and membership.provider == "stripe"
    ended = apply_event(
        record, ev(3, EventKind.SUBSCRIPTION_ENDED, 30 * 86400, status="canceled", period_end=end), GRACE
    )
    assert ended.record.state is BillingState.ENDED and not has_access(ended.record, end - timedelta(days=1))
    gone = as_membership(ended.record, T0)
    assert gone is not None and gone.state is MembershipState.CANCELLED


def test_a_replayed_event_changes_nothing_and_sends_nothing() -> None:
    paid = ev(1, EventKind.INVOICE_PAID, 0, amount=EUR9, period_end=T0 + MONTH, invoice="in_1")
    first = apply_event(None, paid, GRACE)
    assert [n.kind for n in first.notices] == [NoticeKind.RECEIPT]
    replay = apply_event(first.record, paid, GRACE)
    assert replay.record == first.record and not replay.applied and replay.notices == ()


def test_an_older_event_never_overrides_a_newer_state() -> None:
    ended = ev(2, EventKind.SUBSCRIPTION_ENDED, 100, status="canceled")
    late_paid = ev(1, EventKind.INVOICE_PAID, 50, amount=EUR9, period_end=T0 + MONTH, invoice="in_1")
    record = apply_event(None, ended, GRACE).record
    outcome = apply_event(record, late_paid, GRACE)
    assert outcome.record.state is BillingState.ENDED and not outcome.applied
    assert [n.kind for n in outcome.notices] == [NoticeKind.RECEIPT]  # the payment still happened
    late_failure = ev(3, EventKind.PAYMENT_FAILED, 10, amount=EUR9, invoice="in_0")
    assert apply_event(outcome.record, late_failure, GRACE).notices == ()


def test_identifiers_come_from_any_event() -> None:
    record = apply_event(None, ev(1, EventKind.INVOICE_PAID, 10, reader_id=None, amount=EUR9), GRACE).record
    assert record.reader_id is None
    stale_checkout = ev(2, EventKind.CHECKOUT_COMPLETED, 0, status="paid", reader_id=5)
    record = apply_event(record, stale_checkout, GRACE).record
    assert record.reader_id == 5 and record.state is BillingState.ACTIVE


def test_an_unpaid_checkout_gives_no_access_and_a_paid_one_gives_it_until_events_say_more() -> None:
    unpaid = apply_event(None, ev(1, EventKind.CHECKOUT_COMPLETED, 0, status="unpaid"), GRACE).record
    assert (
        unpaid.state is BillingState.INCOMPLETE
        and not has_access(unpaid, T0)
        and as_membership(unpaid, T0) is None
    )
    paid = apply_event(None, ev(2, EventKind.CHECKOUT_COMPLETED, 0, status="paid"), GRACE).record
    assert has_access(paid, T0 + timedelta(days=1)) and not has_access(paid, T0 + timedelta(days=3))


# One realistic life: checkout, creation, first invoice, a failed renewal, the retry paid,
# a cancel request, the end. Delivered in any order, and any event twice, it ends the same.
LIFE = [
    ev(1, EventKind.CHECKOUT_COMPLETED, 0, status="paid"),
    ev(2, EventKind.SUBSCRIPTION_CHANGED, 0, status="active", period_end=T0 + MONTH),
    ev(3, EventKind.INVOICE_PAID, 0, amount=EUR9, period_end=T0 + MONTH, invoice="in_1"),
    ev(4, EventKind.PAYMENT_FAILED, 30 * 86400, amount=EUR9, invoice="in_2"),
    ev(5, EventKind.SUBSCRIPTION_CHANGED, 30 * 86400, status="past_due", period_end=T0 + 2 * MONTH),
    ev(6, EventKind.INVOICE_PAID, 31 * 86400, amount=EUR9, period_end=T0 + 2 * MONTH, invoice="in_2"),
    ev(7, EventKind.SUBSCRIPTION_CHANGED, 31 * 86400 + 5, status="active", period_end=T0 + 2 * MONTH),
    ev(8, EventKind.SUBSCRIPTION_CHANGED, 40 * 86400, status="active", period_end=T0 + 2 * MONTH,
       cancel_at_period_end=True),
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.permutations(LIFE + LIFE[:3]))
def test_any_delivery_order_and_duplicates_give_the_same_membership(order: list[BillingEvent]) -> None:
    expected, _ = fold(LIFE)
    assert expected is not None and expected.state is BillingState.CANCELLING
    record, notices = fold(order)
    assert record is not None
    comparable = ("state", "period_end", "grace_until", "customer", "subscription", "reader_id", "as_of")
    assert {f: getattr(record, f) for f in comparable} == {f: getattr(expected, f) for f in comparable}
    receipts = [n for n in notices if n is NoticeKind.RECEIPT]
    assert len(receipts) == 2  # one per paid invoice, however often or late it came
    assert dataclasses.replace(record, seen=()) == dataclasses.replace(expected, seen=())


def test_a_renewal_after_the_end_starts_the_record_afresh_and_old_events_stay_old() -> None:
    end = T0 + MONTH
    record, _ = fold([
        ev(1, EventKind.SUBSCRIPTION_CHANGED, 0, status="active", period_end=end),
        ev(2, EventKind.SUBSCRIPTION_CHANGED, 60, status="active", period_end=end, cancel_at_period_end=True),
    ])  # fmt: skip
    assert record is not None
    renewed = T0 + MONTH + timedelta(days=3)
    # The reader renews after the period ended, before Stripe's deletion of the old one arrives.
    checkout = ev(3, EventKind.CHECKOUT_COMPLETED, int((renewed - T0).total_seconds()), status="paid",
                  subscription="sub_2")  # fmt: skip
    after = apply_event(record, checkout, GRACE, renewed)
    assert (
        after.applied and after.record.subscription == "sub_2" and after.record.state is BillingState.ACTIVE
    )
    assert after.record.started == renewed and after.record.customer == "cus_1"
    old_end = ev(4, EventKind.SUBSCRIPTION_ENDED, int((renewed - T0).total_seconds()) + 5, status="canceled")
    late = apply_event(after.record, old_end, GRACE, renewed)
    assert not late.applied and late.record.state is BillingState.ACTIVE  # sub_1's end is not sub_2's
    # While the current subscription reads on, another subscription's event changes nothing.
    stray = ev(5, EventKind.SUBSCRIPTION_CHANGED, 70, status="active", subscription="sub_9", period_end=end)
    assert not apply_event(record, stray, GRACE, T0 + timedelta(days=1)).applied
