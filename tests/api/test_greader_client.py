"""A third-party Google Reader client from PyPI (``google-reader``, by Miniflux's author, tested by
them against Miniflux and FreshRSS) against a real server on 127.0.0.1, on SQLite and PostgreSQL.

It signs in with an app password, subscribes (quickadd to a feed in the catalog, subscription/edit
to another, quickadd to a feed outside the catalog that a server on 127.0.0.1 serves, which the
operator's ``readers_may_add_feeds`` lets in), syncs item ids and contents, marks one item read and
one starred, and a fresh client instance, signed in anew, sees both changes.

The package declares Python 3.12 or later but runs on 3.11; without it the test is skipped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from ingest.conftest import FeedServer, Route
from newsstand.app import Services
from newsstand.config import Settings
from newsstand.ingest.pipeline import Ingestor
from newsstand.model import Reader, utcnow
from newsstand.store import SqlStore
from newsstand.web import create_app
from support import make_services, served
from web.conftest import PASSWORD, seed

from .conftest import api_settings

google_reader = pytest.importorskip("google_reader")

EMAIL = "greader@example.org"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"


def outside_feed(count: int) -> bytes:
    """An RSS feed of ``count`` recent items from a site the catalog does not know."""
    now = utcnow()
    items = "".join(
        f"<item><title>Voice from outside {n}</title><link>https://outside.example/{n}</link>"
        f"<guid>https://outside.example/{n}</guid><pubDate>{format_datetime(now - timedelta(hours=n))}"
        f"</pubDate><description>A paragraph the outside site wrote, number {n}.</description></item>"
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Outside Voice</title>'
        f"<link>https://outside.example/</link><language>en</language>{items}</channel></rss>"
    ).encode()


@dataclass
class Site:
    url: str
    store: SqlStore
    settings: Settings
    services: Services
    reader: Reader
    password: str
    feeds: FeedServer


@pytest.fixture
def site(store: SqlStore, store_settings: Settings) -> Iterator[Site]:
    # the outside feed lives on 127.0.0.1, which the fetcher refuses unless told otherwise
    settings = api_settings(store_settings).replace(
        readers_may_add_feeds=True, allow_private_addresses="127.0.0.1/32", fetch_full_text=False
    )
    services = make_services(store, settings)
    # without lead images: the client reads an enclosure as Miniflux writes it ({url, type}) and
    # fails on Google Reader's and FreshRSS's {href, type}, which Newsstand keeps (docs/apps.md)
    seed(store, utcnow(), images=False)
    reader = services.accounts.sign_up(EMAIL, PASSWORD)
    password = services.app_passwords.create(reader.id)
    feeds = FeedServer()
    feeds.routes["/outside.xml"] = Route(outside_feed(2))
    try:
        with served(create_app(settings, services=services)) as url:
            yield Site(url, store, settings, services, reader, password, feeds)
    finally:
        feeds.close()


def signed_in(url: str, password: str) -> tuple[Any, Any, str]:
    """A new client, signed in: (client, auth, edit token)."""
    client = google_reader.Client(url, user_agent="newsstand-test")
    auth = client.login(EMAIL, password)
    return client, auth, client.get_token(auth)


def unread_ids(client: Any, auth: Any) -> set[str]:
    return {ref.id for ref in client.get_stream_items_ids(auth, READING_LIST, exclude_target=READ).item_refs}


def test_a_google_reader_client_from_pypi_subscribes_syncs_and_marks(site: Site) -> None:
    with pytest.raises(google_reader.AuthenticationError):
        google_reader.Client(site.url).login(EMAIL, PASSWORD)  # the sign-in password is not an app's
    client, auth, token = signed_in(site.url, site.password)
    assert client.get_user_info(auth).user_email == EMAIL
    assert client.list_subscriptions(auth) == []

    added = client.quick_add_subscription(auth, token, "https://harbour-post.example/world.xml")
    assert added.stream_id == "feed/https://harbour-post.example/world.xml"
    science = "feed/https://northern-ledger.example/science.xml"
    assert client.edit_subscription(auth, token, science, "subscribe")
    outside = site.feeds.url("/outside.xml")
    assert client.quick_add_subscription(auth, token, outside).stream_id == f"feed/{outside}"
    # the server's ingestion then fetches the new feed through its safe fetcher
    new_feed = site.services.catalog.find_feed(outside)
    asyncio.run(Ingestor(site.store, site.settings).run_once([new_feed]))
    assert site.feeds.hits["/outside.xml"] == 1

    subscriptions = {s.url: s.title for s in client.list_subscriptions(auth)}
    assert set(subscriptions) == {
        "https://harbour-post.example/world.xml",
        "https://northern-ledger.example/science.xml",
        outside,
    }
    assert {"Harbour Post", "Northern Ledger"} < set(subscriptions.values())

    # sync: the unread ids, then their contents
    unread = unread_ids(client, auth)
    items = {i.title: i for i in client.get_stream_items_contents(auth, token, sorted(unread)).items}
    assert len(items) == len(unread) == 6  # 4 from the two publishers, 2 from outside
    assert {"Voice from outside 1", "Voice from outside 2"} < set(items)
    from_outside = items["Voice from outside 1"]
    assert from_outside.origin.stream_id == f"feed/{outside}"
    assert "the outside site wrote, number 1" in from_outside.summary.content

    # mark one read and star another (ids as the stream gave them: long form)
    opened, kept = from_outside.id, items["Voice from outside 2"].id
    assert client.edit_tags(auth, token, [opened], add_tags=[READ])
    assert client.edit_tags(auth, token, [kept], add_tags=[STARRED])

    # a fresh client, signed in anew, sees both changes
    again, auth2, _ = signed_in(site.url, site.password)
    long_ids = {google_reader.get_long_item_id(int(i)) for i in unread_ids(again, auth2)}
    assert long_ids == {i.id for i in items.values()} - {opened}
    starred = again.get_stream_items_ids(auth2, STARRED).item_refs
    assert [google_reader.get_long_item_id(int(r.id)) for r in starred] == [kept]
    assert {t.id for t in again.list_tags(auth2)} >= {STARRED}
    # and so does the reader's account on the site
    assert [a.article.title for a in site.services.reading.history(site.reader.id)] == [
        "Voice from outside 1"
    ]


def test_the_client_pages_oldest_first_renames_and_relabels(site: Site) -> None:
    client, auth, token = signed_in(site.url, site.password)
    harbour = "feed/https://harbour-post.example/world.xml"
    client.quick_add_subscription(auth, token, "https://harbour-post.example/world.xml")
    client.edit_subscription(auth, token, "feed/https://northern-ledger.example/science.xml", "subscribe")

    # oldest first, two at a time, through the continuations: the newest-first list reversed
    newest = [r.id for r in client.get_stream_items_ids(auth, READING_LIST).item_refs]
    walked: list[str] = []
    continuation = None
    while True:
        page = client.get_stream_items_ids(
            auth, READING_LIST, limit=2, direction="asc", continuation=continuation
        )
        walked += [r.id for r in page.item_refs]
        if not page.continuation:
            break
        continuation = page.continuation
    assert walked == newest[::-1] and len(walked) >= 4
    # with the client's start_time (ot): still forwards, only what is older
    cut = int((utcnow() - timedelta(hours=3)).timestamp())
    older = client.get_stream_items_ids(auth, READING_LIST, direction="asc", start_time=cut).item_refs
    assert [r.id for r in older] == walked[: len(older)] and 0 < len(older) < len(walked)

    # rename and label in one edit, then rename the label: the reader's own names
    assert client.edit_subscription(
        auth, token, harbour, "edit", add_label_id="user/-/label/World", title="My harbour"
    )
    assert client.rename_tag(auth, token, "user/-/label/World", "Abroad")
    again, auth2, token2 = signed_in(site.url, site.password)  # a fresh client sees them
    subs = {s.id: s for s in again.list_subscriptions(auth2)}
    assert subs[harbour].title == "My harbour"
    assert [c.id for c in subs[harbour].categories] == ["user/-/label/Abroad"]
    assert [t.id for t in again.list_tags(auth2)] == [STARRED, "user/-/label/Abroad"]
    assert site.services.catalog.get_publisher("harbour-post").name == "Harbour Post"
    assert again.disable_tag(auth2, token2, "user/-/label/Abroad")
    assert [t.id for t in again.list_tags(auth2)] == [STARRED]


def test_the_client_makes_a_folder_sees_it_after_a_fresh_sync_and_reads_its_stream(site: Site) -> None:
    """A label that names no section is the reader's own folder: the client makes it with
    ``edit_subscription``, a fresh client lists it (tag/list, the subscriptions' categories) and
    reads its stream, marks it read, renames it, and deletes it with the subscriptions kept."""
    client, auth, token = signed_in(site.url, site.password)
    harbour = "feed/https://harbour-post.example/world.xml"
    ledger = "feed/https://northern-ledger.example/science.xml"
    folder = google_reader.get_label_id("Evening reading")
    assert folder == "user/-/label/Evening reading"
    client.quick_add_subscription(auth, token, "https://harbour-post.example/world.xml")
    # subscribe and file in one call, as the client's own edit_subscription sends it
    assert client.edit_subscription(auth, token, ledger, "subscribe", add_label_id=folder)

    again, auth2, token2 = signed_in(site.url, site.password)  # a fresh sync
    tags = {t.id: t.type for t in again.list_tags(auth2)}
    assert tags == {STARRED: None, folder: "folder"}
    subs = {s.id: [c.id for c in s.categories] for s in again.list_subscriptions(auth2)}
    assert subs == {harbour: [], ledger: [folder]}
    in_folder = {r.id for r in again.get_stream_items_ids(auth2, folder).item_refs}
    contents = again.get_stream_items_contents(auth2, token2, sorted(in_folder)).items
    assert {i.origin.stream_id for i in contents} == {ledger} and len(contents) == 2
    everything = {r.id for r in again.get_stream_items_ids(auth2, READING_LIST).item_refs}
    assert in_folder < everything

    # mark the folder read: only its items; then rename it and delete it
    assert again.mark_all_as_read(auth2, token2, folder)
    assert unread_ids(again, auth2) == everything - in_folder
    assert again.rename_tag(auth2, token2, folder, "Night reading")
    with pytest.raises(google_reader.ClientError):  # a section's name is not a folder's
        again.rename_tag(auth2, token2, "user/-/label/Night reading", "World")
    assert [t.id for t in signed_in(site.url, site.password)[0].list_tags(auth2)] == [
        STARRED,
        "user/-/label/Night reading",
    ]
    assert again.delete_tag(auth2, token2, "user/-/label/Night reading")
    assert [t.id for t in again.list_tags(auth2)] == [STARRED]
    assert {s.id for s in again.list_subscriptions(auth2)} == {harbour, ledger}  # still followed
