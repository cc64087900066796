"""WebSub wired end to end, over real sockets on 127.0.0.1: a publisher's feed announces the test
hub; the service loop polls it, subscribes at the hub, and the hub verifies intent at the web
app's /websub/ callback; a push signed with our secret is stored at once, without a poll, while
a forged one is dropped; leases are renewed before they end; a hub that refuses leaves the feed
on its usual polling schedule, and a live lease stretches it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from newsstand.app import Services
from newsstand.app.loop import ServiceLoop
from newsstand.errors import NotFoundError
from newsstand.model import Feed, Publisher, PushState, PushSubscription, utcnow
from newsstand.store import SqlStore
from newsstand.web import create_app
from support import listening_socket, make_services, served
from web.conftest import Clock, make_settings

from .hub import TestHub, running_hub


def atom(feed_url: str, hub_url: str, entries: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<entry><id>{url}</id><title>{title}</title><link href='{url}'/>"
        f"<updated>{utcnow().isoformat()}</updated><summary>{title}.</summary></entry>"
        for title, url in entries
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Quay Wire</title><id>{feed_url}</id><updated>{utcnow().isoformat()}</updated>"
        f"<link rel='self' href='{feed_url}'/><link rel='hub' href='{hub_url}'/>{items}</feed>"
    ).encode()


@contextmanager
def publisher_site(body: list[bytes]) -> Iterator[str]:
    """A feed on 127.0.0.1 serving whatever ``body[0]`` holds."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(body[0])))
            self.end_headers()
            self.wfile.write(body[0])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class World:
    services: Services
    store: SqlStore
    loop: ServiceLoop
    hub: TestHub
    feed: Feed
    feed_url: str
    clock: Clock

    def poll(self) -> None:
        asyncio.run(self.loop.run_pass(pages=False))

    def record(self) -> PushSubscription:
        (sub,) = self.store.push_subscriptions(self.feed.id)
        return sub

    def wait_for_state(self, state: PushState, seconds: float = 10) -> PushSubscription:
        import time

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            subs = self.store.push_subscriptions(self.feed.id)
            if subs and subs[0].state is state:
                return subs[0]
            time.sleep(0.05)
        raise AssertionError(f"never {state}: {self.store.push_subscriptions(self.feed.id)}")


@contextmanager
def world(sqlite_store: SqlStore, tmp_path: Path, **hub_options: object) -> Iterator[World]:
    with running_hub(**hub_options) as hub:  # type: ignore[arg-type]
        body = [b""]
        with publisher_site(body) as feed_url:
            body[0] = atom(feed_url, hub.url, [("Cranes return", "https://quay.example/cranes")])
            sock = listening_socket()
            base = f"http://127.0.0.1:{sock.getsockname()[1]}"
            settings = make_settings(
                tmp_path / "data",
                NEWSSTAND_BASE_URL=base,
                NEWSSTAND_ALLOW_PRIVATE_ADDRESSES="127.0.0.1/32",
                NEWSSTAND_FETCH_FULL_TEXT="false",
            )
            clock = Clock(utcnow())
            services = make_services(sqlite_store, settings, clock)
            sqlite_store.add_publisher(
                Publisher("quay-wire", "Quay Wire", "https://quay.example", "GB", "en")
            )
            feed = sqlite_store.add_feed(Feed(feed_url, "quay-wire", "News"))
            loop = ServiceLoop(sqlite_store, settings, clock=clock, websub=services.websub)
            with served(create_app(settings, services=services), sock):
                yield World(services, sqlite_store, loop, hub, feed, feed_url, clock)


def test_a_pushed_entry_is_stored_without_a_poll(sqlite_store: SqlStore, tmp_path: Path) -> None:
    with world(sqlite_store, tmp_path) as w:
        w.poll()  # the first poll finds the hub and subscribes
        active = w.wait_for_state(PushState.ACTIVE)
        assert active.topic_url == w.feed_url and active.hub_url == w.hub.url
        assert active.lease_seconds == 3600
        polls = len(sqlite_store.feed_health(w.feed.id or 0))
        pushed = atom(w.feed_url, w.hub.url, [("Ferry ordered", "https://quay.example/ferry")])
        assert w.hub.publish(w.feed_url, pushed) == [202]
        # stored by the time the hub has its answer: no poll, no waiting
        article = sqlite_store.get_article_by_url("https://quay.example/ferry")
        assert article.title == "Ferry ordered" and article.publisher_id == "quay-wire"
        assert len(sqlite_store.feed_health(w.feed.id or 0)) == polls
        assert w.record().last_push is not None

        # a push not signed with our secret is answered alike and dropped
        forged = atom(w.feed_url, w.hub.url, [("Forged", "https://quay.example/forged")])
        callback = w.services.websub.callback_url(active)
        answer = httpx.post(callback, content=forged, headers={"X-Hub-Signature": "sha256=00"})
        assert answer.status_code == 202
        with pytest.raises(NotFoundError):
            sqlite_store.get_article_by_url("https://quay.example/forged")
        assert httpx.post(callback + "x", content=forged).status_code == 410


def test_leases_are_renewed_and_a_live_lease_stretches_polling(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    with world(sqlite_store, tmp_path, lease_seconds=600) as w:
        w.poll()
        first = w.wait_for_state(PushState.ACTIVE)
        assert first.lease_seconds == 600
        asyncio.run(w.loop.poll([w.feed]))  # while the hub pushes: next poll in a day, a safety net
        state = sqlite_store.get_feed_state(w.feed.id or 0)
        assert state.next_poll is not None and state.next_poll >= w.clock.now + timedelta(hours=23)
        assert asyncio.run(w.loop.sync_push()) == 0  # nothing due yet
        w.clock.advance(seconds=600 - 60)  # within the renewal margin (a tenth, at least 5 min)
        assert asyncio.run(w.loop.sync_push()) == 1
        w.hub.wait_for(lambda events: sum(e.kind == "verified" for e in events) == 2)
        renewed = w.wait_for_state(PushState.ACTIVE)
        assert (
            renewed.verified is not None and first.verified is not None and renewed.verified > first.verified
        )


def test_a_refusing_hub_leaves_the_feed_polled(sqlite_store: SqlStore, tmp_path: Path) -> None:
    with world(sqlite_store, tmp_path) as w:
        w.hub.deny = frozenset({w.feed_url})
        w.poll()
        denied = w.wait_for_state(PushState.DENIED)
        assert denied.last_error.startswith("denied")
        assert not w.services.websub.pushed(w.feed.id or 0)
        state = sqlite_store.get_feed_state(w.feed.id or 0)
        assert state.next_poll is not None and state.next_poll < w.clock.now + timedelta(hours=2)
        # retried after its backoff, not before
        assert asyncio.run(w.loop.sync_push()) == 0
        w.clock.advance(minutes=6)
        assert asyncio.run(w.loop.sync_push()) == 1
