"""A micro-cache of whole pages for anonymous readers.

Anonymous readers of the front page, an article, a live blog or a search all see
the same HTML, so it is rendered once and served from memory for a few seconds
(``home_cache_seconds``); a page a little older is still served while one request
renders it again in the background, so readers never wait for a refresh. Signed-in
readers never touch the cache: their pages carry their name, membership and CSRF
tokens. Concurrent misses for one page wait for a single rendering instead of each
rendering it (no thundering herd).

Memory follows what was asked for lately: a page too old to be served even stale is
dropped when the next page is stored, and the cache holds at most ``MAX_ENTRIES`` pages and
``MAX_BYTES`` of them, the oldest going first. It used to keep every page until 5,000 had
piled up (bench/soak.py: 640 dead pages, 10.5 MB after 8 minutes, and rising).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE = re.compile(
    r"^/(?:|article/\d+|live/\d+|story/\d+|search|section/[^/]+|publisher/[^/]+|publishers)$"
)
MAX_ENTRIES = 5000
# Pages live at most STALE_FACTOR x home_cache_seconds (15 s by default), so only a burst of
# distinct pages reaches this: 32 MB is some 1,000 article pages, far more than the pages
# asked for twice within that time.
MAX_BYTES = 32 * 2**20
REFRESH_CONCURRENCY = 2
STALE_FACTOR = 3  # a page up to this many lifetimes old is served while a fresh one renders


@dataclass(frozen=True, slots=True)
class CachedPage:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    stored: float

    @property
    def size(self) -> int:
        """Bytes it holds, near enough (body and headers)."""
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


def cache_key(scope: Scope) -> str | None:
    """The key of an anonymous GET for a cacheable page, or None when it must be rendered."""
    if scope["type"] != "http" or scope["method"] != "GET" or not CACHEABLE.match(scope["path"]):
        return None
    for name, value in scope["headers"]:
        if name == b"cookie" and b"ns_session=" in value:
            return None
    query = scope.get("query_string", b"")
    return str(scope["path"]) + ("?" + query.decode("latin-1") if query else "")


def storable(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
    """Only plain successful HTML without forms that need a per-browser token is shared."""
    if status != 200 or b'name="csrf_token"' in body:
        return False
    content_type = dict(headers).get(b"content-type", b"")
    return content_type.startswith(b"text/html")


class PageCacheMiddleware:
    def __init__(self, app: ASGIApp, *, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.seconds = seconds
        self.clock = clock
        self.pages: OrderedDict[str, CachedPage] = OrderedDict()  # in the order stored
        self.bytes = 0  # what the pages hold (CachedPage.size)
        self.pending: dict[str, asyncio.Future[CachedPage | None]] = {}
        self.refreshing: set[asyncio.Task[None]] = set()  # keeps background refreshes referenced
        # Pages cached together expire together; refreshing them one or two at a time keeps the
        # event loop answering from the cache instead of rendering a burst of pages at once.
        self.refresh_slots = asyncio.Semaphore(REFRESH_CONCURRENCY)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = cache_key(scope) if self.seconds > 0 else None
        if key is None:
            await self.app(scope, receive, send)
            return
        page = self.pages.get(key)
        age = self.clock() - page.stored if page is not None else None
        if page is not None and age is not None and age < STALE_FACTOR * self.seconds:
            # Fresh, or stale but recent: answer at once; a stale page is refreshed once in the background.
            if age >= self.seconds and key not in self.pending:
                self.claim(key)  # before the task starts, so the next request does not start another
                self.refreshing.add(asyncio.create_task(self.refresh(key, dict(scope))))
            await self.replay(page, send)
            return
        waiting = self.pending.get(key)
        if waiting is not None:
            shared = await asyncio.shield(waiting)
            if shared is not None:
                await self.replay(shared, send)
                return
        self.claim(key)
        await self.render(key, scope, receive, send)

    def claim(self, key: str) -> None:
        """Mark ``key`` as being rendered; others wait for (or serve stale until) its result."""
        self.pending[key] = asyncio.get_running_loop().create_future()

    async def refresh(self, key: str, scope: Scope) -> None:
        """Render ``key`` again with no client attached, replacing the cached page."""

        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def discard(message: Message) -> None:
            return None

        try:
            async with self.refresh_slots:
                await self.render(key, scope, no_body, discard)
        finally:
            self.refreshing.discard(asyncio.current_task())

    async def render(self, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Render through the app (``key`` claimed already), store a shareable page, wake the waiters."""
        future = self.pending[key]
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        page = None
        try:
            await self.app(scope, receive, capture)
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"set-cookie"]
            if start and storable(start["status"], headers, body):
                page = CachedPage(start["status"], tuple(headers), body, self.clock())
                self.store(key, page)
        finally:
            self.pending.pop(key, None)
            future.set_result(page)

    def store(self, key: str, page: CachedPage) -> None:
        """Keep ``page`` under ``key``; drop pages too old to serve and, past the bounds, the oldest."""
        old = self.pages.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self.pages[key] = page
        self.bytes += page.size
        while self.pages:
            _, oldest = next(iter(self.pages.items()))
            expired = page.stored - oldest.stored >= STALE_FACTOR * self.seconds
            if not expired and len(self.pages) <= MAX_ENTRIES and self.bytes <= MAX_BYTES:
                break
            self.bytes -= self.pages.popitem(last=False)[1].size

    @staticmethod
    async def replay(page: CachedPage, send: Send) -> None:
        await send({"type": "http.response.start", "status": page.status, "headers": list(page.headers)})
        await send({"type": "http.response.body", "body": page.body})
