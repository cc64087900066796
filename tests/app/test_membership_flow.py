"""Paid memberships through the application core, on both databases: Stripe's webhooks (signed
with the library) replayed and out of order, cancelling and renewing, failed payments, trial
reminders, the morning edition at the reader's time, and the payout statement."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.errors import WebhookSignatureError
from newsstand.mail import message_text, parse_message
from newsstand.model import Article, LicenceTier, MembershipState, Publisher, Reader
from newsstand.store import SqlStore
from payments.events import checkout_completed, invoice_event, signed, subscription_event
from payments.servers import WEBHOOK_SECRET
from support import make_services

T0 = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
MONTH = timedelta(days=30)
PASSWORD = "a long enough secret"


@dataclass
class Clock:
    now: datetime = field(default=T0)

    def __call__(self) -> datetime:
        return self.now

    def to(self, moment: datetime) -> None:
        self.now = moment


def stripe_settings(settings: Settings) -> Settings:
    return settings.replace(
        payment_provider="stripe",
        stripe_secret_key="sk_test_newsstand",
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_prices=("monthly=price_monthly", "yearly=price_yearly"),
        stripe_api_base="http://127.0.0.1:9",  # never called: webhooks need no API call
        home_cache_seconds=0,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(store: SqlStore, store_settings: Settings, clock: Clock) -> Services:
    return make_services(store, stripe_settings(store_settings), clock)


def deliver(services: Services, *events: dict[str, object]) -> list[bool]:
    applied = []
    for event in events:
        result = services.membership.handle_webhook(*signed(event))
        applied.append(bool(result and result.applied))
    return applied


def queued(store: SqlStore, kind: str) -> list[str]:
    """The queued mails of one kind, as their plain text."""
    return [message_text(parse_message(m.data)) for m in store.mail_queue(limit=500) if m.kind == kind]


def paid_life(reader: Reader, sub: str, start: datetime, n: int = 0) -> list[dict[str, object]]:
    """What Stripe sends for one paid checkout: the checkout, the subscription, its invoice."""
    end = start + MONTH
    return [
        checkout_completed(f"evt_co{n}", start, reader.id, "cus_1", sub),
        subscription_event(f"evt_sub{n}", start + timedelta(seconds=1), reader.id, "cus_1", sub, end),
        invoice_event(
            f"evt_inv{n}", start + timedelta(seconds=2), "cus_1", sub, f"in_{n}", 900, (start, end)
        ),
    ]


def test_webhooks_replayed_and_out_of_order_change_nothing_twice(services: Services, store: SqlStore) -> None:
    reader = services.accounts.sign_up("payer@example.org", PASSWORD)
    life = paid_life(reader, "sub_1", T0 + timedelta(hours=1))
    # An invoice names only its customer: before the reader's checkout linked it, it is refused
    # for now (Stripe sends it again), not lost.
    early = services.membership.handle_webhook(*signed(life[2]))
    assert early is not None and early.unmatched and not early.applied
    store.claim_billing_customer(reader.id, "cus_1", T0)  # what starting the checkout does
    shuffled = [*life, *life, life[1]]
    random.Random(4).shuffle(shuffled)  # every event twice or more, in no particular order
    assert sum(deliver(services, *shuffled)) == 3  # each event applied once
    membership = services.membership.membership(reader.id)
    assert membership is not None and membership.state is MembershipState.ACTIVE
    assert membership.provider == "stripe" and membership.ends == T0 + timedelta(hours=1) + MONTH
    assert [p.reference for p in services.membership.payments(reader.id)] == ["in_0"]
    receipts = queued(store, "receipt")
    assert len(receipts) == 1 and "9.00 EUR" in receipts[0]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM billing_events")).scalar() == 3
    assert deliver(services, *life) == [False, False, False]  # much later: still nothing twice
    assert len(queued(store, "receipt")) == 1


def link(store: SqlStore, reader: Reader) -> None:
    """The reader's customer at Stripe, kept when their checkout starts."""
    store.claim_billing_customer(reader.id, "cus_1", T0)


def test_a_forged_webhook_changes_nothing(services: Services) -> None:
    reader = services.accounts.sign_up("payer@example.org", PASSWORD)
    body, header = signed(paid_life(reader, "sub_1", T0)[0], secret="whsec_someone_else")
    with pytest.raises(WebhookSignatureError):
        services.membership.handle_webhook(body, header)
    membership = services.membership.membership(reader.id)
    assert membership is not None and membership.state is MembershipState.TRIAL


