"""Seeding the default catalog and merging catalogs into a store."""

from __future__ import annotations

from newsstand.app.catalog import merge_catalog, seed_default_catalog
from newsstand.catalog import Catalog, load_default_catalog, plan_merge
from newsstand.model import Feed, Publisher
from newsstand.store import SqlStore

P1 = Publisher(id="one", name="One", homepage="https://one.example", country="GB", language="en")
P2 = Publisher(id="two", name="Two", homepage="https://two.example", country="FR", language="fr")
F1 = Feed(url="https://one.example/a", publisher_id="one", section="News")
F2 = Feed(url="https://one.example/b", publisher_id="one", section="World")
F3 = Feed(url="https://two.example/a", publisher_id="two", section="News")


def test_plan_merge_is_a_pure_decision() -> None:
    plan = plan_merge(Catalog((P1, P2), (F1, F2, F3)), {"one"}, {F1.url})
    assert plan.new_publishers == (P2,)
    assert plan.new_feeds == (F2, F3)  # a new feed of a known publisher is added to it
    assert plan.existing_publishers == ("one",) and plan.existing_feeds == (F1.url,)
    assert not plan.is_empty
    assert plan_merge(Catalog((P1,), (F1,)), {"one"}, {F1.url}).is_empty


def test_seed_only_into_an_empty_catalog(sqlite_store: SqlStore) -> None:
    default = load_default_catalog()
    first = seed_default_catalog(sqlite_store)
    assert len(first.new_publishers) == len(default.publishers)
    assert len(sqlite_store.list_feeds()) == len(default.feeds)
    assert seed_default_catalog(sqlite_store).is_empty  # idempotent
    sqlite_store.remove_publisher("bbc-news")
    assert seed_default_catalog(sqlite_store).is_empty  # what the operator removed stays removed
    assert len(sqlite_store.list_publishers()) == len(default.publishers) - 1


def test_seed_leaves_an_operator_catalog_alone(sqlite_store: SqlStore) -> None:
    merge_catalog(sqlite_store, Catalog((P1,), (F1,)))
    assert seed_default_catalog(sqlite_store).is_empty
    assert [p.id for p in sqlite_store.list_publishers()] == ["one"]


def test_merge_never_changes_existing_entries(sqlite_store: SqlStore) -> None:
    merge_catalog(sqlite_store, Catalog((P1,), (F1,)))
    renamed = Publisher(id="one", name="Renamed", homepage="https://one.example", country="GB", language="en")
    plan = merge_catalog(sqlite_store, Catalog((renamed,), (F1, F2)))
    assert plan.new_publishers == () and plan.new_feeds == (F2,)
    assert sqlite_store.get_publisher("one").name == "One"
    assert {f.url for f in sqlite_store.list_feeds("one")} == {F1.url, F2.url}
