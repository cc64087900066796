"""A stand-in for the parts of Stripe that localstripe lacks: Checkout and the customer portal.

localstripe (a fake Stripe from PyPI, run on 127.0.0.1 by the tests) answers customers,
payment methods, plans, subscriptions and invoices, and posts signed webhooks for them; it
answers 404 for Checkout Sessions and Billing Portal sessions. This server sits in front of
it (the provider's ``stripe_api_base`` points here) and:

- forwards every other API call to localstripe unchanged;
- answers ``POST /v1/checkout/sessions`` and ``POST /v1/billing_portal/sessions`` with a
  session whose ``url`` is a page of its own;
- serves those pages to the browser: the checkout page takes a card and does on localstripe
  what Stripe's Checkout does (a payment method attached to the customer as its default, a
  subscription to the session's price with the session's metadata), then sends the
  ``checkout.session.completed`` event Stripe would send; the portal page cancels the
  subscription at the period's end on localstripe and sends ``customer.subscription.updated``
  (localstripe sends neither event). Both events are built from localstripe's own objects and
  signed with the stripe library's signing helper, as Stripe signs them.

Everything else a real Stripe account would do (the subscription, its invoice, the payment,
``customer.subscription.created``, ``invoice.payment_succeeded``, ``customer.subscription.deleted``)
is localstripe's, with its own signed webhooks.
"""

from __future__ import annotations

import html
import http.server
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, ClassVar

import stripe

API_KEY = "sk_test_newsstand"


def _form(body: bytes) -> dict[str, str]:
    """A form-encoded body as flat keys ("line_items[0][price]")."""
    return dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))


def _nested(flat: dict[str, str], prefix: str) -> dict[str, str]:
    """``prefix[key]`` entries as {key: value} (one level: metadata)."""
    found = {}
    for key, value in flat.items():
        if key.startswith(prefix + "[") and key.endswith("]"):
            found[key[len(prefix) + 1 : -1]] = value
    return found


