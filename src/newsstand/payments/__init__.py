"""Payment providers: where readers pay for a membership, and what the provider tells us.

``PaymentProvider`` is the interface; ``StripeProvider`` implements it with Stripe's
official library (Checkout Sessions, the Billing customer portal, signed webhooks).
``stripe_events.billing_event`` reads a Stripe event (either API shape) as a
``BillingEvent``; what the event does to a membership is decided in
``newsstand.accounts.billing``. The built-in manual provider lives with the accounts.
"""

from newsstand.payments.base import CheckoutRequest, PaymentProvider, checkout_params
from newsstand.payments.stripe_events import billing_event
from newsstand.payments.stripe_provider import StripeProvider

__all__ = ["CheckoutRequest", "PaymentProvider", "StripeProvider", "billing_event", "checkout_params"]
