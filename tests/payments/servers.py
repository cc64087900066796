"""localstripe (a fake Stripe server from PyPI) on 127.0.0.1, a receiver for its webhooks, and
the stand-in for the Checkout and portal pages localstripe lacks (``standin.py``).

Test modules elsewhere import these fixtures from here (the browser test does)."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
import stripe

from .standin import StandIn

HERE = Path(__file__).resolve().parent
WEBHOOK_SECRET = "whsec_newsstand_tests"
API_KEY = "sk_test_newsstand"


@dataclass
class LocalStripe:
    base: str

    def client(self) -> stripe.StripeClient:
        """A library client for setting up what a test needs (plans, cards, subscriptions)."""
        return stripe.StripeClient(
            API_KEY,
            base_addresses={"api": self.base},
            http_client=stripe.HTTPXClient(allow_sync_methods=True),
        )

    def send_webhooks_to(self, url: str) -> None:
        """localstripe signs and posts every event to ``url`` (after a one-second delay)."""
        data = f"url={url}&secret={WEBHOOK_SECRET}".encode()
        request = urllib.request.Request(f"{self.base}/_config/webhooks/tests", data=data, method="POST")
        urllib.request.urlopen(request, timeout=5).close()


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    process = subprocess.Popen(
        [sys.executable, str(HERE / "localstripe_server.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        server = LocalStripe(f"http://127.0.0.1:{port}")
        _wait_for(server.base)
        yield server
    finally:
        process.terminate()
        process.wait(10)


def _wait_for(base: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass
class Received:
    """Webhook deliveries as they arrived: (raw body, Stripe-Signature header)."""

    posts: list[tuple[bytes, str]] = field(default_factory=list)
    url: str = ""

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[bytes, str]]:
        deadline = time.monotonic() + timeout
        while len(self.posts) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.posts)


@pytest.fixture
def webhook_receiver() -> Iterator[Received]:
    received = Received()

    class Handler(http.server.BaseHTTPRequestHandler):
        sink: ClassVar[Received] = received

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.sink.posts.append((body, self.headers.get("Stripe-Signature", "")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/stripe"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received
    server.shutdown()
    server.server_close()


@pytest.fixture
def standin(localstripe: LocalStripe) -> Iterator[StandIn]:
    """The Checkout and portal stand-in in front of localstripe; set ``webhook_url`` to receive
    the events it makes, and ``localstripe.send_webhooks_to`` for localstripe's own."""
    server = StandIn(localstripe.base, WEBHOOK_SECRET).start()
    yield server
    server.stop()
