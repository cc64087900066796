"""The live blog's event stream: entries new or updated since T, for readers allowed to see them."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import LiveEntry, LiveMergeScope
from newsstand.store import SqlStore

from .conftest import NOW, Edition, make_reader, sign_in


def events_of(text: str) -> list[dict[str, str]]:
    return [json.loads(m) for m in re.findall(r"^event: entry\nid: [^\n]+\ndata: (.+)$", text, flags=re.M)]


def test_stream_sends_entries_added_after_the_page_was_drawn(
    client: TestClient, services: Services, edition: Edition, web_store: SqlStore
) -> None:
    make_reader(services, "live@example.org")
    sign_in(client, "live@example.org")
    page = client.get(f"/live/{edition.live_id}").text
    stream_url = re.search(r'data-live-events="([^"]+)"', page)
    assert stream_url
    url = stream_url.group(1).replace("&amp;", "&")
    assert events_of(client.get(url).text) == []  # nothing new yet
    web_store.merge_live_entries(
        edition.live_id,
        [
            LiveEntry(
                "e4",
                NOW + timedelta(minutes=1),
                "Bridge reopens",
                "<p>Traffic flows again.</p>",
                "Traffic flows again.",
            )
        ],
        scope=LiveMergeScope.ADD_ONLY,
    )
    response = client.get(url)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = events_of(response.text)
    assert [e["id"] for e in events] == ["e4"]
    assert events[0]["anchor"] == "entry-e4" and "Bridge reopens" in events[0]["html"]
    # A reconnect with Last-Event-ID resumes after the last event seen.
    again = client.get(f"/live/{edition.live_id}/events", headers={"Last-Event-ID": "2026-11-20T12:01:00Z"})
    assert events_of(again.text) == []


def test_stream_sends_nothing_behind_the_paywall(
    client: TestClient, edition: Edition, web_store: SqlStore
) -> None:
    web_store.merge_live_entries(
        edition.live_id,
        [LiveEntry("e5", NOW + timedelta(minutes=2), "Hidden", "<p>Members only.</p>", "Members only.")],
        scope=LiveMergeScope.ADD_ONLY,
    )
    response = client.get(f"/live/{edition.live_id}/events?since=2026-11-20T11:00:00Z")
    assert response.status_code == 200 and events_of(response.text) == []


def test_stream_of_an_article_that_is_not_a_liveblog_is_404(client: TestClient, edition: Edition) -> None:
    assert client.get(f"/live/{edition.articles['open']}/events").status_code == 404


def test_stream_tells_open_pages_that_an_entry_was_deleted(
    client: TestClient, services: Services, edition: Edition, web_store: SqlStore
) -> None:
    make_reader(services, "removed@example.org")
    sign_in(client, "removed@example.org")
    page = client.get(f"/live/{edition.live_id}").text
    url = re.search(r'data-live-events="([^"]+)"', page).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert 'id="entry-e2"' in page
    # The publisher's page now lacks e2, inside the span it shows (e1 is older and still there).
    kept = [e for e in web_store.live_entries(edition.live_id) if e.entry_id != "e2"]
    web_store.merge_live_entries(edition.live_id, kept, scope=LiveMergeScope.WINDOW)
    text = client.get(url).text
    removed = [
        json.loads(m) for m in re.findall(r"^event: remove\nid: [^\n]+\ndata: (.+)$", text, flags=re.M)
    ]
    assert [r["anchor"] for r in removed] == ["entry-e2"] and "html" not in removed[0]
    assert 'id="entry-e2"' not in client.get(f"/live/{edition.live_id}").text
