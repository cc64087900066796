"""Catalog operations on a store: seeding, merging a catalog in, exporting.

``plan_merge`` is the pure decision (what is new, what exists already);
``apply_plan`` does the writing. Everything is validated before the first write,
so a bad file never leaves half an import behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from newsstand.catalog.core import Catalog
from newsstand.catalog.loader import load_default_catalog
from newsstand.errors import NewsstandError
from newsstand.model import Feed, Publisher
from newsstand.store.base import CatalogStore, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MergePlan:
    """What merging a catalog into the store would do."""

    new_publishers: tuple[Publisher, ...] = ()
    new_feeds: tuple[Feed, ...] = ()
    existing_publishers: tuple[str, ...] = ()  # ids already in the store: left as they are
    existing_feeds: tuple[str, ...] = ()  # URLs already in the store: left as they are

    @property
    def is_empty(self) -> bool:
        return not self.new_publishers and not self.new_feeds


def plan_merge(catalog: Catalog, known_publisher_ids: set[str], known_feed_urls: set[str]) -> MergePlan:
    """Decide what of ``catalog`` is new. Existing publishers and feeds are never
    changed; new feeds of an existing publisher are added to it."""
    return MergePlan(
        new_publishers=tuple(p for p in catalog.publishers if p.id not in known_publisher_ids),
        new_feeds=tuple(f for f in catalog.feeds if f.url not in known_feed_urls),
        existing_publishers=tuple(p.id for p in catalog.publishers if p.id in known_publisher_ids),
        existing_feeds=tuple(f.url for f in catalog.feeds if f.url in known_feed_urls),
    )


def plan_for_store(store: CatalogStore, catalog: Catalog) -> MergePlan:
    """``plan_merge`` against what the store holds now."""
    ids = {p.id for p in store.list_publishers()}
    urls = {f.url for f in store.list_feeds()}
    return plan_merge(catalog, ids, urls)


def apply_plan(store: CatalogStore, plan: MergePlan) -> MergePlan:
    """Write the plan's new publishers and feeds; return the plan as applied.

    The store has no multi-call transaction, so when a write fails midway (another
    process added the same feed a moment ago, the database went away) what this
    call added is removed again before the error is re-raised.
    """
    added_publishers: list[str] = []
    added_feeds: list[int] = []
    try:
        for p in plan.new_publishers:
            store.add_publisher(p)
            added_publishers.append(p.id)
        for f in plan.new_feeds:
            stored = store.add_feed(f)
            assert stored.id is not None
            added_feeds.append(stored.id)
            if stored.enabled != f.enabled:
                store.set_feed_enabled(stored.id, False, f.disabled_reason)
    except NewsstandError:
        _undo(store, added_publishers, added_feeds)
        raise
    return plan


def _undo(store: CatalogStore, publisher_ids: list[str], feed_ids: list[int]) -> None:
    for feed_id in reversed(feed_ids):
        try:
            store.remove_feed(feed_id)
        except NewsstandError:
            log.warning("could not roll back feed %s", feed_id, exc_info=True)
    for pid in reversed(publisher_ids):
        try:
            store.remove_publisher(pid)
        except NewsstandError:
            log.warning("could not roll back publisher %s", pid, exc_info=True)


SEEDED_KEY = "catalog_seeded"


def merge_catalog(store: CatalogStore, catalog: Catalog, *, dry_run: bool = False) -> MergePlan:
    """Add what of ``catalog`` the store lacks (nothing is changed or removed)."""
    plan = plan_for_store(store, catalog)
    if dry_run or plan.is_empty:
        return plan
    return apply_plan(store, plan)


def seed_default_catalog(store: Store) -> MergePlan:
    """On a store's first start, fill its empty catalog from the shipped one.

    The store remembers that it has started (``catalog_seeded``), so publishers and
    feeds the operator removed, even all of them, are never brought back; a store that
    already holds publishers or articles is not on its first start and is left alone.
    `newsstand sources import-default` merges new default entries in on request.
    """
    if store.get_meta(SEEDED_KEY):
        return MergePlan()
    if store.list_publishers() or store.count_articles():
        store.set_meta(SEEDED_KEY, "existing catalog")
        return MergePlan()
    plan = merge_catalog(store, load_default_catalog())
    store.set_meta(SEEDED_KEY, "default catalog")
    return plan


def store_catalog(store: CatalogStore) -> Catalog:
    """Everything the store holds as a Catalog (for export), feed ids dropped so an
    export compares equal to what an import into another store will hold."""
    publishers = tuple(store.list_publishers())
    feeds = tuple(replace(f, id=None) for f in store.list_feeds())
    return Catalog(publishers, feeds)
