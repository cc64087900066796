"""Catalog operations on a store: seeding, merging a catalog in, exporting.

``plan_merge`` is the pure decision (what is new, what exists already);
``apply_plan`` does the writing. Everything is validated before the first write,
so a bad file never leaves half an import behind.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import urlsplit

from newsstand.catalog.core import Catalog, slugify
from newsstand.catalog.countries import UNKNOWN_COUNTRY
from newsstand.catalog.loader import load_default_catalog
from newsstand.catalog.merge import MergePlan, plan_merge
from newsstand.catalog.opml import UNKNOWN_LANGUAGE, parse_opml, write_opml
from newsstand.errors import NewsstandError, NotFoundError
from newsstand.model import Publisher
from newsstand.store.base import CatalogStore, Store

log = logging.getLogger(__name__)


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


def find_publisher(store: Store, wanted: str) -> Publisher:
    """A publisher by id, else by name (case-insensitive). Raises NotFoundError."""
    try:
        return store.get_publisher(wanted)
    except NotFoundError:
        pass
    folded = " ".join(wanted.split()).casefold()
    for publisher in store.list_publishers():
        if publisher.name.casefold() == folded or publisher.id == slugify(wanted):
            return publisher
    raise NotFoundError("publisher", wanted)


def resolve_publisher(
    store: Store, wanted: str, *, create: bool, url: str = "", language: str = ""
) -> Publisher:
    """The named publisher; with ``create`` an unknown one is added (id slugified from the name).
    Raises NotFoundError when it is unknown and ``create`` is False."""
    try:
        return find_publisher(store, wanted)
    except NotFoundError:
        if not create:
            raise
    parts = urlsplit(url)
    homepage = f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""
    publisher = Publisher(
        id=slugify(wanted), name=wanted.strip(), homepage=homepage, country="", language=language or "en"
    )
    store.add_publisher(publisher)
    return publisher


def export_opml(store: CatalogStore) -> bytes:
    """The store's whole catalog as OPML."""
    return write_opml(store_catalog(store))


def import_opml(
    store: CatalogStore,
    data: bytes,
    *,
    dry_run: bool = False,
    source: str = "OPML",
    default_country: str = UNKNOWN_COUNTRY,
    default_language: str = UNKNOWN_LANGUAGE,
) -> MergePlan:
    """Parse and validate the whole file, then add what the store lacks.

    Raises CatalogError (and writes nothing) for a malformed or hostile file.
    """
    catalog = parse_opml(
        data, source=source, default_country=default_country, default_language=default_language
    )
    return merge_catalog(store, catalog, dry_run=dry_run)
