"""Fixtures for the web reader: a real SQLite store, a movable clock and the ASGI app.

``seed`` fills the store with a small edition written for these tests: one open and
one partner publisher, articles in two sections, and a live blog with entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.config import Settings, load_settings
from newsstand.model import (
    Article,
    ArticleKind,
    Feed,
    Image,
    LicenceTier,
    LiveEntry,
    Publisher,
    Reader,
    Role,
)
from newsstand.store import SqlStore, open_store
from newsstand.web import create_app
from support import make_services

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Edition:
    """Ids of what ``seed`` stored."""

    articles: dict[str, int] = field(default_factory=dict)
    live_id: int = 0
    feed_ids: list[int] = field(default_factory=list)


def make_settings(data_dir: Path, **extra: str) -> Settings:
    env = {
        "NEWSSTAND_DATA_DIR": str(data_dir),
        "NEWSSTAND_SECRET_KEY": "test-secret-key-for-web-tests",
        "NEWSSTAND_HOME_CACHE_SECONDS": "0",
        "NEWSSTAND_LIVE_POLL_SECONDS": "0.05",
        "NEWSSTAND_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    env.update(extra)
    return load_settings(environ=env, config_file=None)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def web_store(web_settings: Settings) -> Iterator[SqlStore]:
    store = open_store(web_settings)
    yield store
    store.close()


@pytest.fixture
def services(web_store: SqlStore, web_settings: Settings, clock: Clock) -> Services:
    return make_services(web_store, web_settings, clock)


@pytest.fixture
def app(web_settings: Settings, services: Services) -> Starlette:
    application = create_app(web_settings, services=services)
    application.state.web.stream_seconds = 0.3
    return application


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def body_html(paragraphs: int, topic: str) -> str:
    return "".join(
        f"<p>Paragraph {i} about {topic}, written for the web tests.</p>" for i in range(1, paragraphs + 1)
    )


def seed(store: SqlStore, now: datetime = NOW, *, images: bool = True) -> Edition:
    """A small edition: open publisher 'harbour-post', partner publisher 'northern-ledger'."""
    edition = Edition()
    store.add_publisher(
        Publisher(
            "harbour-post",
            "Harbour Post",
            "https://harbour.example",
            "GB",
            "en",
            sections=("World", "Business"),
            licence_tier=LicenceTier.OPEN,
        )
    )
    store.add_publisher(
        Publisher(
            "northern-ledger",
            "Northern Ledger",
            "https://ledger.example",
            "DE",
            "de",
            sections=("World", "Science"),
            licence_tier=LicenceTier.PARTNER,
        )
    )
    for pub, section in (("harbour-post", "World"), ("northern-ledger", "Science")):
        feed = store.add_feed(Feed(f"https://{pub}.example/{section.lower()}.xml", pub, section))
        assert feed.id is not None
        edition.feed_ids.append(feed.id)
    specs = [
        ("open", "harbour-post", "World", "Harbour cranes return after the long strike", "cranes"),
        ("paid", "northern-ledger", "Science", "Glacier survey finds meltwater lakes growing", "glaciers"),
        ("business", "harbour-post", "Business", "Ferry operator orders two electric vessels", "ferries"),
    ]
    for i, (key, pub, section, title, topic) in enumerate(specs):
        article = Article(
            publisher_id=pub,
            url=f"https://{pub}.example/{key}",
            title=title,
            published=now - timedelta(hours=2 + i),
            standfirst=f"A standfirst about {topic}.",
            authors=("Ada Quill", "Ben Oar"),
            section=section,
            sections=(section,),
            body_html=body_html(8, topic),
            body_text=f"About {topic}. " * 20,
            language="en",
            images=()
            if not images
            else (
                Image(
                    "https://img.example/lead.jpg",
                    caption=f"A picture of {topic}.",
                    credit="Photograph: Test Desk",
                    width=1200,
                    height=675,
                ),
            ),
            full_text=True,
        )
        edition.articles[key] = store.upsert_article(article).article_id
    live = Article(
        publisher_id="northern-ledger",
        url="https://northern-ledger.example/live",
        title="Storm over the bay – live",
        published=now - timedelta(hours=1),
        standfirst="Updates as the storm passes.",
        section="World",
        sections=("World",),
        kind=ArticleKind.LIVEBLOG,
        body_html="",
        language="en",
    )
    edition.live_id = store.upsert_article(live).article_id
    entries = [
        LiveEntry(
            "summary",
            now - timedelta(minutes=50),
            "What we know so far",
            "<p>Winds are easing.</p>",
            "Winds are easing.",
            pinned=True,
            summary=True,
        ),
        LiveEntry(
            "e1",
            now - timedelta(minutes=45),
            "Harbour closed",
            "<p>The harbour closed at noon.</p>",
            "The harbour closed at noon.",
            key_event=True,
        ),
        LiveEntry(
            "e2",
            now - timedelta(minutes=30),
            "",
            "<p>Ferries wait offshore.</p>",
            "Ferries wait offshore.",
            updated=now - timedelta(minutes=20),
            marked_updated=True,
        ),
        LiveEntry(
            "e3",
            now - timedelta(minutes=10),
            "Power restored",
            "<p>Power is back in the old town.</p>",
            "Power is back in the old town.",
            key_event=True,
        ),
    ]
    store.merge_live_entries(edition.live_id, entries)
    return edition


@pytest.fixture
def edition(web_store: SqlStore) -> Edition:
    return seed(web_store)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def post_form(client: TestClient, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Load ``page`` for its CSRF token (and cookie), then post ``data`` to ``action``."""
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def make_reader(services: Services, email: str, role: Role = Role.READER, trial: bool = True) -> Reader:
    return services.accounts.sign_up(email, PASSWORD, role=role, start_trial=trial)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    response = post_form(client, "/signin", "/signin", {"email": email, "password": password, "next": "/"})
    assert response.status_code == 303, response.text


def record_history(store: SqlStore, feed_ids: list[int], now: datetime) -> None:
    """Two days of fetches: the first feed healthy, the second failing for its last few polls."""
    from newsstand.model import FeedState, FetchRecord

    for index, feed_id in enumerate(feed_ids):
        failures = 0
        for step in range(24, 0, -1):
            at = now - timedelta(hours=2 * step - 1)
            failing = index == 1 and step <= 6
            failures = failures + 1 if failing else 0
            error = "HTTP 503 from the publisher" if failing else ""
            record = FetchRecord(
                feed_id,
                at,
                503 if failing else 200,
                120.0,
                0 if failing else 48_000,
                error=error,
                consecutive_failures=failures,
            )
            state = FeedState(
                feed_id,
                last_fetched=at,
                last_success=None if failing else at,
                consecutive_failures=failures,
                last_error=error,
                failing=failures >= 5,
                next_poll=now + timedelta(minutes=10),
            )
            store.record_fetch(record, state)
