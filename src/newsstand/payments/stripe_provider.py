"""Stripe through its official library: customers, Checkout, the customer portal, webhooks.

One ``StripeClient`` per provider (no global API key), talking to Stripe, or to the
``stripe_api_base`` setting's server (localstripe in the tests). Every library error
leaves this module as a PaymentError; webhook signatures are checked with the library's
own verifier before the payload is read at all.
"""

from __future__ import annotations

import json
from typing import Any

import stripe

from newsstand.accounts.billing import BillingEvent
from newsstand.config import Settings
from newsstand.errors import PaymentError, WebhookPayloadError, WebhookSignatureError
from newsstand.payments.base import CheckoutRequest, checkout_params
from newsstand.payments.stripe_events import billing_event

# Stripe signs each webhook with its time; one older than this is refused as a replay.
SIGNATURE_TOLERANCE_SECONDS = 300


class StripeProvider:
    name = "stripe"
    online = True

    def __init__(
        self, secret_key: str, webhook_secret: str, *, api_base: str = "", timeout: float = 20.0
    ) -> None:
        """Raises PaymentError when a key is missing."""
        if not secret_key or not webhook_secret:
            raise PaymentError("Stripe needs stripe_secret_key and stripe_webhook_secret")
        self._webhook_secret = webhook_secret
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
            http_client=stripe.HTTPXClient(timeout=timeout, allow_sync_methods=True),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeProvider:
        """Raises PaymentError when Stripe's keys are not set."""
        return cls(
            settings.stripe_secret_key, settings.stripe_webhook_secret, api_base=settings.stripe_api_base
        )

    def _call(self, what: str, call: Any, params: dict[str, Any]) -> Any:
        try:
            return call(params=params)
        except stripe.StripeError as exc:
            message = (exc.user_message or str(exc) or type(exc).__name__).splitlines()[0]
            raise PaymentError(f"Stripe could not {what}: {message}") from exc

    def create_customer(self, reader_id: int, email: str) -> str:
        """A Stripe customer for the reader (their id in its metadata); returns its id.
        Raises PaymentError."""
        params = {"email": email, "metadata": {"reader_id": str(reader_id)}}
        customer = self._call("create a customer", self._client.v1.customers.create, params)
        return str(customer.id)

    def checkout_url(self, request: CheckoutRequest) -> str:
        """A Checkout Session's page for the plan. Raises PaymentError."""
        session = self._call(
            "start a checkout", self._client.v1.checkout.sessions.create, checkout_params(request)
        )
        if not session.url:
            raise PaymentError("Stripe started a checkout without a page to send the reader to")
        return str(session.url)

    def portal_url(self, customer: str, return_url: str) -> str:
        """The customer portal (card, invoices, cancelling) for ``customer``. Raises PaymentError."""
        params = {"customer": customer, "return_url": return_url}
        session = self._call(
            "open the customer portal", self._client.v1.billing_portal.sessions.create, params
        )
        return str(session.url)

    def parse_webhook(self, payload: bytes, signature: str) -> BillingEvent | None:
        """See ``PaymentProvider.parse_webhook``."""
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, self._webhook_secret, SIGNATURE_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureError(f"webhook signature refused: {exc.user_message or exc}") from exc
        except UnicodeDecodeError as exc:
            raise WebhookSignatureError("webhook payload is not UTF-8 text") from exc
        try:
            event = json.loads(payload)
        except ValueError as exc:
            raise WebhookPayloadError(f"webhook payload is not JSON: {exc}") from exc
        if not isinstance(event, dict):
            raise WebhookPayloadError("webhook payload is not a JSON object")
        return billing_event(event)
