"""The SSRF guard: an httpcore network backend that connects only to public addresses.

The check sits where the socket is opened, not where the URL is read: the host
is resolved here, every address it resolves to is checked, and the connection
goes to an address that passed. So a redirect to an internal host, or a DNS
name that answers with a public address to a first lookup and a private one to
the next (DNS rebinding), cannot reach an internal service.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import select
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import anyio
import httpcore

from newsstand.errors import BlockedAddressError, ConfigError, NetworkError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings (or bare addresses) as networks. Raises ConfigError on a bad value."""
    nets: list[IPNetwork] = []
    for value in values:
        try:
            nets.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ConfigError(f"not an address or network: {value!r}", "allow_private_addresses") from exc
    return tuple(nets)


# Special-purpose ranges (IANA's registries) that Python's ipaddress still calls global: IETF
# protocol assignments, AS112 and AMT anycast, the retired 6to4 relay prefix, IPv6 site-local
# and the 2024 documentation prefix. No publisher serves feeds from them; refusing them keeps the
# guard to "ordinary public unicast" (the SSRF matrix test walks every range).
_NOT_PUBLIC: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.0.0.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.175.48.0/24",
        "fec0::/10", "3fff::/20",
    )
)  # fmt: skip


def _is_public(addr: IPAddress) -> bool:
    if any(addr.version == net.version and addr in net for net in _NOT_PUBLIC):
        return False
    return not (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or not addr.is_global
    )


# IPv6 prefixes whose addresses carry an IPv4 address in their last 32 bits and reach it
# through a translator: NAT64's well-known and local-use prefixes (RFC 6052, RFC 8215).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for or tunnels to: IPv4-mapped and -compatible
    forms, 6to4 (2002::/16), Teredo (2001::/32, the client's address) and NAT64; else None."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if any(addr in net for net in _NAT64):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if int(addr) >> 32 == 0 and int(addr) > 1:  # ::a.b.c.d, the deprecated compatible form
        return ipaddress.IPv4Address(int(addr))
    return None


def is_address_allowed(address: str, allow: Sequence[IPNetwork] = ()) -> bool:
    """True when the fetcher may connect to ``address``: a public unicast address, or
    one inside an allow-listed network. IPv4-mapped IPv6 is judged as its IPv4 form; an
    IPv6 address that tunnels or translates to an IPv4 one (6to4, Teredo, NAT64) is refused
    unless that IPv4 address is public too."""
    try:
        addr: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if any(addr.version == net.version and addr in net for net in allow):
        return True
    if isinstance(addr, ipaddress.IPv6Address):
        inner = embedded_ipv4(addr)
        if inner is not None and not _is_public(inner):
            return False
    return _is_public(addr)


# What may be handed to the resolver: an IP literal, or dot-separated labels of letters,
# digits, hyphens and underscores (ASCII: IDNA is applied before). Anything else (a
# percent-encoded suffix, spaces, control characters) is refused without a lookup.
_HOST_NAME = re.compile(
    r"^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_][A-Za-z0-9_-]{0,62})*\.?$"
)


def check_host_name(host: str) -> None:
    """Raise BlockedAddressError unless ``host`` is an IP literal or a plain DNS name."""
    bare = host.strip("[]")
    try:
        ipaddress.ip_address(bare)
        return
    except ValueError:
        pass
    if not _HOST_NAME.match(host):
        raise BlockedAddressError(f"refused to resolve malformed host name {host[:80]!r}", host[:200])


# How host names become addresses: the system's resolver, or another (tests start a DNS
# server of their own). Raises OSError (socket.gaierror) when the name does not resolve.
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system's resolver gives for ``host``, in its order, once each."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects; raises BlockedAddressError when no address may be used.

    Lookups are cached for ``dns_ttl`` seconds (failures too) and concurrent lookups
    of one host share a single query: a catalog has many feeds per host, and a
    resolver that is down costs its full timeout per query. The cache holds
    resolver answers only; every connection still checks the address it uses.
    """

    def __init__(
        self, allow: Sequence[IPNetwork] = (), dns_ttl: float = 60.0, resolver: Resolver | None = None
    ) -> None:
        self._allow = tuple(allow)
        self._inner = httpcore.AnyIOBackend()
        self._ttl = dns_ttl
        self._resolver = resolver or system_resolver
        self._cache: dict[tuple[str, int], tuple[float, list[str] | NetworkError]] = {}
        self._inflight: dict[tuple[str, int], asyncio.Future[list[str] | NetworkError]] = {}

    async def _lookup(self, host: str, port: int) -> list[str] | NetworkError:
        try:
            return await self._resolver(host, port)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            error = NetworkError(f"DNS lookup failed for {host}: {exc}", host)
            error.__cause__ = exc
            return error

    async def lookup(self, host: str, port: int) -> list[str]:
        """Every address ``host`` resolves to (cached). Raises NetworkError when it does not,
        BlockedAddressError for a host name no resolver should see."""
        check_host_name(host)
        key = (host, port)
        cached = self._cache.get(key)
        if cached is not None and cached[0] >= time.monotonic():
            answer = cached[1]
        else:
            future = self._inflight.get(key)
            if future is None:
                future = asyncio.ensure_future(self._lookup(host, port))
                self._inflight[key] = future
                future.add_done_callback(lambda f: self._remember(key, f))
            # Shielded: one waiter giving up must not cancel the lookup for the others.
            answer = await asyncio.shield(future)
        if isinstance(answer, NetworkError):
            raise NetworkError(answer.reason, host) from answer.__cause__
        return answer

    def _remember(self, key: tuple[str, int], future: asyncio.Future[list[str] | NetworkError]) -> None:
        self._inflight.pop(key, None)
        if not future.cancelled() and future.exception() is None:
            self._cache[key] = (time.monotonic() + self._ttl, future.result())

    async def resolve(self, host: str, port: int) -> list[str]:
        """Addresses of ``host`` that pass the guard, in resolver order."""
        addresses = await self.lookup(host, port)
        allowed = [a for a in addresses if is_address_allowed(a, self._allow)]
        if not allowed:
            shown = ", ".join(addresses) or "nothing"
            raise BlockedAddressError(f"refused to connect to non-public address {shown}", host)
        return allowed

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.resolve(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
                return _Stream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are never used for fetching", path)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    """A connection, with the check the pool makes most made cheap.

    httpcore's pool asks every pooled connection whether it is readable (closed by
    the server) each time it hands out a connection; anyio answers by building all
    of a socket's attributes, a getpeername() call included. For a round of 200
    conditional requests that was half the round's time. The socket is looked up
    once and polled directly.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    """True when reading would not block: data, or the peer closed (or a dead socket)."""
    if sock.fileno() < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([sock], [], [], 0)[0])
