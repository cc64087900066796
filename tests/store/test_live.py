"""Live-blog entries: merge (add, update with revision, mark deleted) and queries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from newsstand.errors import NotFoundError
from newsstand.model import ArticleKind, LiveEntry, LiveMergeScope
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
    result = store.merge_live_entries(blog_id, [entry(2)], scope=LiveMergeScope.ADD_ONLY)
    assert result.deleted == () and result.unchanged == 1
    assert len(store.live_entries(blog_id)) == 2


def test_deleted_entry_that_returns_is_restored(store: SqlStore, blog_id: int) -> None:
    store.merge_live_entries(blog_id, [entry(1), entry(2)])
    store.merge_live_entries(blog_id, [entry(1)])
    back = store.merge_live_entries(blog_id, [entry(1), entry(2)])
    assert back.updated == ("block-2",)
    restored = [e for e in store.live_entries(blog_id) if e.entry_id == "block-2"]
    assert restored and restored[0].revision == 3  # deleted, then back: two changes readers saw


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


def test_a_page_of_the_newest_entries_deletes_only_inside_the_span_it_covers(
    store: SqlStore, blog_id: int
) -> None:
    store.merge_live_entries(blog_id, [entry(n) for n in range(1, 7)], scope=LiveMergeScope.WHOLE)
    store.merge_live_entries(blog_id, [entry(0, pinned=True, summary=True)], scope=LiveMergeScope.ADD_ONLY)
    # The page now shows entries 4 to 7 and lacks 5: 5 was deleted; 1 to 3 are on older pages.
    result = store.merge_live_entries(blog_id, [entry(7), entry(6), entry(4)], scope=LiveMergeScope.WINDOW)
    assert result.added == ("block-7",) and result.deleted == ("block-5",)
    kept = {e.entry_id for e in store.live_entries(blog_id)}
    assert kept == {"block-0", "block-1", "block-2", "block-3", "block-4", "block-6", "block-7"}
    gone = next(e for e in store.live_entries(blog_id, include_deleted=True) if e.entry_id == "block-5")
    assert gone.deleted and gone.updated is not None and gone.revision == 2  # open pages hear of it
    # Seen since the deletion: an event stream asking for changes after the last entry gets it.
    since = entry(7).posted
    assert [e.entry_id for e in store.live_entries(blog_id, since=since, include_deleted=True)] == ["block-5"]


def test_an_import_of_one_entry_never_deletes(store: SqlStore, blog_id: int) -> None:
    store.merge_live_entries(blog_id, [entry(n) for n in range(1, 4)], scope=LiveMergeScope.WHOLE)
    result = store.merge_live_entries(blog_id, [entry(9)], scope=LiveMergeScope.ADD_ONLY)
    assert result.deleted == () and len(store.live_entries(blog_id)) == 4


@pytest.mark.parametrize(
    ("scope", "posted", "pinned", "oldest", "deleted"),
    [
        (LiveMergeScope.WHOLE, 1, True, None, True),
        (LiveMergeScope.ADD_ONLY, 5, False, 1, False),
        (LiveMergeScope.WINDOW, 5, False, 3, True),
        (LiveMergeScope.WINDOW, 2, False, 3, False),
        (LiveMergeScope.WINDOW, 5, True, 3, False),
        (LiveMergeScope.WINDOW, 5, False, None, False),
    ],
)
def test_merge_scope_decides_deletions(
    scope: LiveMergeScope, posted: int, pinned: bool, oldest: int | None, deleted: bool
) -> None:
    at = T0 + timedelta(minutes=posted)
    seen = None if oldest is None else T0 + timedelta(minutes=oldest)
    assert scope.deletes(at, pinned, seen) is deleted
