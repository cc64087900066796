"""StripeProvider against localstripe on 127.0.0.1, and webhooks signed with the library.

localstripe serves customers, products, plans, payment methods, subscriptions, invoices
and events, and posts signed webhooks; it has no Checkout Sessions, no Billing portal and
no Prices (each answers 404; see docs/decisions.md). Those parts are tested as Stripe
would drive them: by webhook payloads signed with the library's own signing helper.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe

from newsstand.accounts.billing import (
    BillingRecord,
    BillingState,
    EventKind,
    NoticeKind,
    apply_event,
    has_access,
)
from newsstand.errors import PaymentError, WebhookPayloadError, WebhookSignatureError
from newsstand.model import Plan
from newsstand.payments import CheckoutRequest, StripeProvider

from .conftest import API_KEY, WEBHOOK_SECRET, LocalStripe, Received

GRACE = timedelta(days=7)


@pytest.fixture
def provider(localstripe: LocalStripe) -> StripeProvider:
    return StripeProvider(API_KEY, WEBHOOK_SECRET, api_base=localstripe.base, timeout=10)


def _signed(event: dict[str, Any], secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=at)
    return payload.encode(), header


def _subscribe(client: stripe.StripeClient, customer: str, card: str = "4242424242424242") -> Any:
    product = client.v1.products.create(params={"name": "Membership"})
    plan = client.v1.plans.create(
        params={"product": product.id, "amount": 900, "currency": "eur", "interval": "month"}
    )
    method = client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer})
    client.v1.customers.update(customer, params={"invoice_settings": {"default_payment_method": method.id}})
    return client.v1.subscriptions.create(
        params={"customer": customer, "items": [{"plan": plan.id}], "metadata": {"reader_id": "42"}}
    )


def test_localstripe_events_drive_a_membership_from_paid_to_ended(
    provider: StripeProvider, localstripe: LocalStripe, webhook_receiver: Received
) -> None:
    localstripe.send_webhooks_to(webhook_receiver.url)
    client = localstripe.client()
    customer = provider.create_customer(42, "reader@example.org")
    assert customer.startswith("cus_")
    subscription = _subscribe(client, customer)
    client.v1.subscriptions.cancel(subscription.id)

    events = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        e and e.kind is EventKind.SUBSCRIPTION_ENDED and e.subscription == subscription.id for e in events
    ):
        events = [provider.parse_webhook(body, header) for body, header in webhook_receiver.wait_for(1)]
        time.sleep(0.1)
    ours = [e for e in events if e is not None and e.customer == customer]
    kinds = [e.kind for e in ours]
    assert EventKind.SUBSCRIPTION_CHANGED in kinds and EventKind.INVOICE_PAID in kinds
    assert EventKind.SUBSCRIPTION_ENDED in kinds

    paid = next(e for e in ours if e.kind is EventKind.INVOICE_PAID)
    assert paid.amount is not None and (paid.amount.amount, paid.amount.currency) == (900, "EUR")
    assert paid.subscription == subscription.id

    for order in (ours, ours[::-1]):  # as delivered, and every event in the opposite order
        record: BillingRecord | None = None
        receipts = []
        for event in order:
            outcome = apply_event(record, event, GRACE)
            record = outcome.record
            receipts += [n for n in outcome.notices if n.kind is NoticeKind.RECEIPT]
        assert record is not None and record.state is BillingState.ENDED
        assert (record.customer, record.subscription, record.reader_id) == (customer, subscription.id, 42)
        assert len(receipts) == 1


def test_localstripe_webhooks_are_verified_with_the_library(
    provider: StripeProvider, localstripe: LocalStripe, webhook_receiver: Received
) -> None:
    localstripe.send_webhooks_to(webhook_receiver.url)
    provider.create_customer(7, "seven@example.org")  # localstripe posts customer.created
    body, header = webhook_receiver.wait_for(1)[0]
    assert provider.parse_webhook(body, header) is None  # verified, and not a membership event
    with pytest.raises(WebhookSignatureError):
        provider.parse_webhook(body.replace(b"seven", b"eight"), header)
    other = StripeProvider(API_KEY, "whsec_someone_else", api_base=localstripe.base)
    with pytest.raises(WebhookSignatureError):
        other.parse_webhook(body, header)


def test_checkout_and_portal_fail_clearly_where_localstripe_has_no_endpoint(provider: StripeProvider) -> None:
    plan = Plan.parse("monthly:month:9.00", "EUR")
    request = CheckoutRequest(1, "a@example.org", plan, "https://n.example/ok", "https://n.example/no")
    with pytest.raises(PaymentError, match="stripe_prices"):
        provider.checkout_url(request)  # no Stripe price configured: refused before any call
    priced = dataclasses.replace(request, plan=dataclasses.replace(plan, provider_price="price_monthly"))
    with pytest.raises(PaymentError, match="checkout"):
        provider.checkout_url(priced)  # localstripe: 404 for /v1/checkout/sessions
    with pytest.raises(PaymentError, match="portal"):
        provider.portal_url("cus_x", "https://n.example/account")  # 404 for /v1/billing_portal/sessions


def test_signed_checkout_and_newer_api_shapes(provider: StripeProvider) -> None:
    now = int(time.time())
    checkout = {
        "id": "evt_checkout", "type": "checkout.session.completed", "created": now,
        "data": {"object": {
            "id": "cs_1", "object": "checkout.session", "mode": "subscription", "payment_status": "paid",
            "client_reference_id": "42", "customer": "cus_1", "subscription": "sub_1",
        }},
    }  # fmt: skip
    event = provider.parse_webhook(*_signed(checkout))
    assert event is not None and event.kind is EventKind.CHECKOUT_COMPLETED
    assert (event.reader_id, event.customer, event.subscription, event.status) == (
        42,
        "cus_1",
        "sub_1",
        "paid",
    )

    period_end = now + 30 * 86400
    updated = {
        "id": "evt_updated", "type": "customer.subscription.updated", "created": now + 1,
        "data": {"object": {
            "id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active",
            "cancel_at_period_end": True, "metadata": {"reader_id": "42"},
            "items": {"data": [{"current_period_end": period_end, "price": {"id": "price_monthly"}}]},
        }},
    }  # fmt: skip
    event = provider.parse_webhook(*_signed(updated))
    assert event is not None and event.cancel_at_period_end and event.price == "price_monthly"
    assert event.period_end == datetime.fromtimestamp(period_end, UTC)

    paid = {
        "id": "evt_paid", "type": "invoice.paid", "created": now + 2,
        "data": {"object": {
            "id": "in_1", "object": "invoice", "customer": "cus_1", "amount_paid": 9000, "currency": "gbp",
            "parent": {"subscription_details": {"subscription": "sub_1", "metadata": {"reader_id": "42"}}},
            "lines": {"data": [{"period": {"end": period_end}}]},
        }},
    }  # fmt: skip
    event = provider.parse_webhook(*_signed(paid))
    assert event is not None and event.subscription == "sub_1" and event.reader_id == 42
    assert event.amount is not None and str(event.amount) == "90.00 GBP"


def test_old_replayed_and_malformed_webhooks_are_refused(provider: StripeProvider) -> None:
    event = {"id": "evt_1", "type": "invoice.paid", "created": int(time.time()), "data": {"object": {}}}
    with pytest.raises(WebhookSignatureError):
        provider.parse_webhook(*_signed(event, at=int(time.time()) - 3600))  # signed an hour ago
    with pytest.raises(WebhookSignatureError):
        provider.parse_webhook(json.dumps(event).encode(), "")
    body, header = _signed({"id": "evt_2", "type": "invoice.paid"})
    with pytest.raises(WebhookPayloadError):
        provider.parse_webhook(body, header)
    payload = b"not json"
    header = stripe.WebhookSignature.generate_signature_header(payload.decode(), WEBHOOK_SECRET)
    with pytest.raises(WebhookPayloadError):
        provider.parse_webhook(payload, header)


def test_a_lapsed_membership_renewed_through_signed_events_reads_again(provider: StripeProvider) -> None:
    now = int(time.time())
    ended = {
        "id": "evt_end", "type": "customer.subscription.deleted", "created": now - 100,
        "data": {"object": {"id": "sub_old", "customer": "cus_1", "status": "canceled",
                            "ended_at": now - 100, "metadata": {"reader_id": "9"}}},
    }  # fmt: skip
    renewed = {
        "id": "evt_renew", "type": "checkout.session.completed", "created": now,
        "data": {"object": {"mode": "subscription", "payment_status": "paid", "client_reference_id": "9",
                            "customer": "cus_1", "subscription": "sub_new"}},
    }  # fmt: skip
    record = None
    for payload in (ended, renewed):
        event = provider.parse_webhook(*_signed(payload))
        assert event is not None
        record = apply_event(record, event, GRACE).record
    assert record is not None and record.state is BillingState.ACTIVE
    assert has_access(record, datetime.fromtimestamp(now + 60, UTC))
