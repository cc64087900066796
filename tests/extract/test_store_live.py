"""End to end: three successive fetches of a changing live blog, stored through the Store."""

from __future__ import annotations

from datetime import UTC, datetime

from newsstand.app.catalog import resolve_publisher
from newsstand.extract import extract_page
from newsstand.extract.article import article_from_page
from newsstand.ingest.pages import save_page
from newsstand.store import SqlStore

from .pages import Block, live_page

URL = "https://news.example.org/weather/live/storm"
B1 = Block("aa01", "2025-03-02T07:00:00Z", "Good morning", ["Welcome to our coverage of the storm."])
B2 = Block("aa02", "2025-03-02T08:10:00Z", "Ferries cancelled", ["All crossings are off today."])
B3 = Block("aa03", "2025-03-02T09:00:00Z", "Bridge closed", ["The coast road bridge is shut."])
B2_EDITED = Block(
    "aa02",
    "2025-03-02T08:10:00Z",
    "Ferries cancelled",
    ["All crossings are off today and tomorrow."],
    updated="2025-03-02T09:20:00Z",
)
B4 = Block("aa04", "2025-03-02T10:00:00Z", "Summary of the day so far", ["Roads closed, ferries off."])


def _fetch(store: SqlStore, blocks: list[Block]) -> tuple[int, object]:
    page = extract_page(live_page(blocks), URL)
    publisher = resolve_publisher(store, "Example Gazette", create=True, url=URL)
    stored = save_page(store, article_from_page(page, publisher_id=publisher.id), page)
    return stored.upsert.article_id, stored.live


def test_three_fetches_of_a_changing_blog(store: SqlStore) -> None:
    article_id, first = _fetch(store, [B3, B2, B1])
    assert first is not None and sorted(first.added) == ["aa01", "aa02", "aa03"]

    # second fetch: one entry edited, one new, one taken down by the publisher
    again_id, second = _fetch(store, [B4, B2_EDITED, B1])
    assert again_id == article_id
    assert second is not None
    assert second.added == ("aa04",) and second.updated == ("aa02",) and second.deleted == ("aa03",)
    assert second.unchanged == 1

    # third fetch: nothing changed; nothing is duplicated or revised
    _, third = _fetch(store, [B4, B2_EDITED, B1])
    assert third is not None and (third.added, third.updated, third.deleted) == ((), (), ())

    entries = store.live_entries(article_id)
    assert [e.entry_id for e in entries] == ["aa04", "aa02", "aa01"]  # newest first, deleted hidden
    edited = entries[1]
    assert edited.revision == 2 and edited.body_text == "All crossings are off today and tomorrow."
    assert edited.updated == datetime(2025, 3, 2, 9, 20, tzinfo=UTC)
    assert entries[0].summary
    everything = store.live_entries(article_id, include_deleted=True)
    assert {e.entry_id: e.deleted for e in everything}["aa03"] is True
    assert store.count_articles() == 1
