"""The fetcher against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import time
from http.server import BaseHTTPRequestHandler

import pytest

from newsstand.config import Settings, load_settings
from newsstand.errors import (
    BlockedAddressError,
    FetchTimeoutError,
    GoneError,
    HTTPStatusError,
    NetworkError,
    TooLargeError,
    TooManyRedirectsError,
    UnsupportedURLError,
)
from newsstand.net.fetch import Fetcher, FetchResult, cache_lifetime, parse_retry_after
from newsstand.net.netguard import is_address_allowed, parse_networks

from .conftest import FeedServer, Route

RSS = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def fetch(settings: Settings, url: str, **kw: str) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as f:
            return await f.fetch(url, **kw)

    return asyncio.run(go())


def test_plain_get_sends_user_agent_and_returns_body(feed_server: FeedServer, local_settings: Settings):
    feed_server.routes["/f"] = Route(RSS, headers={"Cache-Control": "public, max-age=900"})
    result = fetch(local_settings, feed_server.url("/f"))
    assert result.status == 200 and result.body == RSS and result.bytes == len(RSS)
    assert result.max_age == 900 and not result.not_modified and result.permanent_redirect_to is None
    assert result.latency_ms > 0
    sent = feed_server.request_headers["/f"][0]
    assert sent["User-Agent"] == local_settings.user_agent


def test_conditional_get_with_etag_and_last_modified(feed_server: FeedServer, local_settings: Settings):
    feed_server.routes["/e"] = Route(RSS, etag='"v1"')
    feed_server.routes["/m"] = Route(RSS, last_modified="Tue, 03 Jun 2025 10:00:00 GMT")
    first = fetch(local_settings, feed_server.url("/e"))
    assert first.etag == '"v1"'
    again = fetch(local_settings, feed_server.url("/e"), etag=first.etag)
    assert again.status == 304 and again.not_modified and again.body == b""
    first_m = fetch(local_settings, feed_server.url("/m"))
    again_m = fetch(local_settings, feed_server.url("/m"), last_modified=first_m.last_modified)
    assert again_m.not_modified
    assert feed_server.request_headers["/m"][1]["If-Modified-Since"] == first_m.last_modified


def test_gzip_body_is_decompressed(feed_server: FeedServer, local_settings: Settings):
    feed_server.routes["/g"] = Route(RSS * 50, gzip=True)
    result = fetch(local_settings, feed_server.url("/g"))
    assert result.body == RSS * 50


def test_gzip_bomb_stops_at_the_decompressed_cap(feed_server: FeedServer, local_settings: Settings):
    bomb = b"\0" * 50_000_000  # 50 MB of zeros is ~50 KB on the wire
    feed_server.routes["/bomb"] = Route(bomb, gzip=True)
    settings = local_settings.replace(max_response_bytes=1_000_000)
    with pytest.raises(TooLargeError):
        fetch(settings, feed_server.url("/bomb"))


def test_oversize_plain_body_refused(feed_server: FeedServer, local_settings: Settings):
    feed_server.routes["/big"] = Route(b"x" * 300_000)
    with pytest.raises(TooLargeError):
        fetch(local_settings.replace(max_response_bytes=100_000), feed_server.url("/big"))


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_reports_new_url(feed_server: FeedServer, local_settings: Settings, status: int):
    feed_server.routes["/old"] = Route(status=status, headers={"Location": "/new"})
    feed_server.routes["/new"] = Route(RSS)
    result = fetch(local_settings, feed_server.url("/old"))
    assert result.body == RSS and result.final_url == feed_server.url("/new")
    assert result.permanent_redirect_to == feed_server.url("/new")


def test_temporary_redirect_keeps_the_url(feed_server: FeedServer, local_settings: Settings):
    feed_server.routes["/tmp"] = Route(status=302, headers={"Location": "/new"})
    feed_server.routes["/new"] = Route(RSS)
    result = fetch(local_settings, feed_server.url("/tmp"))
    assert result.body == RSS and result.permanent_redirect_to is None


def test_redirect_loop_and_limit(feed_server: FeedServer, local_settings: Settings):
    feed_server.routes["/a"] = Route(status=302, headers={"Location": "/b"})
    feed_server.routes["/b"] = Route(status=302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirectsError):
        fetch(local_settings, feed_server.url("/a"))
    for i in range(5):
        feed_server.routes[f"/r{i}"] = Route(status=307, headers={"Location": f"/r{i + 1}"})
    feed_server.routes["/r5"] = Route(RSS)
    with pytest.raises(TooManyRedirectsError):
        fetch(local_settings.replace(max_redirects=3), feed_server.url("/r0"))
    assert fetch(local_settings, feed_server.url("/r0")).body == RSS


def test_redirect_to_other_scheme_refused(feed_server: FeedServer, local_settings: Settings):
    feed_server.routes["/ftp"] = Route(status=301, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(UnsupportedURLError):
        fetch(local_settings, feed_server.url("/ftp"))
    with pytest.raises(UnsupportedURLError):
        fetch(local_settings, "ftp://example.org/feed")


@pytest.mark.parametrize(
    ("status", "error"), [(404, HTTPStatusError), (500, HTTPStatusError), (410, GoneError)]
)
def test_error_statuses(feed_server: FeedServer, local_settings: Settings, status: int, error: type):
    feed_server.routes["/x"] = Route(b"no", status)
    with pytest.raises(error) as info:
        fetch(local_settings, feed_server.url("/x"))
    assert info.value.status == status


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_reported(feed_server: FeedServer, local_settings: Settings, status: int):
    feed_server.routes["/busy"] = Route(b"later", status, headers={"Retry-After": "120"})
    with pytest.raises(HTTPStatusError) as info:
        fetch(local_settings, feed_server.url("/busy"))
    assert info.value.retry_after == 120


def test_stalled_body_times_out(feed_server: FeedServer, local_settings: Settings):
    feed_server.routes["/stall"] = Route(RSS, stall=3.0)
    start = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetch(local_settings.replace(read_timeout=0.5), feed_server.url("/stall"))
    assert time.monotonic() - start < 2.5


def test_slow_drip_hits_the_total_timeout(feed_server: FeedServer, local_settings: Settings):
    # Each piece arrives within the read timeout, so only the total deadline stops it.
    feed_server.routes["/drip"] = Route(b"x" * 20_000, drip=0.2)
    start = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetch(local_settings.replace(read_timeout=1.0, total_timeout=1.0), feed_server.url("/drip"))
    assert time.monotonic() - start < 2.0


def test_refused_connection_is_a_network_error(local_settings: Settings):
    with pytest.raises(NetworkError):
        fetch(local_settings, "http://127.0.0.1:9/feed")  # discard port: nothing listens


def test_dns_failure_is_a_network_error(local_settings: Settings):
    with pytest.raises(NetworkError) as info:
        fetch(local_settings, "http://no-such-host.invalid/feed")
    assert "DNS" in str(info.value)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "10.0.0.7", "169.254.169.254", "::ffff:127.0.0.1", "0.0.0.0", "fc00::1"]
)
def test_guard_refuses_non_public_addresses(address: str):
    assert not is_address_allowed(address)
    assert is_address_allowed("93.184.215.14")


def test_allow_list_admits_only_its_networks():
    allow = parse_networks(["127.0.0.1/32"])
    assert is_address_allowed("127.0.0.1", allow)
    assert is_address_allowed("::ffff:127.0.0.1", allow)
    assert not is_address_allowed("127.0.0.2", allow)
    assert not is_address_allowed("10.0.0.1", allow)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/f",
        "http://[::1]:{port}/f",
        "http://10.0.0.1:{port}/f",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:{port}/f",
        "http://localhost:{port}/f",
    ],
)
def test_fetch_without_allow_list_refuses_private_targets(feed_server: FeedServer, url: str):
    feed_server.routes["/f"] = Route(RSS)
    settings = load_settings(environ={}).replace(connect_timeout=1.0)
    with pytest.raises(BlockedAddressError):
        fetch(settings, url.format(port=feed_server.port))
    assert feed_server.hits["/f"] == 0


def test_redirect_to_loopback_refused(feed_server: FeedServer, local_settings: Settings):
    # 127.0.0.1 is allowed, 127.0.0.2 (also loopback) is not: the redirect's hop is checked.
    feed_server.routes["/hop"] = Route(
        status=302, headers={"Location": f"http://127.0.0.2:{feed_server.port}/f"}
    )
    feed_server.routes["/f"] = Route(RSS)
    with pytest.raises(BlockedAddressError):
        fetch(local_settings, feed_server.url("/hop"))
    assert feed_server.hits["/f"] == 0


def test_per_host_concurrency_is_bounded(feed_server: FeedServer, local_settings: Settings):
    active = {"now": 0, "peak": 0}

    def slow(handler: BaseHTTPRequestHandler) -> None:
        active["now"] += 1
        active["peak"] = max(active["peak"], active["now"])
        time.sleep(0.15)
        active["now"] -= 1
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(RSS)))
        handler.end_headers()
        handler.wfile.write(RSS)

    for i in range(6):
        feed_server.routes[f"/s{i}"] = slow

    async def go() -> list[FetchResult]:
        async with Fetcher(local_settings.replace(per_host_concurrency=2)) as f:
            return await asyncio.gather(*(f.fetch(feed_server.url(f"/s{i}")) for i in range(6)))

    results = asyncio.run(go())
    assert all(r.body == RSS for r in results)
    assert active["peak"] == 2


def test_header_helpers():
    assert cache_lifetime({"cache-control": "no-cache"}) == 0
    assert cache_lifetime({"cache-control": "max-age=60, public"}) == 60
    assert cache_lifetime({}) is None
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None
    assert gzip.decompress(gzip.compress(b"ok")) == b"ok"
