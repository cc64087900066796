"""Readers' own names for publishers and sections (migration 0020), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsstand.errors import NotFoundError
from newsstand.model import TitleKind
from newsstand.store import SqlStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_titles_are_kept_per_reader_replaced_and_forgotten(store: SqlStore) -> None:
    ann = store.add_reader("ann@example.org", "hash", NOW).id
    bob = store.add_reader("bob@example.org", "hash", NOW).id
    store.set_reader_title(ann, TitleKind.PUBLISHER, "daily", "My daily")
    store.set_reader_title(ann, TitleKind.SECTION, "World", "Abroad")
    store.set_reader_title(bob, TitleKind.PUBLISHER, "daily", "Bob's paper")
    assert store.reader_titles(ann) == {
        (TitleKind.PUBLISHER, "daily"): "My daily",
        (TitleKind.SECTION, "World"): "Abroad",
    }
    store.set_reader_title(ann, TitleKind.PUBLISHER, "daily", "Renamed again")
    assert store.reader_titles(ann)[(TitleKind.PUBLISHER, "daily")] == "Renamed again"
    store.set_reader_title(ann, TitleKind.SECTION, "World", "")  # forgotten
    assert store.reader_titles(ann) == {(TitleKind.PUBLISHER, "daily"): "Renamed again"}
    assert store.reader_titles(bob) == {(TitleKind.PUBLISHER, "daily"): "Bob's paper"}
    with pytest.raises(NotFoundError):
        store.set_reader_title(9999, TitleKind.PUBLISHER, "daily", "x")
