"""Memberships as a service: the free trial, plans and what a reader is offered, payment
through the provider the settings choose (manual or Stripe) and its webhooks, grants and
renewals by operators, trial reminders, the reading report and the payout statement.

The state machines are pure (``newsstand.accounts.membership`` for the membership row,
``newsstand.accounts.billing`` for what a provider's events say); this module reads the
current rows, applies one transition and stores the result.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from newsstand.accounts import membership as ms
from newsstand.accounts import reminders
from newsstand.app.billing import (
    MONTH,
    YEAR,
    EventContext,
    ManualProvider,
    billing_change,
    checkout_request,
)
from newsstand.app.mailing import SITE, MailService
from newsstand.app.payouts import PayoutStatement, csv_safe, payout_statement
from newsstand.config import Settings
from newsstand.errors import InvalidDataError, InvalidFieldError, MembershipError, NotFoundError
from newsstand.mail import trial_ending
from newsstand.model import (
    BillingInterval,
    BillingRecord,
    BillingState,
    MemberRow,
    Membership,
    MembershipState,
    Payment,
    Plan,
    Reader,
    ReportRow,
    utc,
)
from newsstand.payments import PaymentProvider
from newsstand.store.base import (
    BillingStore,
    CatalogStore,
    LibraryStore,
    MailQueue,
    MembershipStore,
    ReaderStore,
)

__all__ = ["ManualProvider", "MembershipService", "Offer", "PaymentProvider", "WebhookResult"]


class MembersStore(
    ReaderStore, MembershipStore, LibraryStore, CatalogStore, BillingStore, MailQueue, Protocol
):
    """What the membership service reads and writes."""


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a month given as "YYYY-MM", in UTC. Raises InvalidDataError."""
    try:
        start = datetime.strptime(month.strip(), "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidDataError(f"month must look like 2026-11, got {month!r}") from exc
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def report_csv(rows: list[ReportRow]) -> str:
    """The report as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["publisher_id", "publisher", "reads", "unique_readers"])
    for row in rows:
        writer.writerow([row.publisher_id, csv_safe(row.publisher_name), row.reads, row.unique_readers])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Offer:
    """What a reader is offered about membership (the membership page, the paywall, the
    account page): the plans, the trial while it is theirs to take, and what they can do."""

    plans: tuple[Plan, ...]
    trial_days: int
    can_trial: bool  # never had a membership: the free trial is theirs
    state: MembershipState | None
    membership: Membership | None
    online: bool  # readers pay here themselves (Stripe); else the operators arrange it
    can_buy: bool  # not reading in full now: the plans are on offer
    renewing: bool  # had a membership before: "renew" rather than "join"
    manage: bool  # has an account at the provider: card and cancelling in its portal
    cancelling: bool  # cancelled, reading on until the period's end
    support_email: str = ""


@dataclass(frozen=True, slots=True)
class WebhookResult:
    """What a provider's webhook did: the event's id, and whether it changed anything."""

    event_id: str
    applied: bool
    unmatched: bool = False  # names no reader known yet: to be sent again later


class MembershipService:
    """Trials, plans, payment, grants, renewals and endings, reminders, reports and payouts."""

    def __init__(
        self,
        store: MembersStore,
        settings: Settings,
        clock: Callable[[], datetime],
        mail: MailService,
        provider: PaymentProvider | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.mail = mail
        self.provider: PaymentProvider = provider or ManualProvider()
        # Told after every change, so what signed-in requests remember of memberships is dropped.
        self.on_change = on_change or (lambda: None)

    def _put(self, membership: Membership) -> Membership:
        self.store.put_membership(membership)
        self.on_change()
        return membership

    def now(self) -> datetime:
        return utc(self.clock())

    @property
    def trial_days(self) -> int:
        return self.settings.trial_days

    def membership(self, reader_id: int) -> Membership | None:
        return self.store.get_membership(reader_id)

    def membership_state(self, reader_id: int) -> MembershipState | None:
        """The effective state now (a trial past its end is lapsed), None without one."""
        current = self.store.get_membership(reader_id)
        return None if current is None else ms.effective_state(current, self.now())

    def states(self) -> dict[int, MembershipState]:
        """Every reader's effective membership state now, by reader id (one query)."""
        now = self.now()
        return {m.reader_id: ms.effective_state(m, now) for m in self.store.list_memberships()}

    def can_start_trial(self, reader_id: int) -> bool:
        return ms.can_start_trial(self.store.get_membership(reader_id))

    def start_trial(self, reader_id: int) -> Membership:
        """Start the free trial. Raises MembershipError when the reader had one (or any
        membership) before, NotFoundError for an unknown reader."""
        self.store.get_reader(reader_id)
        started = ms.start_trial(self.store.get_membership(reader_id), reader_id, self.now(), self.trial_days)
        return self._put(started)

    def grant(
        self,
        reader_id: int,
        *,
        days: int | None = None,
        until: datetime | None = None,
        note: str = "",
        provider: str | None = None,
        plan: str | None = None,
    ) -> Membership:
        """Make the reader an active member for ``days`` days or until ``until`` (neither:
        open-ended, or one interval of ``plan``). With ``plan`` the reader paid its price to
        the operators: the payment is recorded with the membership, for the payouts. Raises
        InvalidDataError for both days and until, or a past end; InvalidFieldError("plan")
        for a plan not on sale."""
        if plan is not None:
            return self._grant_paid(reader_id, self.plan(plan), days=days, until=until, note=note)
        if days is not None and until is not None:
            raise InvalidDataError("give either days or until, not both")
        if days is not None and days <= 0:
            raise InvalidDataError(f"days must be positive, got {days}")
        self.store.get_reader(reader_id)
        now = self.now()
        end = now + timedelta(days=days) if days is not None else until
        granted = ms.grant(
            self.store.get_membership(reader_id),
            reader_id,
            now,
            end,
            provider=provider or self.provider.name,
            note=note,
        )
        return self._put(granted)

    def _grant_paid(
        self, reader_id: int, plan: Plan, *, days: int | None, until: datetime | None, note: str
    ) -> Membership:
        if days is not None and until is not None:
            raise InvalidDataError("give either days or until, not both")
        self.store.get_reader(reader_id)
        now = self.now()
        length = YEAR if plan.interval is BillingInterval.YEAR else MONTH
        end = until or now + (timedelta(days=days) if days is not None else length)
        current = self.store.get_membership(reader_id)
        granted = ms.grant(current, reader_id, now, end, provider=ManualProvider.name, note=note or plan.name)
        reference = f"manual-{now:%Y%m%d}-{secrets.token_hex(6)}"
        payment = Payment(ManualProvider.name, reference, reader_id, plan.price, now, now, end, plan.id)
        self.store.record_payment(payment, granted)
        self.on_change()
        return granted

    def extend(self, reader_id: int, days: int) -> Membership:
        """Add days to the current trial or period (or start a new period when lapsed)."""
        self.store.get_reader(reader_id)
        extended = ms.extend(self.store.get_membership(reader_id), reader_id, self.now(), days)
        return self._put(extended)

    def end(self, reader_id: int) -> Membership:
        """Cancel the membership now. Raises MembershipError when there is none."""
        current = self.store.get_membership(reader_id)
        if current is None:
            raise MembershipError("This reader has no membership to end.")
        ended = ms.cancel(current, self.now())
        return self._put(ended)

    def list_members(self) -> list[MemberRow]:
        """Every reader with a membership, ordered by email."""
        now = self.now()
        readers = {r.id: r for r in self.store.list_readers()}
        rows = [
            MemberRow(readers[m.reader_id], m, ms.effective_state(m, now))
            for m in self.store.list_memberships()
            if m.reader_id in readers
        ]
        return sorted(rows, key=lambda row: row.reader.email)

    # --- plans and what a reader is offered ------------------------------------------------

    @property
    def plans(self) -> tuple[Plan, ...]:
        """The plans on sale (online, only those with a price at the provider)."""
        plans = self.settings.membership_plans
        return tuple(p for p in plans if p.provider_price) if self.provider.online else plans

    def plan(self, plan_id: str) -> Plan:
        """Raises InvalidFieldError("plan") for a plan not on sale."""
        for plan in self.plans:
            if plan.id == plan_id:
                return plan
        raise InvalidFieldError(f"There is no plan called {plan_id[:40]!r}.", "plan")

    def offer(
        self, membership: Membership | None, billing: BillingRecord | None = None, *, signed_in: bool = True
    ) -> Offer:
        """What a reader with ``membership`` (and ``billing`` record) is offered now; reads nothing."""
        now = self.now()
        state = None if membership is None else ms.effective_state(membership, now)
        reading = ms.has_full_access(membership, now)
        on_trial = state is MembershipState.TRIAL
        return Offer(
            plans=self.plans,
            trial_days=self.trial_days,
            can_trial=signed_in and ms.can_start_trial(membership),
            state=state,
            membership=membership,
            online=self.provider.online,
            can_buy=not reading or on_trial,
            renewing=membership is not None and not reading,
            manage=self.provider.online and billing is not None and bool(billing.customer)
            and billing.state is not BillingState.INCOMPLETE,
            cancelling=billing is not None and billing.state is BillingState.CANCELLING and reading,
            support_email=self.settings.support_email,
        )  # fmt: skip

    def reader_offer(self, reader_id: int) -> Offer:
        """The offer for a signed-in reader, from their stored membership and billing record."""
        return self.offer(self.store.get_membership(reader_id), self.store.billing_record(reader_id))

    def payments(self, reader_id: int) -> list[Payment]:
        """What the reader paid, newest first (their receipts)."""
        return self.store.reader_payments(reader_id)

    # --- paying through the provider ------------------------------------------------------

    def checkout(self, reader_id: int, plan_id: str, base_url: str = "") -> str:
        """Where to send the reader to pay for ``plan_id`` (sign-up, or renewal after a lapse;
        a running free trial ends when the payment starts the paid period). Raises
        MembershipError when the reader reads as a paying member already,
        InvalidFieldError("plan"), and PaymentError when the provider cannot take payments
        or does not answer."""
        plan = self.plan(plan_id)
        reader = self.store.get_reader(reader_id)
        offer = self.reader_offer(reader_id)
        if not offer.can_buy:
            raise MembershipError("You are a member already: nothing to pay until your period ends.")
        customer = self._customer(reader)
        request = checkout_request(reader, plan, customer, self.mail.public_base(base_url))
        return self.provider.checkout_url(request)

    def _customer(self, reader: Reader) -> str:
        record = self.store.billing_record(reader.id)
        if record is not None and record.customer:
            return record.customer
        # Made before the checkout, so every event about it names a reader we know.
        created = self.provider.create_customer(reader.id, reader.email)
        return self.store.claim_billing_customer(reader.id, created, self.now())

    def portal(self, reader_id: int, base_url: str = "") -> str:
        """Where the reader changes their card or cancels (the provider's portal). Raises
        MembershipError when they never paid online, PaymentError when the provider fails."""
        record = self.store.billing_record(reader_id)
        if record is None or not record.customer:
            raise MembershipError("You have not paid online: there is nothing to manage there.")
        return self.provider.portal_url(record.customer, self.mail.link("/membership", base_url))

    def handle_webhook(self, payload: bytes, signature: str) -> WebhookResult | None:
        """Apply a provider's webhook, once per event id, in any order of arrival. None for an
        event membership does not care about; ``unmatched`` when it names no reader yet (a
        customer this store has not linked to a reader: the provider should send it again
        later). Raises WebhookSignatureError for a payload not signed by the provider,
        WebhookPayloadError for one that cannot be read."""
        event = self.provider.parse_webhook(payload, signature)
        if event is None:
            return None
        reader_id = event.reader_id
        if reader_id is None:
            reader_id = self.store.billing_reader(event.customer)
        if reader_id is None:
            return WebhookResult(event.id, applied=False, unmatched=True)
        now = self.now()
        try:
            reader = self.store.get_reader(reader_id)
        except NotFoundError:  # the account was deleted since: nothing to apply it to, ever
            self.store.apply_billing(event.id, event.kind.value, None, now, lambda record, current: None)
            return WebhookResult(event.id, applied=False)
        ctx = EventContext(reader, now, self.settings, self.mail)
        change = self.store.apply_billing(
            event.id, event.kind.value, reader.id, now,
            lambda record, current: billing_change(event, record, current, ctx),
        )  # fmt: skip
        if change is not None:
            self.on_change()
        return WebhookResult(event.id, applied=change is not None)

    # --- reminders --------------------------------------------------------------------------

    def send_trial_reminders(self, now: datetime | None = None) -> int:
        """Queue the trial-ending reminders due at ``now`` (three days, then one day before the
        end); each goes once however often this runs. Returns how many are due."""
        now = utc(now) if now is not None else self.now()
        mails = []
        plans = [(p.name, p.price) for p in self.plans]
        for reader, membership in self.store.memberships_ending(
            MembershipState.TRIAL, *reminders.reminder_window(now)
        ):
            ends = membership.ends
            days = None if ends is None else reminders.reminder_due(ends, now)
            if ends is None or days is None:
                continue
            to, link = self.mail.recipient(reader), self.mail.link("/membership")
            composed = trial_ending(to, ends, days, link, plans, site=SITE)
            mails.append(self.mail.outgoing(composed, reminders.reminder_key(reader.id, ends, days)))
        if mails:
            self.store.enqueue_mail(mails, now)
        return len(mails)

    # --- reports ----------------------------------------------------------------------------

    def payout_statement(self, month: str) -> PayoutStatement:
        """The month's payout statement (UTC months) in the plans' currency. Raises
        InvalidDataError for a malformed month."""
        start, end = month_bounds(month)
        names = {p.id: p.name for p in self.store.list_publishers()}
        return payout_statement(self.store, month.strip(), start, end, self.settings.currency, names)

    def reading_report(self, month: str) -> list[ReportRow]:
        """Full reads per publisher in a month (UTC), most read first."""
        start, end = month_bounds(month)
        names = {p.id: p.name for p in self.store.list_publishers()}
        rows = [
            ReportRow(pid, names.get(pid, pid), reads, unique)
            for pid, reads, unique in self.store.reading_counts(start, end)
        ]
        return sorted(rows, key=lambda r: (-r.reads, r.publisher_id))
