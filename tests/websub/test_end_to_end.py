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


def atom(feed_url: str, hub_url: str | None, entries: list[tuple[str, str]]) -> bytes:
    """An Atom feed of ``entries`` (title, URL) announcing ``hub_url`` in its body (none
    when None: a feed that names its hubs only in Link headers)."""
    hub = f"<link rel='hub' href='{hub_url}'/>" if hub_url else ""
    items = "".join(
        f"<entry><id>{url}</id><title>{title}</title><link href='{url}'/>"
        f"<updated>{utcnow().isoformat()}</updated><summary>{title}.</summary></entry>"
        for title, url in entries
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Quay Wire</title><id>{feed_url}</id><updated>{utcnow().isoformat()}</updated>"
        f"<link rel='self' href='{feed_url}'/>{hub}{items}</feed>"
    ).encode()


@contextmanager
def publisher_site(body: list[bytes], links: list[str] | None = None) -> Iterator[str]:
    """A feed on 127.0.0.1 serving whatever ``body[0]`` holds, with a ``Link`` header for
    each of ``links`` (filled in once the feed's URL is known)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            for link in links or ():
                self.send_header("Link", link)
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


def dead_hub_url() -> str:
    """A hub address where nothing listens: every request to it fails to connect."""
    sock = listening_socket()
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/hub"


@contextmanager
def link_world(
    sqlite_store: SqlStore, tmp_path: Path, hubs: list[str]
) -> Iterator[tuple[Services, Feed, str]]:
    """A feed naming ``hubs`` (and itself) only in ``Link`` headers, the web app that answers
    hubs, and its Services; the feed is polled by another process's pieces in the tests."""
    links: list[str] = []
    body = [b""]
    with publisher_site(body, links) as feed_url:
        body[0] = atom(feed_url, None, [("Cranes return", "https://quay.example/cranes")])
        # two header lines, as a server may send them: the first names a hub and the topic
        links += [f'<{hubs[0]}>; rel="hub", <{feed_url}>; rel="self"']
        links += [f'<{hub}>; rel="hub"' for hub in hubs[1:]]
        sock = listening_socket()
        settings = make_settings(
            tmp_path / "data",
            NEWSSTAND_BASE_URL=f"http://127.0.0.1:{sock.getsockname()[1]}",
            NEWSSTAND_ALLOW_PRIVATE_ADDRESSES="127.0.0.1/32",
            NEWSSTAND_FETCH_FULL_TEXT="false",
        )
        web_services = make_services(sqlite_store, settings, Clock(utcnow()))
        sqlite_store.add_publisher(Publisher("quay-wire", "Quay Wire", "https://quay.example", "GB", "en"))
        feed = sqlite_store.add_feed(Feed(feed_url, "quay-wire", "News"))
        with served(create_app(settings, services=web_services), sock):
            yield web_services, feed, feed_url


def test_every_hub_in_link_headers_is_subscribed_by_a_queue_worker_and_pushes(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    from newsstand.app.distributed import FeedWorker

    with (
        running_hub() as first,
        running_hub() as second,
        link_world(sqlite_store, tmp_path, [first.url, second.url]) as (web, feed, feed_url),
    ):
        # a queue worker (not the web process) polls the feed and sends the requests
        worker_services = make_services(sqlite_store, web.settings, Clock(utcnow()))
        worker = FeedWorker(sqlite_store, web.settings, websub=worker_services.websub)

        async def poll_and_subscribe() -> int:
            try:
                assert await worker.ingest(feed.id or 0) is not None
                return await worker.sync_push()
            finally:
                await worker.close()

        assert asyncio.run(poll_and_subscribe()) == 2
        for hub in (first, second):
            hub.wait_for(lambda events: any(e.kind == "verified" for e in events))
        subs = sqlite_store.push_subscriptions(feed.id)
        assert {(s.hub_url, s.topic_url, s.state) for s in subs} == {
            (first.url, feed_url, PushState.ACTIVE),
            (second.url, feed_url, PushState.ACTIVE),
        }
        status = worker_services.websub.status()
        assert status.live == 2 and status.feeds == 1 and "on" in status.line()

        # either hub's push is stored at once, without a poll
        polls = len(sqlite_store.feed_health(feed.id or 0))
        for n, hub in enumerate((second, first)):
            entry = f"https://quay.example/pushed-{n}"
            assert hub.publish(feed_url, atom(feed_url, None, [(f"Pushed {n}", entry)])) == [202]
            assert sqlite_store.get_article_by_url(entry).title == f"Pushed {n}"
        assert len(sqlite_store.feed_health(feed.id or 0)) == polls


def test_a_failing_hub_falls_back_to_polling(sqlite_store: SqlStore, tmp_path: Path) -> None:
    dead = dead_hub_url()
    with (
        running_hub() as good,
        link_world(sqlite_store, tmp_path, [dead, good.url]) as (web, feed, _),
    ):
        clock = Clock(utcnow())
        services = make_services(sqlite_store, web.settings, clock)
        loop = ServiceLoop(sqlite_store, web.settings, clock=clock, websub=services.websub)
        asyncio.run(loop.run_pass(pages=False))  # as `newsstand run` would
        good.wait_for(lambda events: any(e.kind == "verified" for e in events))
        by_hub = {s.hub_url: s for s in sqlite_store.push_subscriptions(feed.id)}
        assert by_hub[dead].state is not PushState.ACTIVE and by_hub[dead].failures == 1
        assert by_hub[dead].last_error
        assert services.websub.pushed(feed.id or 0)  # the other hub pushes
        assert services.websub.status().failing == 1

        # the good hub goes away (its lease lapses): the feed is polled as usual again
        clock.advance(seconds=3600 + 1)
        assert not services.websub.pushed(feed.id or 0)
        asyncio.run(loop.poll([feed]))
        state = sqlite_store.get_feed_state(feed.id or 0)
        assert state.next_poll is not None and state.next_poll < clock.now + timedelta(hours=2)
        # and the failed hub is asked again after its backoff, failing again
        assert asyncio.run(loop.sync_push()) >= 1
        dead_again = {s.hub_url: s for s in sqlite_store.push_subscriptions(feed.id)}[dead]
        assert dead_again.failures == 2


def test_without_base_url_hubs_are_not_asked_and_the_status_says_why(
    sqlite_store: SqlStore, tmp_path: Path
) -> None:
    with running_hub() as hub:
        body = [b""]
        with publisher_site(body) as feed_url:
            body[0] = atom(feed_url, hub.url, [("Cranes return", "https://quay.example/cranes")])
            settings = make_settings(
                tmp_path / "data",
                NEWSSTAND_ALLOW_PRIVATE_ADDRESSES="127.0.0.1/32",
                NEWSSTAND_FETCH_FULL_TEXT="false",
            )
            services = make_services(sqlite_store, settings)
            sqlite_store.add_publisher(
                Publisher("quay-wire", "Quay Wire", "https://quay.example", "GB", "en")
            )
            feed = sqlite_store.add_feed(Feed(feed_url, "quay-wire", "News"))
            loop = ServiceLoop(sqlite_store, settings, websub=services.websub)
            asyncio.run(loop.run_pass(pages=False))
            assert sqlite_store.push_subscriptions(feed.id) == [] and hub.events == []
            status = services.websub.status()
            assert not status.enabled and status.announced == 1
            assert "base_url" in status.line() and "1 polled feeds announce hubs" in status.line()
