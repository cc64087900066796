"""The payment provider interface, and what a checkout asks the provider for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from newsstand.accounts.billing import BillingEvent
from newsstand.errors import PaymentError
from newsstand.model import Plan


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """A reader about to buy ``plan`` (sign-up, or renewal after a lapse).

    ``customer`` is the reader's customer id at the provider when they have one, so a
    renewal pays from the same account; ``trial_days`` > 0 starts the subscription with a
    free trial (the provider asks for a card but charges after it).
    """

    reader_id: int
    email: str
    plan: Plan
    success_url: str
    cancel_url: str
    customer: str = ""
    trial_days: int = 0


class PaymentProvider(Protocol):
    """Where readers pay. ``online`` says whether readers can pay here themselves (a provider
    that cannot, like the built-in manual one, raises PaymentError from every call)."""

    name: str
    online: bool

    def create_customer(self, reader_id: int, email: str) -> str:
        """The reader's account at the provider (their id in its metadata); its id. Raises
        PaymentError."""

    def checkout_url(self, request: CheckoutRequest) -> str:
        """Where to send the reader to pay. Raises PaymentError."""

    def portal_url(self, customer: str, return_url: str) -> str:
        """Where the reader changes their card or cancels. Raises PaymentError."""

    def parse_webhook(self, payload: bytes, signature: str) -> BillingEvent | None:
        """The event a webhook reports, after checking its signature; None for an event
        membership does not care about. Raises WebhookSignatureError for a payload that
        is not from the provider, WebhookPayloadError for one that cannot be read."""


def checkout_params(request: CheckoutRequest) -> dict[str, Any]:
    """The Checkout Session to create for ``request`` (Stripe's parameters). The reader's id
    travels as ``client_reference_id`` and in the metadata of the session and of the
    subscription, so every later event names the reader. Raises PaymentError when the plan
    has no price at the provider."""
    plan = request.plan
    if not plan.provider_price:
        raise PaymentError(f"plan {plan.id!r} has no Stripe price: set it in stripe_prices")
    metadata = {"reader_id": str(request.reader_id), "plan": plan.id}
    subscription: dict[str, Any] = {"metadata": metadata}
    if request.trial_days > 0:
        subscription["trial_period_days"] = request.trial_days
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": plan.provider_price, "quantity": 1}],
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        "client_reference_id": str(request.reader_id),
        "metadata": metadata,
        "subscription_data": subscription,
    }
    if request.customer:
        params["customer"] = request.customer
    else:
        params["customer_email"] = request.email
    return params
