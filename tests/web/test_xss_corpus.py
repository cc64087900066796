"""The XSS corpus (tests/xss_corpus.py) driven through everything that shows publisher content:
the sanitizer; a real feed served on 127.0.0.1 and ingested by the real pipeline (titles,
descriptions, authors, links and enclosures carrying vectors); a live blog whose entries carry
them; then every page that renders it (anonymous and member), the live event stream, the
RSS, Atom and JSON Feed writers and the JSON API. Nothing may come out that could run.
The browser half (test_browser_xss.py) checks that nothing runs and the CSP reports nothing."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.app.stories import update_stories
from newsstand.feedsout import FeedDocument, FeedFormat, FeedItem, write_feed
from newsstand.ingest.pipeline import Ingestor
from newsstand.markup.sanitize import html_to_text, sanitize_html
from newsstand.model import (
    Access,
    AccessReason,
    Article,
    ArticleKind,
    Feed,
    LicenceTier,
    LiveEntry,
    Publisher,
)
from newsstand.store import SqlStore, open_store
from newsstand.web import create_app
from support import make_services
from xss_corpus import problems, vectors

from .conftest import PASSWORD, make_settings, sign_in

VECTORS = vectors()
PER_ITEM = 12
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_the_corpus_is_a_few_hundred_vectors() -> None:
    assert len(VECTORS) >= 300


def test_no_vector_survives_sanitizing() -> None:
    failures = {}
    for vector in VECTORS:
        cleaned = sanitize_html(vector, "https://hostile.example/a/")
        found = problems(cleaned)
        if found:
            failures[vector] = found
        assert "<script" not in html_to_text(cleaned).lower() or "&lt;" in vector or "<" not in cleaned
    assert not failures, failures


# --- a hostile publisher, ingested for real ------------------------------------------------------


def hostile_rss() -> bytes:
    items = []
    for i in range(0, len(VECTORS), PER_ITEM):
        chunk = VECTORS[i : i + PER_ITEM]
        body = "".join(f"<p>Paragraph {n}: {v}</p>" for n, v in enumerate(chunk))
        link = "javascript:alert(1)" if i == PER_ITEM else f"https://hostile.example/story-{i}"
        items.append(
            "<item>"
            f"<title>{escape(chunk[0])} story {i}</title>"
            f"<link>{escape(link)}</link><guid>hostile-{i}</guid>"
            f"<author>{escape(chunk[1])}</author>"
            f"<category>{escape(chunk[2])}</category>"
            f"<description>{escape(body)}</description>"
            f'<enclosure url="javascript:alert(1)" type="image/jpeg" length="1"/>'
            f"<pubDate>Fri, 20 Nov 2026 {10 + i % 2:02d}:{i % 60:02d}:00 GMT</pubDate>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Hostile &lt;script&gt;alert(1)&lt;/script&gt;</title><link>https://hostile.example/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


@dataclass
class World:
    store: SqlStore
    services: Services
    client: TestClient
    articles: list[Article]
    live_id: int
    settings: Any
    app: Any = None


def _serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _live_entries() -> list[LiveEntry]:
    entries = []
    for i in range(0, len(VECTORS), PER_ITEM * 2):
        chunk = VECTORS[i : i + PER_ITEM * 2]
        body = "".join(f"<p>{v}</p>" for v in chunk)
        cleaned = sanitize_html(body, "https://hostile.example/live")  # what extraction stores
        entries.append(
            LiveEntry(f"e{i}", NOW - timedelta(minutes=60 - i // PER_ITEM), chunk[0], cleaned,
                      html_to_text(cleaned), key_event=i % 3 == 0)
        )  # fmt: skip
    return entries


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with hostile_world(tmp_path_factory.mktemp("xss")) as built:
        yield built


@contextmanager
def hostile_world(folder: Path) -> Iterator[World]:
    """A store holding the hostile publisher's ingested feed and live blog, and a test client."""
    settings = make_settings(
        folder,
        NEWSSTAND_ALLOW_PRIVATE_ADDRESSES="127.0.0.1/32",
        NEWSSTAND_FETCH_FULL_TEXT="false",
    )
    store = open_store(settings)
    server = _serve(hostile_rss())
    try:
        store.add_publisher(
            Publisher("hostile", "Hostile <b>Press</b>", "https://hostile.example", "GB", "en",
                      sections=("World",), licence_tier=LicenceTier.PARTNER)
        )  # fmt: skip
        store.add_feed(Feed(f"http://127.0.0.1:{server.server_address[1]}/rss.xml", "hostile", "World"))
        summary = asyncio.run(Ingestor(store, settings).run_once(store.list_feeds()))
        assert summary.new_entries >= len(VECTORS) // PER_ITEM - 1, summary
        live = Article(publisher_id="hostile", url="https://hostile.example/live", title=VECTORS[0],
                       published=NOW - timedelta(hours=1), standfirst=VECTORS[1], section="World",
                       sections=("World",), kind=ArticleKind.LIVEBLOG, language="en")  # fmt: skip
        live_id = store.upsert_article(live).article_id
        store.merge_live_entries(live_id, _live_entries())
        update_stories(store, NOW)
        services = make_services(store, settings)
        app = create_app(settings, services=services)
        app.state.web.stream_seconds = 0.3
        articles = [a for a in store.get_articles(range(1, live_id + 1)) if a is not None]  # type: ignore[arg-type]
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            yield World(store, services, client, articles, live_id, settings, app)
    finally:
        server.shutdown()
        store.close()


