"""A WebSub hub on 127.0.0.1 for tests.

It does what the spec asks of a hub, over real sockets: takes (un)subscribe requests
(202), verifies intent with a GET carrying a challenge to the subscriber's callback,
keeps the verified subscriptions with their leases, and delivers published content
signed with each subscriber's secret, with ``Link`` headers naming itself and the
topic. ``deny`` makes it refuse topics; ``events`` records what happened, for
assertions.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from newsstand.ingest.websub import sign


@dataclass
class HubSubscription:
    topic: str
    callback: str
    secret: str
    lease_seconds: int
    expires: float


@dataclass(frozen=True)
class Event:
    kind: str  # "request", "verified", "verify-failed", "denied", "unsubscribed", "delivered"
    topic: str
    callback: str
    status: int = 0


class TestHub:
    """Start with ``running_hub()``; ``url`` is where subscribers send requests."""

    __test__ = False  # not a test class, whatever its name says

    def __init__(self, lease_seconds: int = 3600, method: str = "sha256", deny: frozenset[str] = frozenset()):
        self.lease_seconds = lease_seconds
        self.method = method
        self.deny = deny
        self.subscriptions: dict[tuple[str, str], HubSubscription] = {}
        self.events: list[Event] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"

    # --- the hub's endpoint ------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status = hub._accept(form)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler

    def _accept(self, form: dict[str, str]) -> int:
        mode, topic, callback = form.get("hub.mode"), form.get("hub.topic", ""), form.get("hub.callback", "")
        if mode not in ("subscribe", "unsubscribe") or not _is_web(topic) or not _is_web(callback):
            return 400
        self._record(Event("request", topic, callback))
        lease = min(int(form.get("hub.lease_seconds") or self.lease_seconds), self.lease_seconds)
        secret = form.get("hub.secret", "")
        # Verification happens after the 202, as the spec has it: the subscriber must
        # answer a request it made moments ago.
        threading.Thread(
            target=self._verify, args=(mode, topic, callback, secret, lease), daemon=True
        ).start()
        return 202

    def _verify(self, mode: str, topic: str, callback: str, secret: str, lease: int) -> None:
        if mode == "subscribe" and topic in self.deny:
            query = {"hub.mode": "denied", "hub.topic": topic, "hub.reason": "topic not allowed"}
            try:
                response = httpx.get(_with_query(callback, query), timeout=5)
            except httpx.HTTPError:  # the subscriber is gone (a test that has ended)
                self._record(Event("verify-failed", topic, callback))
                return
            self._record(Event("denied", topic, callback, response.status_code))
            return
        challenge = secrets.token_urlsafe(16)
        query = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        if mode == "subscribe":
            query["hub.lease_seconds"] = str(lease)
        try:
            response = httpx.get(_with_query(callback, query), timeout=5)
        except httpx.HTTPError:
            self._record(Event("verify-failed", topic, callback))
            return
        if not response.is_success or response.text != challenge:
            self._record(Event("verify-failed", topic, callback, response.status_code))
            return
        with self._changed:
            if mode == "subscribe":
                sub = HubSubscription(topic, callback, secret, lease, time.time() + lease)
                self.subscriptions[(topic, callback)] = sub
            else:
                self.subscriptions.pop((topic, callback), None)
        self._record(Event("verified" if mode == "subscribe" else "unsubscribed", topic, callback))

    # --- publishing ---------------------------------------------------------------------

    def publish(self, topic: str, body: bytes, content_type: str = "application/atom+xml") -> list[int]:
        """Deliver ``body`` to every live subscriber of ``topic``; their answers' statuses.

        A subscriber answering 410 is dropped, as the spec allows.
        """
        statuses = []
        for sub in [s for s in self.subscriptions.values() if s.topic == topic and s.expires > time.time()]:
            headers = {
                "Content-Type": content_type,
                "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"',
            }
            if sub.secret:
                headers["X-Hub-Signature"] = sign(body, sub.secret, self.method)
            response = httpx.post(sub.callback, content=body, headers=headers, timeout=5)
            statuses.append(response.status_code)
            self._record(Event("delivered", topic, sub.callback, response.status_code))
            if response.status_code == 410:
                with self._changed:
                    self.subscriptions.pop((topic, sub.callback), None)
        return statuses

    # --- waiting and bookkeeping ----------------------------------------------------------

    def _record(self, event: Event) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list[Event]], bool], timeout: float = 5.0) -> list[Event]:
        """Block until ``predicate(events)`` holds; AssertionError after ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.events), timeout):
                raise AssertionError(f"hub never got there; events: {self.events}")
            return list(self.events)

    def serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_hub(**options: object) -> Iterator[TestHub]:
    hub = TestHub(**options)  # type: ignore[arg-type]
    thread = threading.Thread(target=hub.serve, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        hub.close()
        thread.join(timeout=5)


def _is_web(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _with_query(url: str, query: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
