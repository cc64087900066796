"""Stripe events as Stripe sends them (API shape of 2025 and later), signed with the stripe
library's own signing helper, for the tests that drive memberships through webhooks."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import stripe

from .servers import WEBHOOK_SECRET


def signed(event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    """(body, Stripe-Signature header) for ``event``, signed now."""
    payload = json.dumps(event)
    return payload.encode(), stripe.WebhookSignature.generate_signature_header(payload, secret)


def _event(event_id: str, kind: str, at: datetime, obj: dict[str, Any]) -> dict[str, Any]:
    created = int(at.timestamp())
    return {"id": event_id, "object": "event", "type": kind, "created": created, "data": {"object": obj}}


def checkout_completed(
    event_id: str, at: datetime, reader_id: int, customer: str, subscription: str
) -> dict[str, Any]:
    return _event(event_id, "checkout.session.completed", at, {
        "id": f"cs_{event_id}", "object": "checkout.session", "mode": "subscription",
        "payment_status": "paid", "client_reference_id": str(reader_id), "customer": customer,
        "subscription": subscription,
    })  # fmt: skip


def subscription_event(
    event_id: str,
    at: datetime,
    reader_id: int,
    customer: str,
    subscription: str,
    period_end: datetime,
    *,
    kind: str = "customer.subscription.created",
    status: str = "active",
    cancel_at_period_end: bool = False,
    price: str = "price_monthly",
) -> dict[str, Any]:
    obj = {
        "id": subscription, "object": "subscription", "customer": customer, "status": status,
        "cancel_at_period_end": cancel_at_period_end, "metadata": {"reader_id": str(reader_id)},
        "items": {"data": [{"current_period_end": int(period_end.timestamp()), "price": {"id": price}}]},
    }  # fmt: skip
    if kind == "customer.subscription.deleted":
        obj["ended_at"] = int(at.timestamp())
    return _event(event_id, kind, at, obj)


def invoice_event(
    event_id: str,
    at: datetime,
    customer: str,
    subscription: str,
    invoice: str,
    amount: int,
    period: tuple[datetime, datetime],
    *,
    kind: str = "invoice.paid",
    currency: str = "eur",
) -> dict[str, Any]:
    field = "amount_paid" if kind == "invoice.paid" else "amount_due"
    start, end = (int(p.timestamp()) for p in period)
    return _event(event_id, kind, at, {
        "id": invoice, "object": "invoice", "customer": customer, field: amount, "currency": currency,
        "parent": {"subscription_details": {"subscription": subscription}},
        "lines": {"data": [{"period": {"start": start, "end": end}, "price": {"id": "price_monthly"}}]},
    })  # fmt: skip
