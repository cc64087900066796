"""Fixtures for the JSON API: the web app (which mounts it) over a real store, on SQLite and
PostgreSQL, with the web tests' small edition plus a premium publisher whose article ends in a
word that must never reach a reader without access."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.model import Article, LicenceTier, Publisher, Reader, Role
from newsstand.store import SqlStore
from newsstand.web import create_app
from support import make_services
from web.conftest import NOW, PASSWORD, Clock, Edition, seed

SECRET_WORD = "zanzibarite"  # only in the premium article's last paragraph
PREMIUM_PARAGRAPHS = 9


def api_settings(settings: Settings, **changes: object) -> Settings:
    base = {
        "secret_key": "test-secret-key-for-api-tests",
        "home_cache_seconds": 0.0,
        "api_requests_per_minute": 10_000,
        "api_anonymous_requests_per_minute": 10_000,
    }
    return dataclasses.replace(settings, **{**base, **changes})  # type: ignore[arg-type]


def premium_body() -> str:
    paragraphs = [
        f"<p>Opening paragraph {i} on the harbour accounts.</p>" for i in range(1, PREMIUM_PARAGRAPHS)
    ]
    paragraphs.append(f"<p>The last paragraph names the {SECRET_WORD} deposit at last.</p>")
    return "".join(paragraphs)


def seed_api(store: SqlStore, now: datetime = NOW) -> Edition:
    """The web tests' edition, and ``premium``: an article of a premium publisher."""
    edition = seed(store, now)
    store.add_publisher(
        Publisher(
            "quay-review",
            "Quay Review",
            "https://quay.example",
            "GB",
            "en",
            sections=("Business",),
            licence_tier=LicenceTier.PREMIUM,
        )
    )
    article = Article(
        publisher_id="quay-review",
        url="https://quay.example/accounts",
        title="Harbour accounts show a hidden surplus",
        published=now - timedelta(minutes=30),
        standfirst="What the harbour's books say.",
        section="Business",
        sections=("Business",),
        body_html=premium_body(),
        body_text=" ".join(["Opening paragraph on the harbour accounts."] * 8 + [f"names the {SECRET_WORD}"]),
        language="en",
        full_text=True,
    )
    edition.articles["premium"] = store.upsert_article(article).article_id
    return edition


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(store_settings: Settings) -> Settings:
    return api_settings(store_settings)


@pytest.fixture
def services(store: SqlStore, settings: Settings, clock: Clock) -> Services:
    return make_services(store, settings, clock)


@pytest.fixture
def edition(store: SqlStore) -> Edition:
    return seed_api(store)


@pytest.fixture
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    app = create_app(settings, services=services)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def reader_with_token(
    services: Services, email: str, *, trial: bool = True, role: Role = Role.READER
) -> tuple[Reader, dict[str, str]]:
    """A reader and the Authorization header of a fresh token of theirs."""
    reader = services.accounts.sign_up(email, PASSWORD, role=role, start_trial=trial)
    grant = services.tokens.create(reader.id, "test app")
    return reader, {"Authorization": f"Bearer {grant.secret}"}