def test_cancel_at_period_end_then_end_then_renew(services: Services, store: SqlStore, clock: Clock) -> None:
    reader = services.accounts.sign_up("payer@example.org", PASSWORD)
    link(store, reader)
    paid_at = T0 + timedelta(days=2)
    clock.to(paid_at)
    deliver(services, *paid_life(reader, "sub_1", paid_at))
    end = paid_at + MONTH
    cancel = subscription_event("evt_cancel", paid_at + timedelta(days=3), reader.id, "cus_1", "sub_1", end,
                                kind="customer.subscription.updated", cancel_at_period_end=True)  # fmt: skip
    clock.to(paid_at + timedelta(days=3))
    deliver(services, cancel)
    offer = services.membership.reader_offer(reader.id)
    assert offer.state is MembershipState.ACTIVE and offer.cancelling and not offer.can_buy
    assert offer.membership is not None and offer.membership.ends == end

    clock.to(end + timedelta(seconds=1))  # the period is over: no more reading, whatever comes
    offer = services.membership.reader_offer(reader.id)
    assert offer.state is MembershipState.LAPSED and offer.can_buy and offer.renewing and not offer.can_trial
    ended = subscription_event("evt_end", end, reader.id, "cus_1", "sub_1", end,
                               kind="customer.subscription.deleted", status="canceled")  # fmt: skip

    renewed_at = end + timedelta(days=1)
    clock.to(renewed_at)
    renewal = paid_life(reader, "sub_2", renewed_at, n=2)
    late_old = subscription_event("evt_old", renewed_at + timedelta(seconds=9), reader.id, "cus_1", "sub_1",
                                  end, kind="customer.subscription.updated", status="canceled")  # fmt: skip
    deliver(services, *renewal[:2], ended, renewal[2], late_old)  # the old end and an old update arrive late
    membership = services.membership.membership(reader.id)
    assert membership is not None and membership.state is MembershipState.ACTIVE
    assert membership.ends == renewed_at + MONTH
    record = store.billing_record(reader.id)
    assert record is not None and record.subscription == "sub_2"
    assert [p.reference for p in services.membership.payments(reader.id)] == ["in_2", "in_0"]


