"""Fetching URLs safely: the one place Newsstand talks HTTP to publishers.

``Fetcher.fetch`` sends a conditional GET, follows redirects itself (so every
hop is checked and permanent moves are reported), caps the *decompressed* body,
enforces connect/read/total timeouts and per-host and overall concurrency, and
translates every httpx failure into the project's ``FetchError`` tree. The SSRF
guard lives in the network backend (``netguard``), so it applies to the address
each connection actually uses.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from newsstand.config import Settings
from newsstand.errors import (
    BlockedAddressError,
    FetchError,
    FetchTimeoutError,
    GoneError,
    HTTPStatusError,
    NetworkError,
    TooLargeError,
    TooManyRedirectsError,
    UnsupportedURLError,
)
from newsstand.net.netguard import GuardedBackend, Resolver, parse_networks

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
_REDIRECTS = {301, 302, 303, 307, 308}
_PERMANENT = {301, 308}
_KEPT_HEADERS = (
    "content-type",
    "content-location",
    "content-language",
    "etag",
    "last-modified",
    "cache-control",
    "expires",
    "retry-after",
    "date",
    "link",  # WebSub hubs are announced here
)
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch got back. ``body`` is decompressed; empty when ``not_modified``."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names, a useful subset
    not_modified: bool = False
    permanent_redirect_to: str | None = None  # where a 301/308 chain from ``url`` ended
    latency_ms: float = 0.0
    bytes: int = 0  # decompressed body size
    max_age: float | None = None  # seconds the server says the response stays fresh
    retry_after: float | None = None

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def parse_retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta seconds or an HTTP date)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def cache_lifetime(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Freshness lifetime in seconds from Cache-Control max-age, else Expires; None if neither."""
    for directive in headers.get("cache-control", "").lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name in ("no-cache", "no-store"):
            return 0.0
        if name == "max-age":
            try:
                return max(0.0, float(value.strip().strip('"')))
            except ValueError:
                return None
    expires = headers.get("expires", "")
    if expires:
        if expires.strip() in ("0", "-1"):
            return 0.0
        return parse_retry_after(expires, now)
    return None


class _BodyDecoder:
    """Decodes gzip/deflate incrementally and stops once the output passes ``limit``."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self.limit = limit
        self.url = url
        self.size = 0
        self.encoding = encoding
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchError(f"unsupported content encoding {encoding!r}", url)
        self._first = True

    def feed(self, chunk: bytes) -> bytes:
        if self._z is None:
            return self._count(chunk)
        out: list[bytes] = []
        data = chunk
        while data:
            try:
                piece = self._z.decompress(data, self.limit - self.size + 1)
            except zlib.error as exc:
                if self._first and self.encoding == "deflate":
                    # Some servers send raw deflate without the zlib header.
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise NetworkError(f"corrupt {self.encoding} body: {exc}", self.url) from exc
            self._first = False
            out.append(self._count(piece))
            data = self._z.unconsumed_tail
        return b"".join(out)

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.limit:
            raise TooLargeError(f"response body passed {self.limit} bytes", self.url)
        return piece


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: building one loads the whole CA bundle
    (35 ms), and a Fetcher is made for every round. Contexts are safe to share."""
    return httpx.create_ssl_context()


