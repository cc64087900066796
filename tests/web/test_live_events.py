"""The live blog's event stream: entries new or updated since T, for readers allowed to see them."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

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


def test_closed_streams_leave_nothing_behind(tmp_path: Path) -> None:
    """What bench/soak.py's reconnecting streams rely on: once clients close their streams,
    the process keeps neither their wake-up events nor their per-client slots."""
    import time

    import httpx

    from newsstand.store import open_store
    from newsstand.web import create_app
    from support import make_services, served

    from .conftest import make_settings, seed

    settings = make_settings(tmp_path, NEWSSTAND_LIVE_POLL_SECONDS="0.1")
    store = open_store(settings)
    try:
        edition = seed(store)
        app = create_app(settings, services=make_services(store, settings))
        web = app.state.web
        url = f"/live/{edition.live_id}/events"
        with served(app) as base, httpx.Client(base_url=base, timeout=10) as http:
            for _ in range(3):  # open and close, as a reconnecting page does
                opened = [http.stream("GET", url) for _ in range(4)]
                assert all(s.__enter__().status_code == 200 for s in opened)
                deadline = time.monotonic() + 10
                while (
                    len(web.live_signals._waiting.get(edition.live_id, ())) < 4
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.05)
                assert len(web.live_signals._waiting.get(edition.live_id, ())) == 4
                for s in opened:
                    s.__exit__(None, None, None)
                deadline = time.monotonic() + 10
                while (web.streams.open or web.live_signals._waiting) and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert web.streams.open == {} and dict(web.live_signals._waiting) == {}
    finally:
        store.close()
