"""The anonymous page micro-cache: shared pages are rendered once, personal pages never cached."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.store import SqlStore
from newsstand.web import create_app
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
        time.sleep(0.35)
        assert "A changed headline" not in client.get(path).text  # stale, answered at once
        deadline = time.monotonic() + 5
        while "A changed headline" not in client.get(path).text:  # refreshed in the background
            assert time.monotonic() < deadline, "the page was never refreshed"
            time.sleep(0.05)
