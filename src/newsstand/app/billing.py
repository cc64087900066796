"""Payment providers behind one interface, and what a provider's event writes.

Two providers implement ``payments.PaymentProvider``: the built-in ``ManualProvider``
(operators grant and extend memberships; readers cannot pay online) and ``StripeProvider``
(Checkout, the customer portal, webhooks). The ``payment_provider`` setting picks one.

``billing_change`` turns one provider event into what it writes, in the store's transaction:
the reader's billing record after the pure state machine (``accounts.billing``), the membership
it implies, the payment an invoice records, and the receipt or payment-failed mail.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsstand.accounts import membership as ms
from newsstand.accounts.billing import BillingEvent, Notice, NoticeKind, apply_event, as_membership
from newsstand.app.mailing import SITE, MailService
from newsstand.config import Settings
from newsstand.errors import PaymentError
from newsstand.mail import payment_failed, receipt
from newsstand.model import (
    BillingChange,
    BillingInterval,
    BillingRecord,
    Membership,
    OutgoingMail,
    Payment,
    Plan,
    Reader,
)
from newsstand.payments import CheckoutRequest, PaymentProvider, StripeProvider

MONTH = timedelta(days=31)
YEAR = timedelta(days=366)


class ManualProvider:
    """The built-in provider: no online payment; operators grant, extend and end memberships
    from the CLI or the admin pages (and record what was paid)."""

    name = "manual"
    online = False
    _REFUSAL = "Online payment is not set up here: memberships are arranged by the operators."

    def create_customer(self, reader_id: int, email: str) -> str:
        raise PaymentError(self._REFUSAL)

    def checkout_url(self, request: CheckoutRequest) -> str:
        raise PaymentError(self._REFUSAL)

    def portal_url(self, customer: str, return_url: str) -> str:
        raise PaymentError(self._REFUSAL)

    def parse_webhook(self, payload: bytes, signature: str) -> BillingEvent | None:
        raise PaymentError("The manual provider receives no webhooks.")


def provider_from_settings(settings: Settings) -> PaymentProvider:
    """The provider the ``payment_provider`` setting names. Raises PaymentError when Stripe is
    chosen without its keys."""
    if settings.payment_provider == "stripe":
        return StripeProvider.from_settings(settings)
    return ManualProvider()


def plan_for_price(settings: Settings, price: str) -> Plan | None:
    """The plan sold at the provider's ``price`` (None for a price no plan names)."""
    return next((p for p in settings.membership_plans if price and p.provider_price == price), None)


def _period(event: BillingEvent, record: BillingRecord, plan: Plan | None) -> tuple[datetime, datetime]:
    """The period an invoice pays for: as the invoice says, else from the plan's interval."""
    start = event.period_start or event.created
    end = event.period_end or record.period_end
    if end is None or end <= start:
        end = start + (YEAR if plan is not None and plan.interval is BillingInterval.YEAR else MONTH)
    return start, end


@dataclass(frozen=True, slots=True)
class EventContext:
    """What deciding one event needs besides the event and the stored rows."""

    reader: Reader
    now: datetime
    settings: Settings
    mail: MailService


def billing_change(
    event: BillingEvent, record: BillingRecord | None, current: Membership | None, ctx: EventContext
) -> BillingChange | None:
    """What ``event`` writes for the reader whose ``record`` and ``current`` membership are
    stored; None when it writes nothing (a replay)."""
    grace = timedelta(days=ctx.settings.payment_grace_days)
    outcome = apply_event(record, event, grace, ctx.now)
    if outcome.record == record and not outcome.notices:
        return None
    new = outcome.record
    plan = plan_for_price(ctx.settings, event.price or new.price)
    membership = None
    if outcome.applied:
        membership = _membership_after(current, as_membership(new, new.started or ctx.now), ctx.now)
    payments: list[Payment] = []
    mails: list[OutgoingMail] = []
    for notice in outcome.notices:
        if notice.kind is NoticeKind.RECEIPT:
            start, end = _period(event, new, plan)
            payments.append(
                Payment("stripe", notice.invoice or event.id, ctx.reader.id, notice.amount, event.created,
                        start, end, plan.id if plan else "")
            )  # fmt: skip
        mails.append(_notice_mail(notice, event, plan, ctx, payments[-1].period_end if payments else None))
    return BillingChange(
        dataclasses.replace(new, reader_id=ctx.reader.id), membership, tuple(payments), tuple(mails)
    )


def _membership_after(
    current: Membership | None, proposed: Membership | None, now: datetime
) -> Membership | None:
    """The membership row after a provider event: the provider's view, except that an ended
    subscription does not take away what an operator granted by hand and still runs."""
    if proposed is None:
        return None
    granted = current is not None and current.provider != proposed.provider
    if granted and ms.has_full_access(current, now) and not ms.has_full_access(proposed, now):
        return None
    return proposed


def _notice_mail(
    notice: Notice, event: BillingEvent, plan: Plan | None, ctx: EventContext, paid_until: datetime | None
) -> OutgoingMail:
    to = ctx.mail.recipient(ctx.reader)
    account = ctx.mail.link("/membership")
    if notice.kind is NoticeKind.RECEIPT:
        until = notice.until or paid_until or event.created
        composed = receipt(to, notice.amount, plan.name if plan else "Membership", event.created, until,
                           notice.invoice or event.id, account, site=SITE)  # fmt: skip
    else:
        reads_until = notice.until or event.created
        composed = payment_failed(to, notice.amount, reads_until, account, site=SITE)
    return ctx.mail.outgoing(composed, notice.key)


def checkout_request(reader: Reader, plan: Plan, customer: str, base: str) -> CheckoutRequest:
    """A checkout for ``plan``: back to the membership page, paid or not. Paying ends a running
    free trial: the paid period starts at once."""
    return CheckoutRequest(
        reader_id=reader.id,
        email=reader.email,
        plan=plan,
        success_url=f"{base}/membership?msg=paid",
        cancel_url=f"{base}/membership?msg=not-paid",
        customer=customer,
    )