@dataclass
class StandIn:
    """Where the stand-in listens, where it forwards, where it posts the events it makes."""

    localstripe: str
    secret: str
    webhook_url: str = ""
    base: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    server: http.server.ThreadingHTTPServer | None = None

    # --- localstripe, through its API ---------------------------------------------------

    def api(self, method: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        data = urllib.parse.urlencode(params or {}).encode() if method != "GET" else None
        url = f"{self.localstripe}{path}" + (
            f"?{urllib.parse.urlencode(params)}" if method == "GET" and params else ""
        )
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {API_KEY}")
        with urllib.request.urlopen(request, timeout=10) as response:
            result: dict[str, Any] = json.loads(response.read())
        return result

    def send_event(self, kind: str, obj: dict[str, Any]) -> None:
        """Sign and post an event the way Stripe does (``Stripe-Signature`` over the body)."""
        event = {
            "id": f"evt_standin_{secrets.token_hex(8)}", "object": "event", "type": kind,
            "created": int(time.time()), "livemode": False, "data": {"object": obj},
        }  # fmt: skip
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(payload, self.secret)
        request = urllib.request.Request(self.webhook_url, data=payload.encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Stripe-Signature", header)
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        self.sent.append(event)

    # --- what Stripe's pages do --------------------------------------------------------------

    def pay(self, session_id: str, card: str) -> str:
        """Checkout's "Pay": the card becomes the customer's default, the subscription is made;
        returns where the browser goes next."""
        s = self.sessions[session_id]
        method = self.api("POST", "/v1/payment_methods", {
            "type": "card", "card[number]": card, "card[exp_month]": "12", "card[exp_year]": "2034",
            "card[cvc]": "123",
        })  # fmt: skip
        self.api("POST", f"/v1/payment_methods/{method['id']}/attach", {"customer": s["customer"]})
        self.api(
            "POST",
            f"/v1/customers/{s['customer']}",
            {"invoice_settings[default_payment_method]": method["id"]},
        )
        params = {"customer": s["customer"], "items[0][plan]": s["price"]}
        params.update({f"metadata[{k}]": v for k, v in s["subscription_metadata"].items()})
        subscription = self.api("POST", "/v1/subscriptions", params)
        completed = {
            "id": session_id, "object": "checkout.session", "mode": "subscription", "status": "complete",
            "payment_status": "paid", "customer": s["customer"], "subscription": subscription["id"],
            "client_reference_id": s["client_reference_id"], "metadata": s["metadata"],
        }  # fmt: skip
        self.send_event("checkout.session.completed", completed)
        return str(s["success_url"])

    def cancel(self, session_id: str) -> str:
        """The portal's "Cancel": at the period's end, as Stripe's portal does by default."""
        s = self.sessions[session_id]
        for subscription in self.api("GET", "/v1/subscriptions", {"customer": s["customer"]})["data"]:
            if subscription["status"] in ("active", "trialing") and not subscription["cancel_at_period_end"]:
                updated = self.api(
                    "POST", f"/v1/subscriptions/{subscription['id']}", {"cancel_at_period_end": "true"}
                )
                self.send_event("customer.subscription.updated", updated)
        return str(s["return_url"])

    def end_subscriptions(self, customer: str) -> None:
        """What Stripe does when a cancelled subscription's period is over: it ends (localstripe
        then sends customer.subscription.deleted itself)."""
        for subscription in self.api("GET", "/v1/subscriptions", {"customer": customer})["data"]:
            if subscription["status"] != "canceled":
                self.api("DELETE", f"/v1/subscriptions/{subscription['id']}")

    # --- the server ------------------------------------------------------------------------

    def start(self) -> StandIn:
        standin = self

        class Handler(_Handler):
            owner: ClassVar[StandIn] = standin

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    owner: ClassVar[StandIn]

    def log_message(self, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, status: int, body: bytes, kind: str = "application/json", location: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, obj: dict[str, Any]) -> None:
        self._send(200, json.dumps(obj).encode())

    def _page(self, title: str, inner: str) -> None:
        head = f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{title}</title>'
        page = f"{head}<main><h1>{title}</h1>{inner}</main></html>"
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def do_GET(self) -> None:
        owner, path = self.owner, self.path.split("?")[0]
        if path.startswith("/pay/") and path[5:] in owner.sessions:
            s = owner.sessions[path[5:]]
            self._page("Pay Newsstand", (
                f"<p>{html.escape(s['price'])}, billed to {html.escape(s['customer'])}.</p>"
                f'<form method="post"><label for="card">Card number</label> <input id="card" name="card">'
                '<button type="submit">Pay</button></form>'
            ))  # fmt: skip
        elif path.startswith("/portal/") and path[8:] in owner.sessions:
            back = html.escape(owner.sessions[path[8:]]["return_url"])
            self._page("Your subscription", (
                '<form method="post"><button type="submit">Cancel subscription</button></form>'
                f'<p><a href="{back}">Back to Newsstand</a></p>'
            ))  # fmt: skip
        else:
            self._forward("GET", b"")

    def do_DELETE(self) -> None:
        self._forward("DELETE", self._body())

    def do_POST(self) -> None:
        owner, path, body = self.owner, self.path.split("?")[0], self._body()
        if path == "/v1/checkout/sessions":
            self._json(self._checkout(_form(body)))
        elif path == "/v1/billing_portal/sessions":
            flat = _form(body)
            sid = f"bps_{secrets.token_hex(8)}"
            owner.sessions[sid] = {"customer": flat["customer"], "return_url": flat["return_url"]}
            self._json({"id": sid, "object": "billing_portal.session", "url": f"{owner.base}/portal/{sid}"})
        elif path.startswith("/pay/") and path[5:] in owner.sessions:
            card = _form(body).get("card", "").replace(" ", "")
            self._send(303, b"", location=owner.pay(path[5:], card))
        elif path.startswith("/portal/") and path[8:] in owner.sessions:
            self._send(303, b"", location=owner.cancel(path[8:]))
        else:
            self._forward("POST", body)

    def _checkout(self, flat: dict[str, str]) -> dict[str, Any]:
        owner = self.owner
        sid = f"cs_test_{secrets.token_hex(8)}"
        owner.sessions[sid] = {
            "customer": flat["customer"], "price": flat["line_items[0][price]"],
            "success_url": flat["success_url"], "cancel_url": flat["cancel_url"],
            "client_reference_id": flat.get("client_reference_id", ""),
            "metadata": _nested(flat, "metadata"),
            "subscription_metadata": _nested(flat, "subscription_data[metadata]"),
        }  # fmt: skip
        return {
            "id": sid,
            "object": "checkout.session",
            "mode": "subscription",
            "url": f"{owner.base}/pay/{sid}",
        }

    def _forward(self, method: str, body: bytes) -> None:
        request = urllib.request.Request(
            f"{self.owner.localstripe}{self.path}", data=body or None, method=method
        )
        for name in ("Authorization", "Content-Type", "Stripe-Version", "Idempotency-Key"):
            if self.headers.get(name):
                request.add_header(name, self.headers[name])
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                self._send(
                    response.status, response.read(), response.headers.get("Content-Type", "application/json")
                )
        except urllib.error.HTTPError as exc:
            self._send(exc.code, exc.read(), exc.headers.get("Content-Type", "application/json"))
