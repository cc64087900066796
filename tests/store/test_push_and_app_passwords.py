"""Push subscriptions and app passwords in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newsstand.errors import NotFoundError
from newsstand.ingest.websub import new_subscription
from newsstand.model import AppPassword, Feed, Publisher, PushState
from newsstand.store import SqlStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_push_subscriptions_round_trip_and_go_with_their_feed(store: SqlStore) -> None:
    store.add_publisher(Publisher("quay", "Quay", "https://quay.example", "GB", "en"))
    feed = store.add_feed(Feed("https://quay.example/feed.xml", "quay", "News"))
    assert feed.id is not None
    sub = store.put_push_subscription(
        new_subscription(feed.id, "https://hub.example/", "https://quay.example/feed.xml", NOW)
    )
    assert sub.id is not None and store.push_subscription(sub.callback_id) == sub
    active = replace(
        sub, state=PushState.ACTIVE, lease_seconds=600, verified=NOW, expires=NOW + timedelta(minutes=10)
    )
    store.put_push_subscription(active)
    assert store.push_subscriptions(feed.id) == [active] and store.push_subscriptions() == [active]
    with pytest.raises(NotFoundError):
        store.push_subscription("nobody")
    store.remove_feed(feed.id)
    assert store.push_subscriptions() == []


def test_app_passwords_replace_find_and_revoke(store: SqlStore) -> None:
    reader = store.add_reader("app@example.org", "hash", NOW)
    first = AppPassword(reader.id, "$argon2id$one", "salt1", "a" * 64, "f" * 64, NOW)
    store.put_app_password(first)
    second = replace(first, password_hash="$argon2id$two", auth_hash="b" * 64, fever_hash="e" * 64)
    store.put_app_password(second)
    assert store.app_password(reader.id) == second
    found, membership = store.app_password_reader("auth", "b" * 64)
    assert found.id == reader.id and membership is None
    assert store.app_password_reader("fever", "e" * 64)[0].email == "app@example.org"
    with pytest.raises(NotFoundError):
        store.app_password_reader("auth", "a" * 64)  # the replaced password's token is gone
    with pytest.raises(NotFoundError):
        store.put_app_password(replace(first, reader_id=reader.id + 99))
    assert store.delete_app_password(reader.id) and not store.delete_app_password(reader.id)
    assert store.app_password(reader.id) is None
