"""Membership in the web reader: plans on /membership and the paywall, the webhook endpoint,
address confirmation, time zones, the morning edition's pages, the reading-time beacon and
the payout statement in the admin."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.mail import message_text, parse_message
from newsstand.model import MembershipState, Role
from newsstand.store import SqlStore
from newsstand.web import create_app
from payments.events import checkout_completed, signed
from payments.servers import WEBHOOK_SECRET
from support import make_services

from .conftest import Clock, Edition, csrf_from, make_reader, make_settings, post_form, sign_in


def stripe_env(base: str = "http://127.0.0.1:9") -> dict[str, str]:
    return {
        "NEWSSTAND_PAYMENT_PROVIDER": "stripe",
        "NEWSSTAND_STRIPE_SECRET_KEY": "sk_test_newsstand",
        "NEWSSTAND_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "NEWSSTAND_STRIPE_PRICES": "monthly=price_monthly,yearly=price_yearly",
        "NEWSSTAND_STRIPE_API_BASE": base,
    }


@pytest.fixture
def stripe_app(tmp_path: Path, web_store: SqlStore, clock: Clock) -> Iterator[tuple[TestClient, Services]]:
    settings = make_settings(tmp_path, **stripe_env())
    services = make_services(web_store, settings, clock)
    with TestClient(create_app(settings, services=services), follow_redirects=False) as client:
        yield client, services


def last_mail_link(services: Services, kind: str, pattern: str) -> str:
    mails = [m for m in services.mail.queued() if m.kind == kind]
    found = re.search(pattern, message_text(parse_message(mails[0].data)))
    assert found, kind
    return found.group(1)


def test_newcomers_see_the_plans_and_the_trial(client: TestClient) -> None:
    page = client.get("/membership").text
    for text in ("Plans and prices", "Monthly", "9.00 EUR", "Yearly", "90.00 EUR", "14-day free trial"):
        assert text in page
    assert 'href="/signup"' in page and 'href="/signin?next=/membership"' in page
    assert 'name="csrf_token"' not in page  # the same for every anonymous reader: cacheable


def test_a_cancelled_member_is_offered_renewal_not_a_trial(
    client: TestClient, services: Services, tmp_path: Path, web_store: SqlStore, clock: Clock
) -> None:
    reader = make_reader(services, "gone@example.org")
    services.membership.end(reader.id)
    sign_in(client, "gone@example.org")
    page = client.get("/membership").text
    assert "free trial" not in page.lower() and "Renew your membership" in page
    assert "Your membership has ended" in page and "arranged by our team" in page
    settings = make_settings(tmp_path / "support", NEWSSTAND_SUPPORT_EMAIL="members@news.example")
    app = create_app(settings, services=make_services(web_store, settings, clock))
    with TestClient(app, follow_redirects=False) as other:
        sign_in(other, "gone@example.org")
        assert 'href="mailto:members@news.example"' in other.get("/membership").text


def test_with_stripe_a_lapsed_reader_renews_from_the_paywall(
    stripe_app: tuple[TestClient, Services], edition: Edition, clock: Clock
) -> None:
    client, services = stripe_app
    make_reader(services, "lapsed@example.org")
    sign_in(client, "lapsed@example.org")
    clock.advance(days=15)
    page = client.get(f"/article/{edition.articles['paid']}").text
    assert 'action="/membership/checkout"' in page and "Renew monthly" in page and "Renew yearly" in page
    assert "Start your 14-day free trial" not in page
    csp = client.get("/membership").headers["content-security-policy"]
    assert "form-action 'self' http://127.0.0.1:9" in csp  # the provider's pages may be posted to


def test_webhook_endpoint_checks_signatures_and_applies_each_event_once(
    stripe_app: tuple[TestClient, Services], web_store: SqlStore, clock: Clock
) -> None:
    client, services = stripe_app
    reader = make_reader(services, "payer@example.org")
    event = checkout_completed("evt_web_1", clock.now, reader.id, "cus_web", "sub_web")
    body, header = signed(event)
    assert (
        client.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": "t=1,v1=00"}).status_code
        == 400
    )
    assert (
        client.post("/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": header}).status_code
        == 400
    )
    first = client.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": header})
    assert first.status_code == 200 and first.json() == {
        "received": True,
        "event": "evt_web_1",
        "applied": True,
    }
    again = client.post("/webhooks/stripe", content=body, headers={"Stripe-Signature": header})
    assert again.status_code == 200 and again.json()["applied"] is False
    assert services.membership.membership_state(reader.id) is MembershipState.ACTIVE
    stranger = signed(
        {
            **event,
            "id": "evt_web_2",
            "data": {
                "object": {**event["data"]["object"], "client_reference_id": None, "customer": "cus_unknown"}
            },
        }
    )  # type: ignore[dict-item]
    assert (
        client.post(
            "/webhooks/stripe", content=stranger[0], headers={"Stripe-Signature": stranger[1]}
        ).status_code
        == 409
    )
    huge = b"x" * (600 * 1024)
    assert (
        client.post("/webhooks/stripe", content=huge, headers={"Stripe-Signature": header}).status_code == 413
    )


def test_sign_up_takes_the_browser_zone_and_the_mailed_link_confirms_the_address(
    client: TestClient, services: Services
) -> None:
    page = client.get("/signup").text
    assert 'name="time_zone"' in page
    response = client.post("/signup", data={
        "csrf_token": csrf_from(page), "email": "ravi@example.org", "password": "a long enough secret",
        "time_zone": "Asia/Kolkata", "next": "/account",
    })  # fmt: skip
    assert response.status_code == 200 and "Check your email" in response.text
    reader = services.accounts.get_reader_by_email("ravi@example.org")
    assert reader.time_zone == "Asia/Kolkata" and reader.email_verified is None
    sign_in(client, "ravi@example.org", "a long enough secret")
    account = client.get("/account").text
    assert "Confirm your email address" in account and "Asia/Kolkata" in account and "IST" in account
    path = last_mail_link(services, "verify_email", r"http://testserver(/account/verify/[\w-]+)")
    assert client.get(path).headers["location"] == "/account?msg=verified"
    assert "Confirm your email address" not in client.get("/account").text
    assert client.get(path).status_code == 400  # used once


def test_times_are_shown_in_the_readers_zone_with_the_zone_named(
    client: TestClient, services: Services, edition: Edition
) -> None:
    anonymous = client.get(f"/live/{edition.live_id}").text
    assert "11:50 UTC" in anonymous  # the key event posted 10 minutes before noon UTC
    reader = make_reader(services, "berlin@example.org")
    sign_in(client, "berlin@example.org")
    response = post_form(client, "/account", "/account/time-zone", {"time_zone": "Europe/Berlin"})
    assert response.headers["location"] == "/account?msg=zone-changed"
    assert services.accounts.get_reader(reader.id).time_zone == "Europe/Berlin"
    live = client.get(f"/live/{edition.live_id}").text
    assert "12:50 CET" in live and "11:50 UTC" not in live
    assert "CET (Europe/Berlin)" in client.get(f"/article/{edition.articles['open']}").text
    bad = post_form(client, "/account", "/account/time-zone", {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 400 and "unknown time zone" in bad.text


def test_the_morning_edition_page_previews_and_one_click_unsubscribes(
    client: TestClient, services: Services, edition: Edition
) -> None:
    make_reader(services, "early@example.org")
    sign_in(client, "early@example.org")
    page = client.get("/account/digest").text
    assert (
        "Top stories" in page and '<a href="http://testserver/live/' in page and "Storm over the bay" in page
    )
    assert (
        post_form(client, "/account/digest", "/account/digest", {"time": "25:00", "enabled": "1"}).status_code
        == 400
    )
    on = post_form(client, "/account/digest", "/account/digest", {"time": "06:45", "enabled": "1"})
    assert on.headers["location"] == "/account/digest?msg=digest-on"
    reader = services.accounts.get_reader_by_email("early@example.org")
    subscription = services.digests.choice(reader).subscription
    assert subscription is not None and subscription.enabled and subscription.minute == 6 * 60 + 45
    link = f"/digest/unsubscribe/{subscription.token}"
    anonymous = TestClient(client.app, follow_redirects=False)
    confirm = anonymous.get(link)
    assert confirm.status_code == 200 and "Unsubscribe" in confirm.text
    assert services.digests.choice(reader).enabled  # looking at the link changes nothing
    one_click = anonymous.post(link, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 204 and not services.digests.choice(reader).enabled
    assert anonymous.get("/digest/unsubscribe/not-a-token").status_code == 404


def test_the_article_page_reports_reading_time_for_a_paid_read(
    client: TestClient, services: Services, edition: Edition, web_store: SqlStore, clock: Clock
) -> None:
    make_reader(services, "reader@example.org")
    sign_in(client, "reader@example.org")
    path = f"/article/{edition.articles['paid']}"
    page = client.get(path).text
    assert f'data-reading-time="{path}/reading-time"' in page
    # An open article is not paid for, but its reading time still teaches For you.
    assert "data-reading-time" in client.get(f"/article/{edition.articles['open']}").text
    clock.advance(minutes=3)
    token = csrf_from(page)
    assert (
        client.post(f"{path}/reading-time", data={"csrf_token": token, "seconds": "100"}).status_code == 204
    )
    assert (
        client.post(f"{path}/reading-time", data={"csrf_token": token, "seconds": "900"}).status_code == 204
    )
    assert client.post(f"{path}/reading-time", data={"csrf_token": token, "seconds": "x"}).status_code == 400
    with web_store.engine.connect() as conn:
        seconds = conn.execute(sa.text("SELECT seconds FROM reading_records")).scalar_one()
    assert seconds == 3 * 60 + 5  # no more than the three minutes since the read began (and a little slack)
    with web_store.engine.connect() as conn:
        history = conn.execute(
            sa.text("SELECT seconds FROM reading_history WHERE article_id = :a"),
            {"a": edition.articles["paid"]},
        ).scalar_one()
    assert history == seconds  # the reader's history keeps it too, for For you


def test_operators_see_the_payout_statement_with_a_chart_and_as_csv(
    client: TestClient, services: Services, edition: Edition, clock: Clock
) -> None:
    make_reader(services, "ops@example.org", role=Role.ADMIN)
    member = make_reader(services, "member@example.org")
    services.membership.grant(member.id, plan="monthly")
    reader = services.accounts.get_reader(member.id)
    services.reading.read_article(reader, services.reading.get_article(edition.articles["paid"]))
    clock.advance(minutes=5)
    services.reading.add_reading_time(reader, edition.articles["paid"], 240)
    sign_in(client, "ops@example.org")
    page = client.get("/admin/payouts?month=2026-11").text
    assert "Payouts by reading" in page and "<svg" in page and "Northern Ledger" in page
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/payouts.csv?month=2026-11").text)))
    publishers = [r for r in rows if r["publisher_id"]]
    revenue = next(r for r in rows if r["publisher"] == "revenue")
    assert [r["publisher_id"] for r in publishers] == ["northern-ledger"] and publishers[0][
        "reading_seconds"
    ] == "240"
    assert sum(float(r["amount"]) for r in publishers) == pytest.approx(float(revenue["amount"]))
    one = client.get("/admin/payouts.csv?month=2026-11&publisher=northern-ledger")
    assert "northern-ledger" in one.text and "revenue" not in one.text
    assert 'filename="newsstand-payouts-2026-11-northern-ledger.csv"' in one.headers["content-disposition"]
    assert client.get("/admin/report?month=2026-11").status_code == 200  # the reads report stays
