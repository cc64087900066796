"""Live-blog entries: merge (add, update with revision, mark deleted) and queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from newsstand.errors import NotFoundError
from newsstand.model import ArticleKind, LiveEntry
from newsstand.store import SqlStore

from .helpers import T0, article


def entry(n: int, **changes: object) -> LiveEntry:
    base = LiveEntry(
        entry_id=f"block-{n}",
        posted=T0 + timedelta(minutes=10 * n),
        title=f"Entry {n}",
        body_html=f"<p>Update {n}</p>",
        body_text=f"Update {n}",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def blog_id(store: SqlStore) -> int:
    return store.upsert_article(article(1, kind=ArticleKind.LIVEBLOG)).article_id


def test_merge_adds_updates_and_marks_deleted(store: SqlStore, blog_id: int) -> None:
    first = store.merge_live_entries(blog_id, [entry(1), entry(2, key_event=True), entry(3)])
    assert first.added == ("block-1", "block-2", "block-3") and first.unchanged == 0
    second = store.merge_live_entries(
        blog_id,
        [entry(1), entry(2, key_event=True, body_text="Update 2, corrected", updated=T0 + timedelta(hours=1)),
         entry(4)],
    )  # fmt: skip
    assert second.added == ("block-4",)
    assert second.updated == ("block-2",)
    assert second.deleted == ("block-3",)
    assert second.unchanged == 1
    entries = {e.entry_id: e for e in store.live_entries(blog_id, include_deleted=True)}
    assert entries["block-2"].revision == 2 and entries["block-2"].body_text == "Update 2, corrected"
    assert entries["block-3"].deleted and not entries["block-1"].deleted
    assert entries["block-1"].article_id == blog_id
    # Never duplicated: four distinct entries stored.
    assert len(entries) == 4
    assert [e.entry_id for e in store.live_entries(blog_id)] == ["block-4", "block-2", "block-1"]


def test_partial_fetch_does_not_delete(store: SqlStore, blog_id: int) -> None:
    store.merge_live_entries(blog_id, [entry(1), entry(2)])
    result = store.merge_live_entries(blog_id, [entry(2)], complete=False)
    assert result.deleted == () and result.unchanged == 1
    assert len(store.live_entries(blog_id)) == 2


def test_deleted_entry_that_returns_is_restored(store: SqlStore, blog_id: int) -> None:
    store.merge_live_entries(blog_id, [entry(1), entry(2)])
    store.merge_live_entries(blog_id, [entry(1)])
    back = store.merge_live_entries(blog_id, [entry(1), entry(2)])
    assert back.updated == ("block-2",)
    restored = [e for e in store.live_entries(blog_id) if e.entry_id == "block-2"]
    assert restored and restored[0].revision == 2


def test_key_events_and_since(store: SqlStore, blog_id: int) -> None:
    store.merge_live_entries(
        blog_id,
        [entry(1, key_event=True), entry(2), entry(3, key_event=True, pinned=True),
         entry(0, updated=T0 + timedelta(hours=5), summary=True)],
    )  # fmt: skip
    keys = store.live_entries(blog_id, key_events_only=True)
    assert [e.entry_id for e in keys] == ["block-3", "block-1"]
    assert keys[0].pinned
    since = store.live_entries(blog_id, since=T0 + timedelta(minutes=15))
    # block-0 was posted before but updated after the cut-off.
    assert {e.entry_id for e in since} == {"block-2", "block-3", "block-0"}
    assert all(e.posted.tzinfo is not None for e in since)


def test_unknown_article(store: SqlStore) -> None:
    with pytest.raises(NotFoundError):
        store.merge_live_entries(4242, [entry(1)])
    assert store.live_entries(4242) == []
