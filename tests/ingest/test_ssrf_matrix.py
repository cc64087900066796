"""The SSRF matrix (issue 15, item 4): every special-purpose IPv4 and IPv6 range in each form an
address can take, host spellings, redirects into private space, and DNS rebinding against a DNS
server started here, for feed fetches and full-text page fetches alike.

The stand-in for "a public server" is 127.0.0.2, the only address the tests allow-list; the
private target every attack aims at is a sentinel server on 127.0.0.1 (same port), which must
never see a request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsstand.config import Settings, load_settings
from newsstand.errors import BlockedAddressError, FetchError, NetworkError, UnsupportedURLError
from newsstand.ingest.pages import _fetch_and_extract
from newsstand.model import Article
from newsstand.net.fetch import Fetcher, FetchResult
from newsstand.net.netguard import is_address_allowed

from .dnsserver import DnsServer, resolver_for

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>ok</title></channel></rss>'

# IANA's special-purpose registries (IPv4 and IPv6), and the other ranges no fetch may reach.
PRIVATE_V4 = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24",
    "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
]  # fmt: skip
PRIVATE_V6 = [
    "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:2::/48",
    "2001:db8::/32", "2001:10::/28", "2001:20::/28", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    "3fff::/20", "5f00::/16",
]  # fmt: skip


def _samples(network: str) -> list[str]:
    net = ipaddress.ip_network(network)
    picks = {net.network_address, net.broadcast_address, net.network_address + net.num_addresses // 2}
    if net.num_addresses > 2:
        picks.add(net.network_address + 1)
    return [str(a) for a in sorted(picks)]


V4_SAMPLES = [a for n in PRIVATE_V4 for a in _samples(n)]
V6_SAMPLES = [a for n in PRIVATE_V6 for a in _samples(n)]


def _forms(v4: str) -> list[str]:
    """The IPv6 spellings that carry (or lead to) an IPv4 address."""
    packed = int(ipaddress.IPv4Address(v4))
    hi, lo = packed >> 16, packed & 0xFFFF
    return [
        f"::ffff:{v4}",  # mapped
        f"::ffff:{hi:x}:{lo:x}",
        f"::{v4}",  # compatible (deprecated)
        f"2002:{hi:x}:{lo:x}::1",  # 6to4
        f"64:ff9b::{hi:x}:{lo:x}",  # NAT64 well-known prefix
        f"64:ff9b:1::{hi:x}:{lo:x}",  # NAT64 local-use prefix
        # Teredo: the client address is stored with every bit inverted
        f"2001:0:4136:e378:8000:63bf:{hi ^ 0xFFFF:x}:{lo ^ 0xFFFF:x}",
    ]


@pytest.mark.parametrize("address", V4_SAMPLES)
def test_every_private_or_reserved_ipv4_address_is_refused(address: str) -> None:
    assert not is_address_allowed(address)


@pytest.mark.parametrize("address", V6_SAMPLES)
def test_every_private_or_reserved_ipv6_address_is_refused(address: str) -> None:
    assert not is_address_allowed(address)


@pytest.mark.parametrize("address", [a for a in V4_SAMPLES if not a.startswith("0.")])
def test_each_ipv6_form_of_a_private_ipv4_address_is_refused(address: str) -> None:
    for form in _forms(address):
        assert not is_address_allowed(form), form


def test_public_addresses_in_each_form_still_pass() -> None:
    assert is_address_allowed("93.184.215.14")
    assert is_address_allowed("::ffff:93.184.215.14")
    assert is_address_allowed("2002:5db8:d70e::1")  # 6to4 of a public address
    assert is_address_allowed("2606:4700:4700::1111")


# --- servers on loopback addresses -------------------------------------------------------------


class Site:
    """A small HTTP server on one loopback address: a feed at /f, redirects at /to?u=..."""

    def __init__(self, host: str, port: int = 0) -> None:
        self.hits: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.hits[self.path] += 1
                if self.path.startswith("/to?u="):
                    self.send_response(302)
                    self.send_header("Location", self.path.removeprefix("/to?u="))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = (
                    RSS if self.path == "/f" else b"<html><body><article><p>page</p></article></body></html>"
                )
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml" if self.path == "/f" else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def total(self) -> int:
        return sum(self.hits.values())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites() -> Iterator[tuple[Site, Site]]:
    """(the private sentinel on 127.0.0.1, the "public" site on 127.0.0.2), on one port."""
    sentinel = Site("127.0.0.1")
    public = Site("127.0.0.2", sentinel.port)
    yield sentinel, public
    sentinel.close()
    public.close()


@pytest.fixture
def settings() -> Settings:
    return load_settings(environ={"NEWSSTAND_ALLOW_PRIVATE_ADDRESSES": "127.0.0.2/32"}).replace(
        connect_timeout=1.0, total_timeout=10.0
    )


def fetch(settings: Settings, url: str, fetcher: Fetcher | None = None) -> FetchResult:
    async def go() -> FetchResult:
        if fetcher is not None:
            return await fetcher.fetch(url)
        async with Fetcher(settings) as own:
            return await own.fetch(url)

    return asyncio.run(go())


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1", "2130706433", "0x7f000001", "017700000001", "0177.0.0.1", "0x7f.0.0.1", "127.1",
        "127.0.1", "0x7f.1", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:127.0.0.1]",
        "localhost", "127.000.000.001",
    ],
)  # fmt: skip
def test_every_spelling_of_the_private_host_is_refused(
    sites: tuple[Site, Site], settings: Settings, host: str
) -> None:
    sentinel, _ = sites
    with pytest.raises(FetchError) as info:
        fetch(settings, f"http://{host}:{sentinel.port}/f")
    # Refused by the guard, by the resolver, or as no valid URL at all; never fetched.
    assert isinstance(info.value, BlockedAddressError | NetworkError | UnsupportedURLError)
    assert sentinel.total == 0


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/f",
        "http://2130706433:{port}/f",
        "http://0x7f.0.0.1:{port}/f",
        "http://[::ffff:127.0.0.1]:{port}/f",
        "http://localhost:{port}/f",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[fd00::1]/",
        "http://127.0.0.2:{port}/to?u=http://127.0.0.1:{port}/f",  # two hops
    ],
)
def test_redirects_into_private_space_are_refused(
    sites: tuple[Site, Site], settings: Settings, target: str
) -> None:
    sentinel, public = sites
    location = target.format(port=sentinel.port)
    with pytest.raises(BlockedAddressError):
        fetch(settings, f"http://127.0.0.2:{public.port}/to?u={location}")
    assert public.total >= 1 and sentinel.total == 0


def test_the_allowed_site_itself_is_fetched(sites: tuple[Site, Site], settings: Settings) -> None:
    _, public = sites
    assert fetch(settings, f"http://127.0.0.2:{public.port}/f").body == RSS


# --- DNS rebinding -------------------------------------------------------------------------------


@pytest.fixture
def rebinding() -> Iterator[DnsServer]:
    """A name server whose answer for rebind.test changes after the first: public, then private."""
    server = DnsServer({
        "rebind.test": [["127.0.0.2"], ["127.0.0.1"]],
        "mixed.test": [["127.0.0.1", "127.0.0.2"]],
        "private.test": [["127.0.0.1"]],
    })  # fmt: skip
    yield server
    server.close()


def test_a_connection_goes_to_the_address_that_was_checked(
    sites: tuple[Site, Site], settings: Settings, rebinding: DnsServer
) -> None:
    sentinel, public = sites
    url = f"http://rebind.test:{public.port}/f"

    async def twice() -> tuple[FetchResult, FetchResult]:
        async with Fetcher(settings, resolver=resolver_for(rebinding)) as fetcher:
            return await fetcher.fetch(url), await fetcher.fetch(url)

    first, second = asyncio.run(twice())
    assert first.body == RSS and second.body == RSS
    # One question was asked: the connection used the checked answer and never asked again
    # (httpcore's own resolution is bypassed: the guard hands it an address, not a name).
    assert rebinding.asked["rebind.test"] == 1
    assert public.hits["/f"] == 2 and sentinel.total == 0


def test_a_rebound_answer_is_checked_again_and_refused(
    sites: tuple[Site, Site], settings: Settings, rebinding: DnsServer
) -> None:
    sentinel, public = sites
    url = f"http://rebind.test:{public.port}/f"

    async def twice() -> FetchResult:
        async with Fetcher(settings, resolver=resolver_for(rebinding)) as fetcher:
            fetcher.backend._ttl = 0.0  # every connection asks again, as after the answer's TTL
            first = await fetcher.fetch(url)
            await fetcher.aclose()  # no pooled connection to reuse
        async with Fetcher(settings, resolver=resolver_for(rebinding)) as again:
            again.backend._ttl = 0.0
            with pytest.raises(BlockedAddressError):
                await again.fetch(url)
        return first

    assert asyncio.run(twice()).body == RSS
    assert rebinding.asked["rebind.test"] == 2
    assert sentinel.total == 0


def test_an_answer_mixing_addresses_connects_only_to_the_allowed_one(
    sites: tuple[Site, Site], settings: Settings, rebinding: DnsServer
) -> None:
    sentinel, public = sites

    async def go() -> FetchResult:
        async with Fetcher(settings, resolver=resolver_for(rebinding)) as fetcher:
            return await fetcher.fetch(f"http://mixed.test:{public.port}/f")

    assert asyncio.run(go()).body == RSS
    assert sentinel.total == 0 and public.hits["/f"] == 1


def test_a_name_answering_only_private_addresses_is_refused(
    sites: tuple[Site, Site], settings: Settings, rebinding: DnsServer
) -> None:
    sentinel, _ = sites

    async def go() -> None:
        async with Fetcher(settings, resolver=resolver_for(rebinding)) as fetcher:
            await fetcher.fetch(f"http://private.test:{sentinel.port}/f")

    with pytest.raises(BlockedAddressError):
        asyncio.run(go())
    assert sentinel.total == 0


def _article(url: str) -> Article:
    return Article(publisher_id="p", url=url, title="t", published=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("host", ["private.test", "127.0.0.1", "rebind-after.test"])
def test_full_text_page_fetches_keep_to_the_same_guard(
    sites: tuple[Site, Site], settings: Settings, host: str
) -> None:
    sentinel, _ = sites
    dns = DnsServer({"private.test": [["127.0.0.1"]], "rebind-after.test": [["127.0.0.2"], ["127.0.0.1"]]})
    try:

        async def go() -> object:
            async with Fetcher(settings, resolver=resolver_for(dns)) as fetcher:
                fetcher.backend._ttl = 0.0
                first = await _fetch_and_extract(fetcher, _article(f"http://{host}:{sentinel.port}/page"))
                await fetcher.aclose()
            async with Fetcher(settings, resolver=resolver_for(dns)) as fetcher:
                fetcher.backend._ttl = 0.0
                await _fetch_and_extract(fetcher, _article(f"http://{host}:{sentinel.port}/page"))
            return first

        asyncio.run(go())
    finally:
        dns.close()
    assert sentinel.total == 0
