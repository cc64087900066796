"""A member's whole journey in a real browser (Debian's Chromium through Playwright) against the
reader served by uvicorn on 127.0.0.1, with real mail and a local Stripe.

What is real: the browser; the web app and its service loop's jobs (mail delivery, reminders,
digests) on SQLite; SMTP delivery to an aiosmtpd server, whose received messages the test
reads; the stripe library in the app's provider; localstripe (customers, cards, plans,
subscriptions, invoices, and the webhooks it signs and posts to the app's endpoint:
``customer.subscription.created``, ``invoice.payment_succeeded``,
``customer.subscription.deleted``).

What is constructed (``tests/payments/standin.py``): localstripe has no Checkout and no customer
portal, so a stand-in in front of it serves the pages Stripe would: its checkout page takes the
test card and makes the subscription on localstripe as Checkout does, its portal cancels at
the period's end; it sends the two events localstripe cannot (``checkout.session.completed``,
``customer.subscription.updated``), built from localstripe's objects and signed with the
library. And time: the app's clock is moved (to the trial's last days, past the paid period's
end, to the digest's hour), while localstripe keeps real time, as Stripe would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from mail.conftest import Recorder, _free_port
from newsstand.app import Services
from newsstand.app.loop import ServiceLoop
from newsstand.mail import message_html, message_text
from newsstand.model import utcnow
from newsstand.sample.edition import load_sample_edition
from newsstand.store import open_store
from newsstand.web import create_app
from payments.servers import LocalStripe, localstripe  # noqa: F401 - fixtures used below
from payments.standin import StandIn
from support import listening_socket, make_services, served

from .conftest import PASSWORD, make_settings
from .test_browser import ARGS, CHROMIUM, shoot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

CARD = "4242 4242 4242 4242"


@dataclass
class MovedClock:
    """The app's clock: real time until the test moves it, then the moment it was moved to."""

    fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or utcnow()

    def to(self, moment: datetime) -> None:
        self.fixed = moment


@dataclass
class World:
    url: str
    services: Services
    clock: MovedClock
    mail: Recorder
    standin: StandIn

    def run_jobs(self) -> None:
        """What the service loop does every ``jobs_seconds``: reminders, digests, mail delivery."""
        loop = ServiceLoop(
            self.services.store, self.services.settings, clock=self.clock, jobs=self.services.jobs
        )
        # Playwright's sync API holds an event loop in this thread: the loop's step runs in another.
        with ThreadPoolExecutor(1) as pool:
            report = pool.submit(asyncio.run, loop.run_jobs()).result()
        assert report is not None and not report.errors, report

    def applied_events(self, kind: str) -> int:
        """Provider events of a kind the app has received (applied or not)."""
        with self.services.store.engine.connect() as conn:  # type: ignore[attr-defined]
            query = sa.text("SELECT count(*) FROM billing_events WHERE kind = :kind")
            return int(conn.execute(query, {"kind": kind}).scalar_one())

    def mails(self, subject: str) -> list[EmailMessage]:
        return [m for m in self.mail.messages if subject in str(m["Subject"])]


@pytest.fixture
def world(tmp_path: Path, localstripe: LocalStripe) -> Iterator[World]:  # noqa: F811
    recorder = Recorder()
    smtp_port = _free_port()
    smtp = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    standin = StandIn(localstripe.base, "whsec_newsstand_tests").start()
    api = localstripe.client()
    product = api.v1.products.create(params={"name": "Newsstand membership"})
    price = f"price_journey_{tmp_path.name[-8:]}"
    api.v1.plans.create(params={"id": price, "product": product.id, "amount": 900, "currency": "eur",
                                "interval": "month"})  # fmt: skip
    sock = listening_socket()
    url = "http://{}:{}".format(*sock.getsockname())
    settings = make_settings(
        tmp_path, NEWSSTAND_PAYMENT_PROVIDER="stripe", NEWSSTAND_STRIPE_SECRET_KEY="sk_test_newsstand",
        NEWSSTAND_STRIPE_WEBHOOK_SECRET="whsec_newsstand_tests", NEWSSTAND_STRIPE_API_BASE=standin.base,
        NEWSSTAND_STRIPE_PRICES=f"monthly={price}", NEWSSTAND_PLANS="monthly:month:9.00",
        NEWSSTAND_SMTP_HOST="127.0.0.1", NEWSSTAND_SMTP_PORT=str(smtp_port), NEWSSTAND_SMTP_TLS="none",
        NEWSSTAND_BASE_URL=url, NEWSSTAND_SESSION_DAYS="90",  # the clock moves more than a month
    )  # fmt: skip
    store = open_store(settings)
    load_sample_edition(store, utcnow())
    clock = MovedClock()
    services = make_services(store, settings, clock)
    standin.webhook_url = f"{url}/webhooks/stripe"
    localstripe.send_webhooks_to(standin.webhook_url)
    with served(create_app(settings, services=services), sock):
        yield World(url, services, clock, recorder, standin)
    standin.stop()
    smtp.stop()
    store.close()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(timezone_id="Europe/Berlin", viewport={"width": 1280, "height": 900})
        p = context.new_page()
        p.set_default_timeout(15_000)
        yield p
        browser.close()


