"""Rounds that store through the batch writer, parse workers kept across rounds, and
pooled connections checked by polling their sockets: a real server and a real store."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from newsstand.app.loop import ServiceLoop
from newsstand.config import Settings
from newsstand.ingest.pipeline import FeedOutcome, Ingestor
from newsstand.model import Feed, Publisher, SearchQuery, utcnow
from newsstand.net.fetch import Fetcher, FetchResult
from newsstand.net.netguard import _readable
from newsstand.store import SqlStore
from newsstand.store.base import Fetched

from .conftest import FeedServer, Route
from .feeds import rss, rss_item

FEEDS = 5
ITEMS = 3


def _publisher(store: SqlStore) -> None:
    store.add_publisher(Publisher("example", "Example News", "https://news.example.org", "GB", "en"))


def _serve_feeds(store: SqlStore, feed_server: FeedServer) -> list[Feed]:
    feeds = []
    for k in range(FEEDS):
        items = [
            rss_item(
                n, base=f"https://news.example.org/f{k}", title=f"Zeppelin sighting {k}-{n}", guid=f"f{k}-{n}"
            )
            for n in range(ITEMS)
        ]
        feed_server.routes[f"/f{k}.xml"] = Route(rss(items), etag=f'"f{k}"')
        feeds.append(store.add_feed(Feed(url=feed_server.url(f"/f{k}.xml"), publisher_id="example")))
    return feeds


def _all_urls() -> set[str]:
    return {f"https://news.example.org/f{k}/story/{n}" for k in range(FEEDS) for n in range(ITEMS)}


def test_round_stores_everything_and_it_is_searchable_when_run_once_returns(
    store: SqlStore, local_settings: Settings, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
):
    _publisher(store)
    feeds = _serve_feeds(store, feed_server)
    ingestor = Ingestor(store, local_settings)
    stored: list[tuple[int, bool]] = []
    real = store.record_fetches

    def watching(fetches: Sequence[Fetched], *, defer_search: bool = False) -> Any:
        stored.append((len(fetches), defer_search))
        return real(fetches, defer_search=defer_search)

    monkeypatch.setattr(store, "record_fetches", watching)

    first = asyncio.run(ingestor.run_once(feeds))

    assert first.count("ok") == FEEDS and first.new_entries == FEEDS * ITEMS
    # Stored with indexing left for later, so what follows relies on the round's own indexing.
    assert sum(n for n, _ in stored) == FEEDS and all(deferred for _, deferred in stored)
    assert store.count_articles() == FEEDS * ITEMS
    # No index_search of our own: the round has already made them searchable.
    page = store.search(SearchQuery("zeppelin", limit=50))
    assert {h.article.url for h in page.hits} == _all_urls()
    hit = store.search(SearchQuery('"sighting 3-1"')).hits
    assert [h.article.url for h in hit] == ["https://news.example.org/f3/story/1"]

    second = asyncio.run(ingestor.run_once(feeds))

    assert second.count("not_modified") == FEEDS and second.new_entries == second.updated_entries == 0
    assert store.count_articles() == FEEDS * ITEMS
    assert len(store.search(SearchQuery("zeppelin", limit=50)).hits) == FEEDS * ITEMS
    for feed in feeds:
        assert [r.status for r in store.feed_health(feed.id or 0)] == [304, 200]
        assert feed_server.request_headers[feed.url.removeprefix(feed_server.base)][1]["If-None-Match"]


def _changing_feed(hits: list[int]) -> Callable[[BaseHTTPRequestHandler], None]:
    """A feed with one more entry on every request, so every round has something to parse."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        hits.append(1)
        body = rss([rss_item(n) for n in range(len(hits))])
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return handle


def _stepping_clock() -> Callable[[], datetime]:
    """A day later at every look: every feed is due again at the next round."""
    start = utcnow()
    calls = iter(range(1_000_000))
    return lambda: start + timedelta(days=next(calls))


def _refuses_work(pool: ProcessPoolExecutor) -> bool:
    try:
        pool.submit(int, "1").cancel()
    except RuntimeError:
        return True
    return False


