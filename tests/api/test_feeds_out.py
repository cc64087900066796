"""Feeds out through the web app, on SQLite and PostgreSQL: RSS 2.0, Atom and JSON Feed for a
publisher, a section, a story, a search and a reader's For you, each read back with feedparser;
anonymous feeds carry only the paywall's preview, a reader's private For you feed what their
membership allows, and a revoked address stops working."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import fastfeedparser
import feedparser
import httpx
import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import Facet, StoryWrite
from newsstand.store import SqlStore
from web.conftest import NOW, PASSWORD, Clock, Edition, post_form, sign_in

from .conftest import SECRET_WORD

FORMATS = ("rss", "atom", "json")


@dataclass
class Entry:
    title: str
    link: str
    text: str  # every body and summary it carries


@dataclass
class Parsed:
    title: str
    entries: list[Entry]


def parse(response: httpx.Response) -> Parsed:
    """The feed read back by a well-kept parser: feedparser for RSS and Atom, fastfeedparser for
    JSON Feed (feedparser 6 does not read it)."""
    if "json" in response.headers["content-type"]:
        data = fastfeedparser.parse(response.content)
        entries = [
            Entry(e["title"], e["link"], str(e.get("content", "")) + str(e.get("description", "")))
            for e in data["entries"]
        ]
        return Parsed(data["feed"]["title"], entries)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = [
        Entry(e.title, e.link, " ".join(c["value"] for c in e.get("content", [])) + e.get("summary", ""))
        for e in parsed.entries
    ]
    return Parsed(parsed.feed.title, entries)


def read_back(client: TestClient, path: str) -> Parsed:
    response = client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    assert SECRET_WORD not in response.text
    return parse(response)


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_feeds_read_back(client: TestClient, edition: Edition, store: SqlStore, fmt: str) -> None:
    harbour = read_back(client, f"/feeds/publisher/harbour-post.{fmt}")
    assert harbour.title == "Harbour Post on Newsstand"
    assert [e.title for e in harbour.entries] == [
        "Harbour cranes return after the long strike",
        "Ferry operator orders two electric vessels",
    ]
    assert harbour.entries[0].link.endswith(f"/article/{edition.articles['open']}")
    science = read_back(client, f"/feeds/section/Science.{fmt}")
    assert [e.title for e in science.entries] == ["Glacier survey finds meltwater lakes growing"]
    found = read_back(client, f"/feeds/search.{fmt}?q=harbour+accounts")
    assert [e.title for e in found.entries] == ["Harbour accounts show a hidden surplus"]
    store.save_stories(
        [
            StoryWrite(
                key=-1,
                title="Harbour week",
                first_seen=NOW - timedelta(hours=4),
                last_updated=NOW,
                lead_article_id=edition.articles["open"],
                article_ids=(edition.articles["open"], edition.articles["premium"]),
            )
        ]
    )
    story_id = store.recent_stories(1)[0].id
    story = read_back(client, f"/feeds/story/{story_id}.{fmt}")
    assert {e.title for e in story.entries} == {
        "Harbour cranes return after the long strike",
        "Harbour accounts show a hidden surplus",
    }


def test_anonymous_feeds_carry_only_the_preview(client: TestClient, edition: Edition) -> None:
    for fmt in FORMATS:
        quay = read_back(client, f"/feeds/publisher/quay-review.{fmt}")
        assert "Opening paragraph 1" in quay.entries[0].text and "Continue reading" in quay.entries[0].text
    assert client.get("/feeds/publisher/nobody.rss").status_code == 404
    assert client.get("/feeds/publisher/harbour-post.xml").status_code == 404
    assert client.get("/feeds/search.rss").status_code == 400


def test_for_you_at_a_private_address(
    client: TestClient, services: Services, edition: Edition, clock: Clock
) -> None:
    reader = services.accounts.sign_up("feeds@example.org", PASSWORD)
    services.interests.follow(reader.id, Facet.PUBLISHER, "quay-review")
    sign_in(client, "feeds@example.org")
    made = post_form(client, "/account", "/account/for-you-feed", {})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    address = made.text.split('class="feed-url">', 1)[1].split("<", 1)[0]
    path = address.split("testserver", 1)[1]
    client.cookies.clear()  # a feed reader has no session: the address alone speaks for the reader
    for fmt in FORMATS:
        response = client.get(path.replace(".atom", f".{fmt}"))
        assert response.status_code == 200 and response.headers["cache-control"] == "private, no-store"
        parsed = parse(response)
        assert parsed.entries[0].title == "Harbour accounts show a hidden surplus"
        assert SECRET_WORD in response.text  # a reader in their trial reads in full
    clock.advance(days=services.settings.trial_days + 1)
    assert SECRET_WORD not in client.get(path).text  # lapsed: the preview only
    token = next(t for t in services.tokens.tokens(reader.id) if t.name == "For you feed")
    services.tokens.revoke(reader.id, token.id)
    assert client.get(path).status_code == 404


def test_listing_pages_announce_their_feeds(client: TestClient, edition: Edition) -> None:
    page = client.get("/publisher/harbour-post").text
    link = '<link rel="alternate" type="application/atom+xml" title="Harbour Post (Atom)"'
    assert f'{link} href="/feeds/publisher/harbour-post.atom">' in page
    section = client.get("/section/Science").text
    assert 'href="/feeds/section/Science.rss"' in section
    assert client.get("/feeds/section/Science.rss").status_code == 200
