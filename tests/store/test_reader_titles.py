"""Readers' own names for publishers and sections (migration 0020) and their own folders
(migration 0022), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from newsstand.errors import ConflictError, NotFoundError
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


def test_folders_hold_publishers_keep_their_spelling_and_go_when_empty(store: SqlStore) -> None:
    ann = store.add_reader("ann@example.org", "hash", NOW).id
    bob = store.add_reader("bob@example.org", "hash", NOW).id
    assert store.reader_labels(ann) == {}
    store.label_publishers(ann, "Weekend reads", ["daily", "weekly", "daily"], True)
    store.label_publishers(ann, "WEEKEND READS", ["monthly"], True)  # the same folder, any case
    store.label_publishers(ann, "Harbour", ["daily"], True)
    store.label_publishers(bob, "Weekend reads", ["daily"], True)
    assert store.reader_labels(ann) == {
        "Harbour": ("daily",),
        "Weekend reads": ("daily", "monthly", "weekly"),
    }
    store.label_publishers(ann, "weekend reads", ["weekly", "unknown"], False)
    assert store.reader_labels(ann)["Weekend reads"] == ("daily", "monthly")

    store.rename_reader_label(ann, "weekend READS", "Sunday")
    assert set(store.reader_labels(ann)) == {"Harbour", "Sunday"}
    store.rename_reader_label(ann, "sunday", "SUNDAY")  # a change of case is a rename
    assert set(store.reader_labels(ann)) == {"Harbour", "SUNDAY"}
    with pytest.raises(ConflictError):
        store.rename_reader_label(ann, "Sunday", "harbour")
    with pytest.raises(NotFoundError):
        store.rename_reader_label(ann, "Nowhere", "Somewhere")

    store.unlabel_publisher(ann, "daily")  # out of every folder: Harbour is left empty and goes
    assert store.reader_labels(ann) == {"SUNDAY": ("monthly",)}
    assert store.delete_reader_label(ann, "sunday") == 1
    assert store.reader_labels(ann) == {}
    assert store.reader_labels(bob) == {"Weekend reads": ("daily",)}  # another reader's are theirs
    with pytest.raises(NotFoundError):
        store.label_publishers(9999, "x", ["daily"], True)


def test_deleting_a_reader_removes_their_folders_and_names(store: SqlStore) -> None:
    ann = store.add_reader("ann@example.org", "hash", NOW).id
    bob = store.add_reader("bob@example.org", "hash", NOW).id
    for who in (ann, bob):
        store.label_publishers(who, "Mine", ["daily"], True)
        store.set_reader_title(who, TitleKind.PUBLISHER, "daily", "My daily")
    store.delete_reader(ann, "pseudonym-ann")
    counts = {}
    with store._engine.connect() as conn:  # the test reads the tables directly
        for table in ("reader_labels", "reader_titles"):
            rows = conn.execute(sa.text(f"SELECT reader_id FROM {table}")).scalars().all()
            counts[table] = rows
    assert counts == {"reader_labels": [bob], "reader_titles": [bob]}
