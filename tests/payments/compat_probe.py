"""Which calls of the installed ``stripe`` library localstripe answers (a probe, not a test).

Run with the Python of an environment holding the stripe version to try:

    python tests/payments/compat_probe.py [--server-python PYTHON]

It starts localstripe on 127.0.0.1 (through ``localstripe_server.py``, run by
``--server-python``, default this Python), makes each call Newsstand's Stripe provider
relies on, receives the webhooks localstripe sends and checks their signatures with the
library's own verifier, then prints one line per call: ok or the error. docs/decisions.md
("Stripe library and localstripe") records what it printed for each version tried.
"""

from __future__ import annotations

import argparse
import http.server
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import stripe

SECRET = "whsec_probe"
HERE = Path(__file__).resolve().parent


class _Hooks(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[bytes, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers.get("Stripe-Signature", "")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _step(name: str, call: Callable[[], Any], results: list[tuple[str, str]]) -> Any:
    started = time.perf_counter()
    try:
        value = call()
    except Exception as exc:  # a probe reports every failure and goes on
        results.append((name, f"FAIL {type(exc).__name__}: {str(exc).splitlines()[0][:90]}"))
        return None
    results.append((name, f"ok ({(time.perf_counter() - started) * 1000:.0f} ms)"))
    return value


def _card(number: str) -> Any:
    card = {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    return stripe.PaymentMethod.create(type="card", card=card)


def _subscribe(customer: Any, plan: Any, **extra: Any) -> Any:
    return stripe.Subscription.create(customer=customer.id, items=[{"plan": plan.id}], **extra)


def _cancel(sub_id: str) -> Any:
    cancel = getattr(stripe.Subscription, "cancel", None) or stripe.Subscription.delete
    return cancel(sub_id)


def run(results: list[tuple[str, str]]) -> None:
    r = results
    product = _step("Product.create", lambda: stripe.Product.create(name="Membership"), r)
    pid = product.id if product else "prod_missing"
    _step(
        "Price.create",
        lambda: stripe.Price.create(
            product=pid, unit_amount=900, currency="eur", recurring={"interval": "month"}
        ),
        r,
    )
    plan = _step(
        "Plan.create",
        lambda: stripe.Plan.create(product=pid, amount=900, currency="eur", interval="month"),
        r,
    )
    customer = _step("Customer.create", lambda: stripe.Customer.create(email="probe@example.org"), r)
    if customer is None or plan is None:
        return
    card = _step("PaymentMethod.create", lambda: _card("4242424242424242"), r)
    _step("PaymentMethod.attach", lambda: stripe.PaymentMethod.attach(card.id, customer=customer.id), r)
    _step(
        "Customer.modify(default_payment_method)",
        lambda: stripe.Customer.modify(customer.id, invoice_settings={"default_payment_method": card.id}),
        r,
    )
    sub = _step("Subscription.create", lambda: _subscribe(customer, plan), r)
    _step(
        "Subscription.create(trial_period_days)", lambda: _subscribe(customer, plan, trial_period_days=14), r
    )
    if sub is not None:
        _step(
            "Subscription.modify(cancel_at_period_end)",
            lambda: stripe.Subscription.modify(sub.id, cancel_at_period_end=True),
            r,
        )
        _step("Subscription.retrieve", lambda: stripe.Subscription.retrieve(sub.id), r)
        _step("Subscription cancel (DELETE)", lambda: _cancel(sub.id), r)
    _step("Invoice.list", lambda: stripe.Invoice.list(customer=customer.id), r)
    bad = _step("PaymentMethod.create (declining card)", lambda: _card("4000000000000341"), r)
    if bad is not None:
        declined = stripe.Customer.create(email="declined@example.org")
        stripe.PaymentMethod.attach(bad.id, customer=declined.id)
        stripe.Customer.modify(declined.id, invoice_settings={"default_payment_method": bad.id})
        _step("Subscription.create (declined card)", lambda: _subscribe(declined, plan), r)
    _step(
        "checkout.Session.create",
        lambda: stripe.checkout.Session.create(
            mode="subscription",
            customer=customer.id,
            line_items=[{"price": "price_x", "quantity": 1}],
            success_url="https://news.example/ok",
            cancel_url="https://news.example/no",
        ),
        r,
    )
    _step(
        "billing_portal.Session.create",
        lambda: stripe.billing_portal.Session.create(customer=customer.id, return_url="https://n.example/"),
        r,
    )
    _step("Event.list", lambda: stripe.Event.list(limit=5), r)


def _hooks_report(results: list[tuple[str, str]]) -> None:
    time.sleep(2.5)  # localstripe waits a second before it sends each webhook
    verified: dict[str, int] = {}
    for body, header in _Hooks.received:
        try:
            event = stripe.Webhook.construct_event(body.decode(), header, SECRET, tolerance=600)
        except Exception as exc:  # reported, not raised
            results.append(("webhook verify", f"FAIL {type(exc).__name__}: {exc}"[:100]))
            continue
        verified[event["type"]] = verified.get(event["type"], 0) + 1
    results.append(("webhooks received and verified", json.dumps(verified, sort_keys=True)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-python", default=sys.executable)
    args = parser.parse_args()
    server = subprocess.Popen(
        [args.server_python, str(HERE / "localstripe_server.py")], stdout=subprocess.PIPE, text=True
    )
    hooks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        hook_url = f"http://127.0.0.1:{hooks.server_address[1]}/hook"
        for _ in range(50):
            try:
                request = urllib.request.Request(
                    f"{base}/_config/webhooks/probe",
                    data=f"url={hook_url}&secret={SECRET}".encode(),
                    method="POST",
                )
                urllib.request.urlopen(request, timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        stripe.api_key = "sk_test_probe"
        stripe.api_base = base
        stripe.max_network_retries = 0
        results: list[tuple[str, str]] = []
        run(results)
        _hooks_report(results)
        print(f"stripe {version('stripe')}, api_version {getattr(stripe, 'api_version', None)}")
        for name, outcome in results:
            print(f"  {name:45} {outcome}")
    finally:
        hooks.shutdown()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