def status_reads(page: Page, text: str, timeout: float = 20.0) -> None:
    """Reload the membership page until its status says ``text`` (webhooks take a moment)."""
    deadline = time.monotonic() + timeout
    while text not in (page.locator("#membership-status").text_content() or ""):
        assert time.monotonic() < deadline, page.locator("#membership-status").text_content()
        time.sleep(0.3)
        page.reload()


def link_in(message: EmailMessage, path: str) -> str:
    found = re.search(rf"https?://\S+{path}\S*", message_text(message))
    assert found, message_text(message)
    return found.group(0)


def test_trial_reminder_pay_cancel_end_renew_and_the_morning_edition(page: Page, world: World) -> None:
    services, clock = world.services, world.clock
    # Sign up: the trial starts; the browser's zone (Berlin) becomes the reader's.
    page.goto(f"{world.url}/signup")
    page.get_by_label("Email address").fill("journey@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Start your free trial").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    reader = services.accounts.get_reader_by_email("journey@example.org")
    assert reader.time_zone == "Europe/Berlin"
    trial = services.membership.membership(reader.id)
    assert trial is not None and trial.ends is not None

    # The link mailed at sign-up confirms the address and signs the browser in.
    world.run_jobs()
    [verify] = world.mails("Confirm your email address")
    page.goto(link_in(verify, "/account/verify/"))
    expect(page.get_by_text("Your free trial has started")).to_be_visible()
    assert services.accounts.get_reader(reader.id).email_verified is not None

    # Three days before the trial ends the loop mails the reminder; the reader follows it.
    clock.to(trial.ends - timedelta(days=3) + timedelta(minutes=1))
    world.run_jobs()
    [reminder] = world.mails("Your free trial ends in 3 days")
    assert "CET (Europe/Berlin)" in message_text(reminder) and "Monthly: 9.00 EUR" in message_text(reminder)
    assert "<li>" in message_html(reminder)
    page.goto(link_in(reminder, "/membership"))
    status_reads(page, "Free trial")

    # Pay: the plan's button, then the card on the checkout page.
    page.get_by_role("button", name="Choose monthly").click()
    page.get_by_label("Card number").fill(CARD)
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text("your payment is being confirmed")).to_be_visible()
    status_reads(page, "renewed automatically")
    world.run_jobs()
    [receipt] = world.mails("receipt")
    assert "9.00 EUR" in message_text(receipt) and "CET (Europe/Berlin)" in message_text(receipt)

    # Cancel in the portal: the membership runs to the period's end, then ends.
    page.get_by_role("button", name="Manage card and membership").click()
    page.get_by_role("button", name="Cancel subscription").click()
    status_reads(page, "You cancelled: your membership ends then")
    record = services.store.billing_record(reader.id)
    assert record is not None and record.period_end is not None
    clock.to(record.period_end - timedelta(seconds=5))
    status_reads(page, "You cancelled")
    clock.to(record.period_end + timedelta(seconds=1))
    status_reads(page, "Your membership has ended")
    shoot(page, "membership-renew")

    # Renew: two clicks.
    page.get_by_role("button", name="Renew monthly").click()
    page.get_by_label("Card number").fill(CARD)
    page.get_by_role("button", name="Pay").click()
    status_reads(page, "renewed automatically")
    renewed = services.store.billing_record(reader.id)
    assert renewed is not None and renewed.subscription != record.subscription
    # Stripe ends the old subscription now (late): it changes nothing for the new one.
    world.standin.api("DELETE", f"/v1/subscriptions/{record.subscription}")
    deadline = time.monotonic() + 15
    while world.applied_events("subscription_ended") == 0:  # localstripe posts it a second later
        assert time.monotonic() < deadline, "localstripe never said the old subscription ended"
        time.sleep(0.2)
    status_reads(page, "renewed automatically")
    after = services.store.billing_record(reader.id)
    assert after is not None and dataclasses.replace(after, seen=()) == dataclasses.replace(renewed, seen=())

    # The morning edition at 07:30 in Berlin: choose the time, and wait for it.
    page.goto(f"{world.url}/account/digest")
    page.get_by_label("Time of day").fill("07:30")
    page.get_by_role("button", name="Turn it on").click()
    expect(page.get_by_text("Your morning edition is on")).to_be_visible()
    berlin_now = clock().astimezone(ZoneInfo("Europe/Berlin"))
    next_0730 = (berlin_now + timedelta(days=1)).replace(hour=7, minute=30, second=0, microsecond=0)
    clock.to(next_0730 - timedelta(minutes=1))
    world.run_jobs()
    assert world.mails("Newsstand for") == []
    clock.to(next_0730)
    world.run_jobs()
    [digest] = world.mails("Newsstand for")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "07:30 CET (Europe/Berlin)" in message_text(digest) and "TOP STORIES" in message_text(digest)
    page.goto(str(digest["List-Unsubscribe"]).strip().strip("<>"))
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
