"""Paying, cancelling and renewing through the web reader's endpoints against localstripe, with
the stand-in for Checkout and the portal (``standin.py`` says what is localstripe's and what is
made here). Webhooks are collected by a receiver and handed to the app's endpoint as Stripe
would post them; the browser test does the same through a real browser and a real server."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.config import load_settings
from newsstand.model import MembershipState
from newsstand.store import open_store
from newsstand.web import create_app
from support import make_services

from .servers import WEBHOOK_SECRET, LocalStripe, Received
from .standin import StandIn

PASSWORD = "a long enough secret"
CARD = "4242424242424242"


class Relay:
    """Hands what the receiver got to the app's webhook endpoint, each delivery once."""

    def __init__(self, received: Received, client: TestClient) -> None:
        self.received, self.client, self.done = received, client, 0

    def until(self, check: Callable[[], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for body, signature in self.received.posts[self.done :]:
                self.client.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": signature})
                self.done += 1
            if check():
                return
            assert time.monotonic() < deadline, "the webhooks never said so"
            time.sleep(0.1)


@pytest.fixture
def paying(
    tmp_path: Path, localstripe: LocalStripe, standin: StandIn, webhook_receiver: Received
) -> Iterator[tuple[TestClient, Services, Relay]]:
    client_api = localstripe.client()
    product = client_api.v1.products.create(params={"name": "Newsstand membership"})
    client_api.v1.plans.create(params={
        "id": f"price_monthly_{tmp_path.name[-8:]}", "product": product.id, "amount": 900, "currency": "eur",
        "interval": "month",
    })  # fmt: skip
    settings = load_settings({
        "NEWSSTAND_DATA_DIR": str(tmp_path), "NEWSSTAND_SECRET_KEY": "checkout-tests",
        "NEWSSTAND_PAYMENT_PROVIDER": "stripe", "NEWSSTAND_STRIPE_SECRET_KEY": "sk_test_newsstand",
        "NEWSSTAND_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "NEWSSTAND_STRIPE_API_BASE": standin.base,
        "NEWSSTAND_STRIPE_PRICES": f"monthly=price_monthly_{tmp_path.name[-8:]}",
        "NEWSSTAND_PLANS": "monthly:month:9.00", "NEWSSTAND_HOME_CACHE_SECONDS": "0",
    })  # fmt: skip
    store = open_store(settings)
    services = make_services(store, settings)
    standin.webhook_url = webhook_receiver.url
    localstripe.send_webhooks_to(webhook_receiver.url)
    with TestClient(create_app(settings, services=services), follow_redirects=False) as client:
        yield client, services, Relay(webhook_receiver, client)
    store.close()


def click(client: TestClient, page: str, action: str, **data: str) -> str:
    """Post a form of ``page`` (with its CSRF token) and return where the app sends the reader."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert token, page
    response = client.post(action, data={"csrf_token": token.group(1), **data})
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def session_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


@pytest.mark.slow
def test_pay_cancel_at_period_end_end_and_renew(
    paying: tuple[TestClient, Services, Relay], standin: StandIn
) -> None:
    client, services, relay = paying
    reader = services.accounts.sign_up("payer@example.org", PASSWORD)
    grant = services.accounts.sign_in("payer@example.org", PASSWORD)
    client.cookies.set("ns_session", grant.token)
    membership = services.membership

    pay_page = click(client, "/membership", "/membership/checkout", plan="monthly")  # click 1
    assert pay_page.startswith(f"{standin.base}/pay/cs_test_")
    back = standin.pay(session_of(pay_page), CARD)  # click 2, on the provider's page
    assert back.endswith("/membership?msg=paid")
    relay.until(lambda: bool(membership.payments(reader.id)) and membership.reader_offer(reader.id).manage)
    offer = membership.reader_offer(reader.id)
    assert offer.state is MembershipState.ACTIVE and offer.membership is not None
    assert offer.membership.provider == "stripe" and not offer.can_buy
    [payment] = membership.payments(reader.id)
    assert str(payment.amount) == "9.00 EUR" and payment.period_end == offer.membership.ends
    assert [m.kind for m in services.mail.queued() if m.kind == "receipt"] == ["receipt"]
    assert "renewed automatically" in client.get("/membership").text

    portal = click(client, "/membership", "/membership/portal")
    assert portal.startswith(f"{standin.base}/portal/bps_")
    standin.cancel(session_of(portal))
    relay.until(lambda: membership.reader_offer(reader.id).cancelling)
    assert "You cancelled: your membership ends then" in client.get("/membership").text

    record = services.store.billing_record(reader.id)
    assert record is not None
    standin.end_subscriptions(record.customer)  # the period is over: Stripe ends the subscription
    relay.until(lambda: membership.membership_state(reader.id) is MembershipState.CANCELLED)
    page = client.get("/membership").text
    assert (
        "Your membership has ended" in page and "Renew monthly" in page and "free trial" not in page.lower()
    )

    again = click(client, "/membership", "/membership/checkout", plan="monthly")
    standin.pay(session_of(again), CARD)
    relay.until(lambda: len(membership.payments(reader.id)) == 2 and membership.reader_offer(reader.id).manage
                and membership.membership_state(reader.id) is MembershipState.ACTIVE)  # fmt: skip
    renewed = services.store.billing_record(reader.id)
    assert renewed is not None and renewed.subscription != record.subscription
    assert renewed.customer == record.customer  # the same customer pays again