def test_a_failed_renewal_reads_on_through_the_grace_period_and_says_so_once(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    reader = services.accounts.sign_up("payer@example.org", PASSWORD)
    link(store, reader)
    deliver(services, *paid_life(reader, "sub_1", T0))
    failed_at = T0 + MONTH
    clock.to(failed_at)
    period = (failed_at, failed_at + MONTH)
    failed = invoice_event(
        "evt_fail", failed_at, "cus_1", "sub_1", "in_9", 900, period, kind="invoice.payment_failed"
    )
    deliver(services, failed, failed)
    membership = services.membership.membership(reader.id)
    grace = failed_at + timedelta(days=services.settings.payment_grace_days)
    assert membership is not None and membership.ends == grace and membership.note == "payment failed"
    [notice] = queued(store, "payment_failed")
    assert "We could not take the payment of 9.00 EUR" in notice and "/membership" in notice
    clock.to(grace + timedelta(seconds=1))
    assert services.membership.membership_state(reader.id) is MembershipState.LAPSED


def test_trial_reminders_three_days_and_one_day_before_each_once(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    services.accounts.sign_up("trial@example.org", PASSWORD)
    ends = T0 + timedelta(days=14)
    for moment, expected in [
        (ends - timedelta(days=3, minutes=1), 0),
        (ends - timedelta(days=3), 1),
        (ends - timedelta(days=2), 1),  # the same reminder again: queued once
        (ends - timedelta(hours=23), 2),
        (ends - timedelta(hours=1), 2),
        (ends + timedelta(minutes=1), 2),
    ]:
        clock.to(moment)
        services.jobs.run_due()
        assert len(queued(store, "trial_ending")) == expected, moment
    texts = queued(store, "trial_ending")
    assert any("ends in 3 days" in t for t in texts) and any("ends tomorrow" in t for t in texts)
    assert all("Monthly: 9.00 EUR" in t and "/membership" in t for t in texts)
    paid = services.accounts.sign_up("paid@example.org", PASSWORD)
    services.membership.grant(paid.id, days=30)  # a member pays: no trial reminder for them
    clock.to(T0 + timedelta(days=30))
    assert services.membership.send_trial_reminders() == 0


def confirm(services: Services, store: SqlStore, reader: Reader) -> None:
    """Follow the confirmation link the reader was mailed."""
    mails = [
        m for m in store.mail_queue(limit=500) if m.kind == "verify_email" and m.recipient == reader.email
    ]
    token = re.search(r"/account/verify/([\w-]+)", message_text(parse_message(mails[0].data)))
    assert token
    services.accounts.verify_email(token.group(1))


def add_reading(store: SqlStore, services: Services) -> tuple[Publisher, Article]:
    publisher = Publisher(
        "ledger", "Ledger", "https://ledger.example", "DE", "de", licence_tier=LicenceTier.PARTNER
    )
    store.add_publisher(publisher)
    article = Article("ledger", "https://ledger.example/a", "Lakes grow", T0 - timedelta(hours=1),
                      body_html="<p>One.</p>", body_text="One.", full_text=True)  # fmt: skip
    return publisher, store.get_article(store.upsert_article(article).article_id)


def test_the_morning_edition_comes_at_the_chosen_local_time_once_a_day(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    reader = services.accounts.sign_up("early@example.org", PASSWORD, time_zone="Europe/Berlin")
    add_reading(store, services)
    services.digests.subscribe(reader, "07:30")  # at 09:00 in Berlin: the first edition is tomorrow's
    assert services.digests.send_due() == 0  # not confirmed yet, and today's time has passed
    confirm(services, store, reader)
    reader = services.accounts.get_reader(reader.id)
    tomorrow_0730_berlin = datetime(2026, 11, 11, 6, 30, tzinfo=UTC)
    clock.to(tomorrow_0730_berlin - timedelta(minutes=1))
    assert services.digests.send_due() == 0
    clock.to(tomorrow_0730_berlin)
    assert services.digests.send_due() == 1
    assert services.digests.send_due() == 0  # once a day
    [mail] = [parse_message(m.data) for m in store.mail_queue() if m.kind == "daily_digest"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(mail["List-Unsubscribe"]).strip("<>")
    assert "/digest/unsubscribe/" in link and "Wednesday 11 November 2026" in str(mail["Subject"])
    assert "07:30 CET (Europe/Berlin)" in message_text(mail) and "Lakes grow" in message_text(mail)
    clock.to(tomorrow_0730_berlin + timedelta(days=1))
    assert services.digests.send_due() == 1
    services.digests.unsubscribe(link.rsplit("/", 1)[1])
    clock.to(tomorrow_0730_berlin + timedelta(days=2))
    assert services.digests.send_due() == 0


def test_the_payout_statement_adds_up_to_the_months_revenue(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    _, article = add_reading(store, services)
    other = Publisher("post", "Post", "https://post.example", "GB", "en", licence_tier=LicenceTier.PARTNER)
    store.add_publisher(other)
    second = store.get_article(
        store.upsert_article(Article("post", "https://post.example/b", "B", T0)).article_id
    )
    payer = services.accounts.sign_up("payer@example.org", PASSWORD)
    granted = services.accounts.sign_up("granted@example.org", PASSWORD)
    trial = services.accounts.sign_up("trial@example.org", PASSWORD)
    link(store, payer)
    deliver(services, *paid_life(payer, "sub_1", T0))  # 9.00 EUR for 30 days from 10 November
    services.membership.grant(granted.id, plan="yearly")  # 90.00 EUR paid to the operators
    clock.to(T0 + timedelta(days=1))
    for reader, target, seconds in ((payer, article, 600), (granted, second, 120), (trial, second, 900)):
        services.reading.read_article(reader, target)
        clock.to(clock.now + timedelta(minutes=20))
        assert services.reading.add_reading_time(reader, target.id or 0, seconds) == min(seconds, 20 * 60 + 5)
    statement = services.membership.payout_statement("2026-11")
    # November holds 21 of the monthly payment's 30 days (and 21 days of the yearly one).
    assert statement.revenue.amount > 900 * 21 // 30
    assert sum(r.amount.amount for r in statement.rows) == statement.revenue.amount
    assert statement.undistributed.amount == 0
    # Only paying reading counts: the trial reader's 900 seconds on the Post count for nothing.
    assert {r.publisher_id: (r.reads, r.seconds) for r in statement.rows} == {
        "ledger": (1, 600),
        "post": (1, 120),
    }
    months = [f"{2026 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(14)]  # 2026-11 ... 2027-12
    revenues = [services.membership.payout_statement(m).revenue.amount for m in months]
    assert sum(revenues) == 900 + 9000  # every cent paid is shared out in some month, exactly once
    assert services.membership.payout_statement("2026-12").undistributed.amount == revenues[1]  # nobody read