def test_the_service_loop_keeps_one_parse_pool_across_rounds_and_closes_it(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    store = sqlite_store
    _publisher(store)
    hits: list[int] = []
    feed_server.routes["/changing.xml"] = _changing_feed(hits)
    store.add_feed(Feed(url=feed_server.url("/changing.xml"), publisher_id="example"))
    settings = local_settings.replace(parse_processes=1)
    pools: list[ProcessPoolExecutor | None] = []
    statuses: list[str] = []
    stop = asyncio.Event()
    ingestor: Ingestor

    def seen(outcome: FeedOutcome) -> None:
        statuses.append(outcome.status)
        pools.append(ingestor._pool)
        if len(statuses) == 3:
            stop.set()

    loop = ServiceLoop(store, settings, clock=_stepping_clock(), on_outcome=seen)
    ingestor = loop.ingestor

    async def go() -> None:
        await asyncio.wait_for(loop.run_forever(stop), 60)

    asyncio.run(go())

    assert statuses == ["ok", "ok", "ok"]
    assert store.count_articles() == 3  # one new entry per round: each round parsed
    pool = pools[0]
    assert pool is not None and all(p is pool for p in pools)
    assert ingestor._pool is None and _refuses_work(pool)


def test_run_once_closes_its_parse_pool(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    store = sqlite_store
    _publisher(store)
    feed_server.routes["/f.xml"] = Route(rss([rss_item(1), rss_item(2)]))
    feed = store.add_feed(Feed(url=feed_server.url("/f.xml"), publisher_id="example"))
    pools: list[ProcessPoolExecutor | None] = []
    ingestor: Ingestor
    ingestor = Ingestor(
        store, local_settings.replace(parse_processes=1), on_outcome=lambda o: pools.append(ingestor._pool)
    )

    summary = asyncio.run(ingestor.run_once([feed]))

    assert summary.new_entries == 2
    pool = pools[0]
    assert pool is not None and ingestor._pool is None and _refuses_work(pool)


@pytest.fixture
def socket_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, peer = socket.socketpair()
    try:
        yield ours, peer
    finally:
        ours.close()
        peer.close()


def test_readable_tells_an_idle_socket_from_a_closed_one(socket_pair: tuple[socket.socket, socket.socket]):
    ours, peer = socket_pair
    assert not _readable(ours)
    assert not _readable(ours)  # asking consumes nothing
    peer.sendall(b"x")
    assert _readable(ours)
    assert ours.recv(1) == b"x" and not _readable(ours)
    peer.close()
    assert _readable(ours)
    assert ours.recv(1) == b""  # what the pool would read: end of stream


def test_readable_is_true_for_a_closed_socket_of_our_own(socket_pair: tuple[socket.socket, socket.socket]):
    ours, _ = socket_pair
    ours.close()
    assert _readable(ours)


def test_readable_sees_a_tcp_peer_hang_up(feed_server: FeedServer):
    with socket.create_connection(("127.0.0.1", feed_server.port), timeout=2) as conn:
        conn.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while b"not here" not in answer:
            answer += conn.recv(65536)
        # The server hangs up after answering; only the end of stream is left to read.
        deadline = time.monotonic() + 2
        while not _readable(conn) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _readable(conn) and conn.recv(1) == b""


def _answer(ports: list[int], close: bool) -> Callable[[BaseHTTPRequestHandler], None]:
    """Records the client's port (one per connection); ``close`` hangs up after each
    answer without saying so, as a server timing out idle connections does."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        ports.append(handler.client_address[1])
        body = rss([rss_item(len(ports))])
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = close

    return handle


def _fetch_twice(settings: Settings, url: str) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(settings) as fetcher:
            first = await fetcher.fetch(url)
            await asyncio.sleep(0.2)  # room for the server's hang-up to arrive
            return [first, await fetcher.fetch(url)]

    return asyncio.run(go())


def test_kept_alive_connection_is_reused(feed_server: FeedServer, local_settings: Settings):
    ports: list[int] = []
    feed_server.routes["/ka"] = _answer(ports, close=False)
    results = _fetch_twice(local_settings, feed_server.url("/ka"))
    assert [r.status for r in results] == [200, 200]
    assert b"Story number 1" in results[0].body and b"Story number 2" in results[1].body
    assert len(ports) == 2 and ports[0] == ports[1]


def test_connection_closed_by_the_server_while_idle_is_replaced(
    feed_server: FeedServer, local_settings: Settings
):
    """Sending on the dead connection would fail (the fetcher does not retry): the pool
    must see that it was closed before handing it out again."""
    ports: list[int] = []
    feed_server.routes["/closing"] = _answer(ports, close=True)
    results = _fetch_twice(local_settings, feed_server.url("/closing"))
    assert [r.status for r in results] == [200, 200]
    assert b"Story number 2" in results[1].body
    assert len(ports) == 2 and ports[0] != ports[1]
