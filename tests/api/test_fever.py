"""The Fever API through the web app, on SQLite and PostgreSQL: the key, groups and feeds (the
reader's subscriptions), favicons, items by since_id/max_id/with_ids, unread and saved ids, and
marking items, feeds and groups with ``before``; the paywall holds. Then a third-party Fever
client from PyPI (freshrss-api) against a real server."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import Facet, Reader, utcnow
from newsstand.store import SqlStore
from newsstand.web import create_app
from support import make_services, served
from web.conftest import NOW, PASSWORD, Clock, Edition, make_settings, seed

from .conftest import SECRET_WORD


def fever_key(email: str, password: str) -> str:
    return hashlib.md5(f"{email}:{password}".encode()).hexdigest()


class Fever:
    def __init__(self, client: TestClient, key: str, path: str = "/fever/") -> None:
        self.client, self.key, self.path = client, key, path

    def call(self, *flags: str, **params: object) -> dict[str, Any]:
        query = "&".join(["api", *flags, *(f"{k}={v}" for k, v in params.items())])
        response = self.client.post(f"{self.path}?{query}", data={"api_key": self.key})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["api_version"] == 3 and body["auth"] == 1
        return body


def reader_with_key(services: Services, email: str) -> tuple[Reader, str]:
    reader = services.accounts.sign_up(email, PASSWORD)
    for pid in ("harbour-post", "northern-ledger", "quay-review"):
        services.interests.follow(reader.id, Facet.PUBLISHER, pid)
    services.interests.follow(reader.id, Facet.SECTION, "World")
    return reader, fever_key(email, services.app_passwords.create(reader.id))


def test_a_wrong_key_is_refused_as_fever_says(
    client: TestClient, services: Services, edition: Edition
) -> None:
    reader_with_key(services, "key@example.org")
    wrong = client.post("/fever/?api", data={"api_key": fever_key("key@example.org", PASSWORD)})
    # Fever says "auth": 0 in a 200 answer; its clients know no other failure signal
    assert wrong.status_code == 200 and wrong.json()["auth"] == 0 and wrong.json()["error"]
    assert client.post("/fever/?api").json()["auth"] == 0


def test_groups_feeds_and_favicons(client: TestClient, services: Services, edition: Edition) -> None:
    _, key = reader_with_key(services, "groups@example.org")
    fever = Fever(client, key)
    body = fever.call("groups", "feeds", "favicons")
    assert [g["title"] for g in body["groups"]] == ["World"]
    feeds = {f["title"]: f for f in body["feeds"]}
    assert set(feeds) == {"Harbour Post", "Northern Ledger"}  # quay-review has no feed to number it by
    world = body["groups"][0]["id"]
    grouped = {g["group_id"]: set(map(int, g["feed_ids"].split(","))) for g in body["feeds_groups"]}
    assert grouped == {world: {feeds["Harbour Post"]["id"], feeds["Northern Ledger"]["id"]}}
    icons = {i["id"]: i["data"] for i in body["favicons"]}
    assert icons[feeds["Harbour Post"]["favicon_id"]].startswith("image/svg+xml;base64,")


def test_items_by_id_and_state(
    client: TestClient, services: Services, edition: Edition, clock: Clock
) -> None:
    _, key = reader_with_key(services, "items@example.org")
    fever = Fever(client, key, path="/api/fever.php")  # FreshRSS's path answers as well
    every = sorted([*edition.articles.values(), edition.live_id])
    newest = fever.call("items")
    assert [i["id"] for i in newest["items"]] == sorted(every, reverse=True) and newest["total_items"] == 5
    assert [i["id"] for i in fever.call("items", since_id=every[1])["items"]] == every[2:]
    assert [i["id"] for i in fever.call("items", max_id=every[2])["items"]] == every[1::-1]
    assert [i["id"] for i in fever.call("items", with_ids=f"{every[0]},{every[3]}")["items"]] == [
        every[0],
        every[3],
    ]

    unread = fever.call("unread_item_ids")["unread_item_ids"]
    assert sorted(map(int, unread.split(","))) == every
    opened = edition.articles["open"]
    after = fever.call(mark="item", **{"as": "read"}, id=opened)
    assert str(opened) not in after["unread_item_ids"].split(",")
    fever.call(mark="item", **{"as": "saved"}, id=opened)
    assert fever.call("saved_item_ids")["saved_item_ids"] == str(opened)
    item = fever.call("items", with_ids=opened)["items"][0]
    assert item["is_read"] == 1 and item["is_saved"] == 1
    fever.call(mark="item", **{"as": "unsaved"}, id=opened)
    fever.call(mark="item", **{"as": "unread"}, id=opened)
    assert fever.call("saved_item_ids")["saved_item_ids"] == ""
    assert str(opened) in fever.call("unread_item_ids")["unread_item_ids"].split(",")


def test_marking_feeds_and_groups_read_before_a_time(
    client: TestClient, services: Services, edition: Edition
) -> None:
    _, key = reader_with_key(services, "mark@example.org")
    fever = Fever(client, key)
    feeds = {f["title"]: f["id"] for f in fever.call("feeds")["feeds"]}
    before = int((NOW - timedelta(hours=2, minutes=30)).timestamp())
    # Harbour Post: "open" (2 h old) stays unread, "business" (4 h old) is marked read
    left = fever.call(mark="feed", **{"as": "read"}, id=feeds["Harbour Post"], before=before)[
        "unread_item_ids"
    ]
    unread = set(map(int, left.split(",")))
    assert edition.articles["business"] not in unread and edition.articles["open"] in unread
    group = fever.call("groups")["groups"][0]["id"]
    fever.call(mark="group", **{"as": "read"}, id=group, before=int(NOW.timestamp()))
    unread = set(map(int, fever.call("unread_item_ids")["unread_item_ids"].split(",")))
    assert edition.articles["open"] not in unread and edition.live_id not in unread
    fever.call(mark="group", **{"as": "read"}, id=0)  # Kindling: everything
    assert fever.call("unread_item_ids")["unread_item_ids"] == ""


def test_the_paywall_holds(client: TestClient, services: Services, edition: Edition, clock: Clock) -> None:
    reader, key = reader_with_key(services, "lapsed@example.org")
    services.reading.save(reader.id, edition.articles["premium"])
    clock.advance(days=services.settings.trial_days + 1)
    fever = Fever(client, key)
    premium = edition.articles["premium"]
    answers = [fever.call("items", with_ids=premium), fever.call("items"), fever.call("items", since_id=0)]
    assert all(SECRET_WORD not in str(a) for a in answers)
    html = answers[0]["items"][0]["html"]
    assert "Opening paragraph 1" in html and "Continue reading" in html


@pytest.fixture
def real_site(sqlite_store: SqlStore, tmp_path: Path) -> Iterator[tuple[str, Services, Reader, str]]:
    settings = make_settings(tmp_path / "data")
    services = make_services(sqlite_store, settings)
    seed(sqlite_store, utcnow())
    reader = services.accounts.sign_up("fever@example.org", PASSWORD)
    for pid in ("harbour-post", "northern-ledger"):
        services.interests.follow(reader.id, Facet.PUBLISHER, pid)
    password = services.app_passwords.create(reader.id)
    with served(create_app(settings, services=services)) as url:
        yield url, services, reader, password


def test_a_fever_client_from_pypi_syncs_and_marks(real_site: tuple[str, Services, Reader, str]) -> None:
    freshrss_api = pytest.importorskip("freshrss_api")
    url, services, reader, password = real_site
    with pytest.raises(freshrss_api.AuthenticationError):
        freshrss_api.FreshRSSAPI(host=url, username="fever@example.org", password="wrong")
    app = freshrss_api.FreshRSSAPI(host=url, username="fever@example.org", password=password)
    assert {f["title"] for f in app.get_feeds()["feeds"]} == {"Harbour Post", "Northern Ledger"}
    unread = app.get_unreads()
    assert len(unread) == 4
    app.set_mark(as_="read", id=unread[0].id)
    app.set_mark(as_="saved", id=unread[1].id)
    # a fresh client sees both changes
    again = freshrss_api.FreshRSSAPI(host=url, username="fever@example.org", password=password)
    assert {i.id for i in again.get_unreads()} == {i.id for i in unread[1:]}
    assert [i.id for i in again.get_saved()] == [unread[1].id]
    assert {a.article.id for a in services.reading.history(reader.id)} == {unread[0].id}
