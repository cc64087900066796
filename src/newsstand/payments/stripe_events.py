"""Stripe events read as ``BillingEvent``s: a pure function over the event's JSON.

Stripe's payloads changed shape with API version 2025-03-31 ("basil"): a subscription's
period end moved from the subscription onto its items, and an invoice's subscription from
``invoice.subscription`` into ``invoice.parent.subscription_details``. Events reach us in
the shape of the API version the webhook endpoint was created with, and localstripe (the
test server) speaks the older one, so both shapes are read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from newsstand.accounts.billing import BillingEvent, EventKind
from newsstand.errors import InvalidDataError, WebhookPayloadError
from newsstand.model import Money

KINDS = {
    "checkout.session.completed": EventKind.CHECKOUT_COMPLETED,
    "customer.subscription.created": EventKind.SUBSCRIPTION_CHANGED,
    "customer.subscription.updated": EventKind.SUBSCRIPTION_CHANGED,
    "customer.subscription.deleted": EventKind.SUBSCRIPTION_ENDED,
    "invoice.paid": EventKind.INVOICE_PAID,
    # Older endpoints (and localstripe) send this one for the same payment.
    "invoice.payment_succeeded": EventKind.INVOICE_PAID,
    "invoice.payment_failed": EventKind.PAYMENT_FAILED,
}


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _id(value: Any) -> str:
    """An id field, whether Stripe sent the id or the expanded object."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _time(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, UTC)


def _reader_id(*metadatas: Any) -> int | None:
    for metadata in metadatas:
        raw = _map(metadata).get("reader_id") if not isinstance(metadata, str) else metadata
        if isinstance(raw, str) and raw.strip().isdigit():
            return int(raw)
    return None


def _items(subscription: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    data = _map(subscription.get("items")).get("data")
    return [_map(i) for i in data] if isinstance(data, list) else []


def _price(item: Mapping[str, Any]) -> str:
    return _id(item.get("price")) or _id(item.get("plan"))


def _subscription(kind: EventKind, obj: Mapping[str, Any]) -> dict[str, Any]:
    items = _items(obj)
    ends = [_time(i.get("current_period_end")) for i in items]  # the newer shape
    period_end = _time(obj.get("current_period_end")) or max((e for e in ends if e), default=None)
    if obj.get("status") == "trialing":
        period_end = _time(obj.get("trial_end")) or period_end
    if kind is EventKind.SUBSCRIPTION_ENDED:
        period_end = _time(obj.get("ended_at")) or _time(obj.get("canceled_at")) or period_end
    return {
        "subscription": _id(obj.get("id")),
        "reader_id": _reader_id(obj.get("metadata")),
        "status": str(obj.get("status") or ""),
        "period_end": period_end,
        "cancel_at_period_end": bool(obj.get("cancel_at_period_end")) or obj.get("cancel_at") is not None,
        "price": _price(items[0]) if items else "",
    }


def _invoice(kind: EventKind, obj: Mapping[str, Any]) -> dict[str, Any]:
    details = _map(_map(obj.get("parent")).get("subscription_details"))  # the newer shape
    lines = _map(obj.get("lines")).get("data")
    lines = [_map(line) for line in lines] if isinstance(lines, list) else []
    ends = [_time(_map(line.get("period")).get("end")) for line in lines]
    starts = [_time(_map(line.get("period")).get("start")) for line in lines]
    field = "amount_paid" if kind is EventKind.INVOICE_PAID else "amount_due"
    amount, currency = obj.get(field), obj.get("currency")
    money = None
    if isinstance(amount, int) and isinstance(currency, str) and len(currency) == 3:
        money = Money(amount, currency.upper())
    return {
        "subscription": _id(obj.get("subscription")) or _id(details.get("subscription")),
        "reader_id": _reader_id(
            details.get("metadata"),
            _map(obj.get("subscription_details")).get("metadata"),
            obj.get("metadata"),
        ),
        "period_end": max((e for e in ends if e), default=None),
        "period_start": min((e for e in starts if e), default=None),
        "amount": money,
        "invoice": _id(obj.get("id")),
        "price": next((p for p in (_price(line) for line in lines) if p), ""),
    }


def _checkout(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "subscription": _id(obj.get("subscription")),
        "reader_id": _reader_id(obj.get("client_reference_id"), obj.get("metadata")),
        "status": str(obj.get("payment_status") or ""),
    }


def billing_event(event: Mapping[str, Any]) -> BillingEvent | None:
    """The event as membership sees it; None for a type membership ignores (or a checkout
    that was not for a subscription). Raises WebhookPayloadError when the fields every
    event has (id, type, created, data.object) are missing or malformed."""
    event_id, created = event.get("id"), _time(event.get("created"))
    obj = _map(event.get("data")).get("object")
    if not isinstance(event_id, str) or not event_id or created is None or not isinstance(obj, Mapping):
        raise WebhookPayloadError("the event lacks an id, a creation time or data.object")
    kind = KINDS.get(str(event.get("type")))
    if kind is None:
        return None
    if kind is EventKind.CHECKOUT_COMPLETED:
        if obj.get("mode") != "subscription":
            return None
        fields = _checkout(obj)
    elif kind in (EventKind.INVOICE_PAID, EventKind.PAYMENT_FAILED):
        fields = _invoice(kind, obj)
    else:
        fields = _subscription(kind, obj)
    try:
        return BillingEvent(
            id=event_id, kind=kind, created=created, customer=_id(obj.get("customer")), **fields
        )
    except InvalidDataError as exc:  # an amount in a currency code that is not one
        raise WebhookPayloadError(f"event {event_id}: {exc}") from exc