class Fetcher:
    """Safe HTTP GETs for feeds and pages. Use as ``async with Fetcher(settings) as f``.

    One Fetcher belongs to one event loop; its limits apply across all its fetches.
    """

    def __init__(self, settings: Settings, *, resolver: Resolver | None = None) -> None:
        self.settings = settings
        self._limit = settings.max_response_bytes
        self._max_redirects = settings.max_redirects
        self._total = settings.total_timeout
        self._all = asyncio.Semaphore(settings.fetch_concurrency)
        self._per_host_n = settings.per_host_concurrency
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self.backend = GuardedBackend(parse_networks(settings.allow_private_addresses), resolver=resolver)
        transport = httpx.AsyncHTTPTransport(retries=0, verify=_ssl_context())  # no second CA load
        # httpx has no parameter for the network backend, so the pool it built is
        # replaced by one that connects through the guard; TLS still verifies the
        # URL's host name because httpcore passes it as server_hostname.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=settings.fetch_concurrency,
            max_keepalive_connections=settings.fetch_concurrency,
            keepalive_expiry=30.0,
            network_backend=self.backend,
        )
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=self._total,
            ),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self, url: str, *, etag: str = "", last_modified: str = "", accept: str = FEED_ACCEPT
    ) -> FetchResult:
        """GET ``url``. Returns a result for 2xx and 304; raises a FetchError subclass
        for everything else (HTTPStatusError with ``retry_after`` for 429/503,
        GoneError for 410, BlockedAddressError, TooLargeError, FetchTimeoutError, ...)."""
        _check_scheme(url, url)
        host = urlsplit(url).hostname or ""
        sem = self._per_host.setdefault(host, asyncio.Semaphore(self._per_host_n))
        # Host slot first: waiting for a busy host must not hold one of the global slots.
        async with sem, self._all:
            start = time.perf_counter()
            try:
                async with asyncio.timeout(self._total):
                    result = await self._follow(url, etag, last_modified, accept)
            except TimeoutError as exc:
                raise FetchTimeoutError(f"no complete answer within {self._total:g} s", url) from exc
            latency = (time.perf_counter() - start) * 1000
        return _with_latency(result, latency)

    async def post_form(self, url: str, form: Mapping[str, str]) -> int:
        """POST a form (a WebSub subscription request to a hub) through the same address guard,
        following no redirect; the answer's status. Raises a FetchError subclass when no answer
        comes (BlockedAddressError, NetworkError, FetchTimeoutError, UnsupportedURLError)."""
        _check_scheme(url, url)
        try:
            async with asyncio.timeout(self._total):
                response = await self._client.post(url, data=dict(form))
                await response.aclose()
        except TimeoutError as exc:
            raise FetchTimeoutError(f"no answer within {self._total:g} s", url) from exc
        except (BlockedAddressError, NetworkError) as exc:
            raise type(exc)(exc.reason, url) from exc
        except httpx.TimeoutException as exc:
            raise FetchTimeoutError(f"timed out: {type(exc).__name__}", url) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise UnsupportedURLError(f"cannot post: {exc}", url) from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"{type(exc).__name__}: {exc}", url) from exc
        return response.status_code

    async def _follow(self, url: str, etag: str, last_modified: str, accept: str) -> FetchResult:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, permanent, still_permanent, seen = url, None, True, {url}
        for _ in range(self._max_redirects + 1):
            result, location = await self._one(url, current, headers)
            if location is None:
                assert result is not None
                return replace(result, permanent_redirect_to=permanent)
            status = result.status if result else 0
            still_permanent = still_permanent and status in _PERMANENT
            if still_permanent:
                permanent = location
            if location in seen:
                raise TooManyRedirectsError(f"redirect loop at {location}", url)
            seen.add(location)
            current = location
        raise TooManyRedirectsError(f"more than {self._max_redirects} redirects", url)

    async def _one(
        self, url: str, current: str, headers: dict[str, str]
    ) -> tuple[FetchResult | None, str | None]:
        """One request. Returns (result, None) when done, (status-only result, location) on a redirect."""
        _check_scheme(current, url)
        try:
            async with self._client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                kept = {k: response.headers[k] for k in _KEPT_HEADERS if k in response.headers}
                if status in _REDIRECTS and "location" in response.headers:
                    location = urljoin(current, response.headers["location"].strip())
                    _check_scheme(location, url)
                    return FetchResult(url, current, status, headers=kept), location
                _raise_for_status(url, status, kept)
                if status == 304:
                    # A 304 has no body by definition; reading its end lets the connection
                    # go back to the pool instead of being closed (the next poll reuses it).
                    await response.aread()
                    result = FetchResult(
                        url, current, status, headers=kept, not_modified=True, max_age=cache_lifetime(kept)
                    )
                    return result, None
                encoding = response.headers.get("content-encoding", "").strip().lower()
                body = await self._read(response.aiter_raw(_CHUNK), encoding, url)
        except (BlockedAddressError, NetworkError) as exc:
            if exc.url == url:
                raise
            # Raised by the network backend, which knows the host but not the URL.
            raise type(exc)(exc.reason, url) from exc
        except FetchError:
            raise
        except httpx.TimeoutException as exc:
            raise FetchTimeoutError(f"timed out: {type(exc).__name__}", url) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise UnsupportedURLError(f"cannot fetch: {exc}", url) from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"{type(exc).__name__}: {exc}", url) from exc
        except UnicodeError as exc:
            raise UnsupportedURLError(f"bad host name: {exc}", url) from exc
        return (
            FetchResult(
                url, current, status, body=body, headers=kept, bytes=len(body), max_age=cache_lifetime(kept)
            ),
            None,
        )

    async def _read(self, chunks: AsyncIterator[bytes], encoding: str, url: str) -> bytes:
        decoder = _BodyDecoder(encoding, self._limit, url)
        parts = [decoder.feed(chunk) async for chunk in chunks]
        return b"".join(parts)


def _check_scheme(target: str, url: str) -> None:
    try:
        scheme = urlsplit(target).scheme.lower()
    except ValueError as exc:
        raise UnsupportedURLError(f"malformed URL {target!r}", url) from exc
    if scheme not in ("http", "https"):
        raise UnsupportedURLError(f"only http and https are fetched, not {scheme or 'no scheme'}", url)


def _raise_for_status(url: str, status: int, headers: Mapping[str, str]) -> None:
    if status < 400 and status != 300:
        return
    retry_after = parse_retry_after(headers.get("retry-after", "")) if status in (429, 503) else None
    if status == 410:
        raise GoneError("410 Gone: the publisher removed this feed", url, status)
    raise HTTPStatusError(f"HTTP {status}", url, status, retry_after)


def _with_latency(result: FetchResult, latency_ms: float) -> FetchResult:
    return replace(result, latency_ms=latency_ms)
