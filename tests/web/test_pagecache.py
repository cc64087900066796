"""The anonymous page micro-cache: shared pages are rendered once, personal pages never cached."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.store import SqlStore
from newsstand.web import create_app, pagecache
from newsstand.web.pagecache import STALE_FACTOR, PageCacheMiddleware
from support import make_services

from .conftest import Clock, Edition, make_reader, sign_in


@pytest.fixture
def cached_client(
    web_settings: Settings, web_store: SqlStore, services: Services, clock: Clock
) -> Iterator[TestClient]:
    settings = web_settings.replace(home_cache_seconds=60)
    app = create_app(settings, services=make_services(web_store, settings, clock))
    with TestClient(app, follow_redirects=False) as client:
        yield client


def retitle(store: SqlStore, article_id: int, title: str) -> None:
    store.upsert_article(replace(store.get_article(article_id), title=title))


def test_anonymous_pages_are_served_from_the_cache(
    cached_client: TestClient, web_store: SqlStore, edition: Edition
) -> None:
    path = f"/article/{edition.articles['open']}"
    first = cached_client.get(path)
    retitle(web_store, edition.articles["open"], "A changed headline")
    second = cached_client.get(path)
    assert second.text == first.text and "A changed headline" not in second.text
    assert second.headers["content-security-policy"]  # security headers on cached answers too


def test_signed_in_readers_never_get_cached_pages(
    cached_client: TestClient, web_store: SqlStore, services: Services, edition: Edition
) -> None:
    path = f"/article/{edition.articles['open']}"
    cached_client.get(path)  # fills the anonymous page cache
    retitle(web_store, edition.articles["open"], "A changed headline")
    cached_client.app.state.web.services.cache.clear()  # what the service loop does after a change
    make_reader(services, "fresh@example.org")
    sign_in(cached_client, "fresh@example.org")
    page = cached_client.get(path).text
    assert "A changed headline" in page and "Sign out" in page  # rendered for this reader
    cached_client.cookies.clear()
    assert "A changed headline" not in cached_client.get(path).text  # anonymous: the cached page


def test_pages_with_forms_are_not_cached(cached_client: TestClient) -> None:
    first = cached_client.get("/signin").text
    cached_client.cookies.clear()
    second = cached_client.get("/signin").text
    assert first != second  # each browser gets its own CSRF token


def test_a_stale_page_is_served_once_while_it_renders_again(
    web_settings: Settings, web_store: SqlStore, services: Services, clock: Clock, edition: Edition
) -> None:
    import time

    settings = web_settings.replace(home_cache_seconds=0.3)
    app = create_app(settings, services=make_services(web_store, settings, clock))
    path = f"/article/{edition.articles['open']}"
    with TestClient(app, follow_redirects=False) as client:
        client.get(path)
        retitle(web_store, edition.articles["open"], "A changed headline")
        app.state.web.services.cache.clear()  # what the service loop does after a change
        time.sleep(0.35)
        assert "A changed headline" not in client.get(path).text  # stale, answered at once
        deadline = time.monotonic() + 5
        while "A changed headline" not in client.get(path).text:  # refreshed in the background
            assert time.monotonic() < deadline, "the page was never refreshed"
            time.sleep(0.05)


def html_app(size: int) -> Any:
    """A bare ASGI app answering every path with ``size`` bytes of shareable HTML."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": scope["path"].encode().ljust(size, b"x")})

    return app


def test_pages_too_old_to_serve_leave_the_cache() -> None:
    """Every page asked for once used to stay until 5,000 had piled up (bench/soak.py: 640
    dead pages after 8 minutes, and rising)."""
    now = [1000.0]
    cache = PageCacheMiddleware(html_app(20_000), seconds=5, clock=lambda: now[0])
    with TestClient(cache) as client:
        for n in range(40):
            assert client.get(f"/article/{n}").status_code == 200
            now[0] += 0.1
        assert len(cache.pages) == 40 and cache.bytes >= 40 * 20_000
        now[0] += STALE_FACTOR * 5 - 2.05  # the first 20 pages are now too old to serve
        client.get("/article/40")
        assert list(cache.pages) == [f"/article/{n}" for n in range(20, 41)]
        now[0] += STALE_FACTOR * 5
        client.get("/article/41")
        assert list(cache.pages) == ["/article/41"]
        assert cache.bytes == cache.pages["/article/41"].size


def test_the_cache_holds_its_bound_in_bytes_and_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagecache, "MAX_BYTES", 10 * 21_000)
    monkeypatch.setattr(pagecache, "MAX_ENTRIES", 12)
    big = PageCacheMiddleware(html_app(20_000), seconds=600)
    small = PageCacheMiddleware(html_app(100), seconds=600)
    with TestClient(big) as client, TestClient(small) as other:
        for n in range(50):
            client.get(f"/search?q={n}")
            other.get(f"/search?q={n}")
        again = client.get("/search?q=49")  # the newest page is kept and served
    assert again.text.startswith("/search")
    assert len(big.pages) == 10 and big.bytes <= pagecache.MAX_BYTES
    assert big.bytes == sum(p.size for p in big.pages.values())
    assert list(big.pages)[-1] == "/search?q=49" and "/search?q=39" not in big.pages
    assert len(small.pages) == 12  # tiny pages: the entry bound
