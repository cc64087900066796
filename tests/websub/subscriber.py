"""A subscriber callback on 127.0.0.1 built from the pure WebSub steps only.

It stands where the web layer's callback route will: ``/websub/<callback_id>`` answers
the hub's verification with ``answer_intent`` and judges pushes with ``judge_push``,
keeping records in a dict instead of the store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx

from newsstand.ingest.websub import (
    HEADER,
    PushVerdict,
    answer_intent,
    judge_push,
    resubscribing,
    subscribe_form,
    unsubscribing,
)
from newsstand.model import PushSubscription


@dataclass
class Subscriber:
    base: str = ""
    records: dict[str, PushSubscription] = field(default_factory=dict)
    accepted: list[bytes] = field(default_factory=list)
    ignored: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def callback(self, sub: PushSubscription) -> str:
        return f"{self.base}websub/{sub.callback_id}"

    def request(self, sub: PushSubscription, mode: str = "subscribe", lease_seconds: int = 600) -> int:
        """Send the (un)subscribe request to the hub; the hub's status."""
        with self.lock:
            step = resubscribing if mode == "subscribe" else unsubscribing
            self.records[sub.callback_id] = step(sub, datetime.now(UTC))
        form = subscribe_form(sub, self.callback(sub), mode, lease_seconds)
        return httpx.post(sub.hub_url, data=form, timeout=5).status_code

    def record(self, sub: PushSubscription) -> PushSubscription:
        with self.lock:
            return self.records[sub.callback_id]


def _handler(subscriber: Subscriber) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _record(self) -> PushSubscription | None:
            callback_id = urlsplit(self.path).path.rsplit("/", 1)[-1]
            return subscriber.records.get(callback_id)

        def _answer(self, status: int, body: str = "") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            with subscriber.lock:
                sub = self._record()
                if sub is None:
                    return self._answer(404)
                answer = answer_intent(sub, params, datetime.now(UTC))
                subscriber.records[sub.callback_id] = answer.sub
            return self._answer(answer.status, answer.body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with subscriber.lock:
                verdict = judge_push(self._record(), self.headers.get(HEADER), body)
                if verdict is PushVerdict.ACCEPT:
                    subscriber.accepted.append(body)
                elif verdict is PushVerdict.IGNORE:
                    subscriber.ignored += 1
            self._answer(verdict.status)

    return Handler


@contextmanager
def running_subscriber() -> Iterator[Subscriber]:
    subscriber = Subscriber()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(subscriber))
    subscriber.base = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield subscriber
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