def _page_problems(html: str) -> list[str]:
    return problems(html, page=True)


def _pages(world: World) -> list[str]:
    paths = ["/", "/publishers", "/publisher/hostile", "/section/World", "/search?q=alert",
             "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", f"/live/{world.live_id}"]  # fmt: skip
    paths += [f"/article/{a.id}" for a in world.articles if a.kind is not ArticleKind.LIVEBLOG]
    paths += sorted({f"/story/{a.story_id}" for a in world.articles if a.story_id})
    return paths


def test_ingested_vectors_are_stored_inert(world: World) -> None:
    assert len(world.articles) >= len(VECTORS) // PER_ITEM
    for article in world.articles:
        assert not problems(article.body_html), (article.url, problems(article.body_html))
        assert not article.url.lower().startswith("javascript:")
        for image in article.images:
            assert not image.url.lower().startswith(("javascript:", "data:text"))


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_every_page_showing_publisher_content_is_inert(world: World, who: str) -> None:
    client = world.client
    client.cookies.clear()
    if who == "member":
        email = "xss-member@example.org"
        if email not in {r.email for r in world.services.accounts.list_readers()}:
            world.services.accounts.sign_up(email, PASSWORD)
        sign_in(client, email)
    failures = {}
    for path in _pages(world):
        response = client.get(path)
        assert response.status_code in (200, 301), (path, response.status_code)
        found = _page_problems(response.text)
        if found:
            failures[path] = found[:5]
    assert not failures, failures
    client.cookies.clear()


def test_the_live_event_stream_carries_only_inert_entries(world: World) -> None:
    since = (NOW - timedelta(days=1)).isoformat()
    world.services.accounts.sign_up("xss-stream@example.org", PASSWORD)
    sign_in(world.client, "xss-stream@example.org")
    text = world.client.get(f"/live/{world.live_id}/events", params={"since": since}).text
    payloads = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    assert payloads, "the stream sent no entries"
    for data in payloads:
        assert not problems(data.get("html", "")), data["id"]
    world.client.cookies.clear()


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_feeds_out_carry_only_inert_markup(world: World, fmt: FeedFormat) -> None:
    doc = FeedDocument("Hostile", "https://news.example/feeds/hostile.xml", "https://news.example/", NOW)
    items = [
        FeedItem(a, Access(True, AccessReason.MEMBER, 0), link=f"https://news.example/article/{a.id}",
                 publisher_name="Hostile <b>Press</b>")
        for a in world.articles
        if a.kind is not ArticleKind.LIVEBLOG
    ]  # fmt: skip
    written = write_feed(fmt, doc, items)
    if fmt is FeedFormat.JSON:
        feed = json.loads(written)
        bodies = [i.get("content_html", "") + i.get("summary", "") for i in feed["items"]]
        links = [i.get("url", "") for i in feed["items"]]
    else:
        root = etree.fromstring(written)
        # The elements that carry HTML (RSS description and content:encoded, Atom content and
        # summary of type html); titles and names are plain text by the formats' rules.
        html_elements = {"description", "encoded", "content", "summary"}
        bodies = [
            el.text
            for el in root.iter()
            if isinstance(el.tag, str) and etree.QName(el).localname in html_elements and el.text
        ]
        assert bodies
        links = [el.get("href", "") for el in root.iter() if el.get("href")]
        links += [el.text or "" for el in root.iter() if etree.QName(el).localname == "link"]
    for body in bodies:
        assert not problems(body), problems(body)[:3]
    assert not any(link.strip().lower().startswith("javascript:") for link in links)


def _html_fields(value: object) -> Iterator[str]:
    """Every ``*_html`` field in an API answer (other strings are plain text by the API's
    schema: a client shows them as text)."""
    if isinstance(value, dict):
        for key, v in value.items():
            if key.endswith("html") and isinstance(v, str):
                yield v
            else:
                yield from _html_fields(v)
    elif isinstance(value, list):
        for v in value:
            yield from _html_fields(v)


def _urls(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, v in value.items():
            if (key == "url" or key.endswith("_url")) and isinstance(v, str):
                yield v
            else:
                yield from _urls(v)
    elif isinstance(value, list):
        for v in value:
            yield from _urls(v)


def test_api_answers_carry_only_inert_markup(world: World) -> None:
    reader = world.services.accounts.sign_up("xss-api@example.org", PASSWORD)
    grant = world.services.tokens.create(reader.id, "xss")
    headers = {"Authorization": f"Bearer {grant.secret}"}
    paths = [
        "/api/v1/articles?limit=100",
        "/api/v1/search?q=alert",
        f"/api/v1/articles/{world.live_id}/entries",
    ]
    paths += [f"/api/v1/articles/{a.id}" for a in world.articles]
    checked = 0
    for path in paths:
        response = world.client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text[:200])
        answer = response.json()
        for text in _html_fields(answer):
            assert not problems(text), (path, problems(text)[:3])
            checked += "<" in text
        for url in _urls(answer):
            assert not re.match(r"\s*(javascript|vbscript|data):", url, re.I), (path, url)
    assert checked > 10
