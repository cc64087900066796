"""The catalog as a service: publishers and feeds, added, changed and removed by the one
set of rules every front end (CLI, admin pages, OPML, reader apps) goes through; seeding,
merging a catalog in, exporting.

``plan_merge`` is the pure decision (what is new, what exists already);
``apply_plan`` does the writing. Everything is validated before the first write,
so a bad file never leaves half an import behind.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import urlsplit

from newsstand.app.cache import SharedCache, TtlCache, remember
from newsstand.catalog.core import Catalog, check_http_url, slugify, validate_catalog
from newsstand.catalog.countries import UNKNOWN_COUNTRY
from newsstand.catalog.loader import favicon_url, load_default_catalog
from newsstand.catalog.merge import MergePlan, plan_merge
from newsstand.catalog.opml import UNKNOWN_LANGUAGE, parse_opml, write_opml
from newsstand.catalog.sections import DEFAULT_SECTION
from newsstand.errors import CatalogError, NewsstandError, NotFoundError
from newsstand.model import Feed, FeedState, LicenceTier, Publisher, is_stored_id
from newsstand.store.base import CatalogStore, IngestStore, MetaStore

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


class SeedStore(CatalogStore, MetaStore, Protocol):
    def count_articles(self) -> int: ...


def merge_catalog(store: CatalogStore, catalog: Catalog, *, dry_run: bool = False) -> MergePlan:
    """Add what of ``catalog`` the store lacks (nothing is changed or removed)."""
    plan = plan_for_store(store, catalog)
    if dry_run or plan.is_empty:
        return plan
    return apply_plan(store, plan)


def seed_default_catalog(store: SeedStore) -> MergePlan:
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


def find_publisher(store: CatalogStore, wanted: str) -> Publisher:
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
    store: CatalogStore, wanted: str, *, create: bool, url: str = "", language: str = ""
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


# --- the service ------------------------------------------------------------------------------

# Feeds switched off because their publisher was: re-enabled with the publisher.
PUBLISHERS_SECONDS = 10.0
PUBLISHER_DISABLED = "publisher disabled"


class CatalogServiceStore(CatalogStore, IngestStore, MetaStore, Protocol):
    """What the catalog service reads and writes."""

    def count_articles(self) -> int: ...


@dataclass(frozen=True, slots=True)
class NewPublisher:
    """A publisher as an operator describes it (CLI, admin), before the rules apply."""

    name: str
    homepage: str
    country: str
    language: str
    publisher_id: str = ""  # derived from the name when empty
    feeds: tuple[tuple[str, str], ...] = ()  # (feed URL, section)
    logo_url: str = ""
    licence_tier: LicenceTier = LicenceTier.OPEN


@dataclass(frozen=True, slots=True)
class PublisherDetail:
    publisher: Publisher
    feeds: tuple[tuple[Feed, FeedState], ...]


class CatalogService:
    """Every change to publishers and feeds, from any front end, goes through here."""

    def __init__(self, store: CatalogServiceStore, cache: SharedCache) -> None:
        self.store = store
        self.cache = cache
        # Publishers change rarely and every page names them: kept apart from the shared cache,
        # whose lifetime an operator may set to 0, so a page never loads them once per card.
        self._directory: SharedCache = TtlCache(PUBLISHERS_SECONDS)

    def _changed(self) -> None:
        self._directory.clear()
        self.cache.clear()

    # --- reading the catalog ----------------------------------------------------------------

    def publishers(self) -> dict[str, Publisher]:
        """Publishers by id, in name order (re-read at most every PUBLISHERS_SECONDS)."""
        return remember(
            self._directory, "publishers", lambda: {p.id: p for p in self.store.list_publishers()}
        )

    def nav_sections(self, limit: int = 8) -> list[str]:
        """The sections most publishers list, for the compact navigation."""

        return [name for name, _ in self.sections()[:30]][:limit]

    def sections(self) -> list[tuple[str, int]]:
        """Every section publishers list, with how many list it, most listed first (then by name)."""

        def count() -> list[tuple[str, int]]:
            counts: Counter[str] = Counter()
            for publisher in self.publishers().values():
                counts.update({s.strip().title() for s in publisher.sections if s.strip()})
            return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

        return remember(self._directory, "sections", count)

    def get_publisher(self, publisher_id: str) -> Publisher:
        """Raises NotFoundError."""
        return self.store.get_publisher(publisher_id)

    def feed_counts(self) -> dict[str, int]:
        """How many feeds each publisher has."""
        return dict(Counter(f.publisher_id for f in self.store.list_feeds()))

    def publisher_detail(self, publisher_id: str) -> PublisherDetail:
        """A publisher with each feed's fetch state. Raises NotFoundError."""
        publisher = self.store.get_publisher(publisher_id)
        feeds = tuple((f, s) for f, s in self.store.feed_states() if f.publisher_id == publisher_id)
        return PublisherDetail(publisher, tuple(sorted(feeds, key=lambda fs: (fs[0].section, fs[0].url))))

    def find_feed(self, target: str) -> Feed | None:
        """The feed ``target`` names (a numeric id or a URL); None when it names a publisher.
        Raises NotFoundError for an unknown feed id or URL."""
        if target.isdigit():
            if not target.isascii() or not is_stored_id(int(target)):
                raise NotFoundError("feed", target[:40])
            return self.store.get_feed(int(target))
        if target.startswith(("http://", "https://")):
            return self.store.get_feed_by_url(target)
        return None

    # --- changing it --------------------------------------------------------------------------

    def add_publisher(self, new: NewPublisher) -> MergePlan:
        """Add a publisher with its feeds, every rule checked before anything is written.
        Raises CatalogError (a broken rule, or the publisher exists already)."""
        pid = new.publisher_id or slugify(new.name)
        home = check_http_url(new.homepage, "homepage")
        feeds = tuple(
            Feed(
                url=check_http_url(url, "feed URL"),
                publisher_id=pid,
                section=section,
                title=f"{new.name.strip()}: {section}",
            )
            for url, section in new.feeds
        )
        publisher = Publisher(
            id=pid,
            name=new.name.strip(),
            homepage=home,
            country=new.country.strip().upper(),
            language=new.language.strip().lower(),
            sections=tuple(dict.fromkeys(f.section for f in feeds)),
            logo_url=new.logo_url or favicon_url(home),
            licence_tier=new.licence_tier,
        )
        catalog = validate_catalog(Catalog((publisher,), feeds), source="new publisher")
        if publisher.id in {p.id for p in self.store.list_publishers()}:
            raise CatalogError(f"publisher {pid!r} exists already; add feeds to it instead")
        plan = merge_catalog(self.store, catalog)
        self._changed()
        return plan

    def add_feed(
        self, publisher_id: str, url: str, section: str, title: str = "", *, strict: bool = True
    ) -> Feed:
        """Add a feed to an existing publisher, by the same rules as a catalog file: an http(s)
        URL, a known section (with ``strict=False`` the rules of an import from another reader:
        free section names, an unknown country); the publisher lists the section from now on.
        Raises NotFoundError (publisher), CatalogError (a broken rule) and ConflictError (a
        feed with that URL exists already)."""
        publisher = self.store.get_publisher(publisher_id)
        feed = Feed(
            url=check_http_url(url, "feed URL"),
            publisher_id=publisher_id,
            section=section.strip(),
            title=title.strip()[:200] or f"{publisher.name}: {section.strip()}",
        )
        validate_catalog(Catalog((publisher,), (feed,)), source="new feed", strict=strict)
        stored = self.store.add_feed(feed)
        if feed.section not in publisher.sections:
            self.store.update_publisher(replace(publisher, sections=(*publisher.sections, feed.section)))
        self._changed()
        return stored

    def add_reader_feed(self, url: str, title: str = "") -> Feed:
        """A feed a reader subscribed to that the catalog lacks, added by ``add_feed``'s rules
        under a publisher named after the URL's host (made, open tier and unknown country,
        when there is none yet); ingestion then fetches it with the same safe fetcher as
        every feed. Raises CatalogError (not an http(s) URL, a broken rule)."""
        checked = check_http_url(url, "feed URL")
        host = (urlsplit(checked).hostname or "").removeprefix("www.")
        if not host:
            raise CatalogError(f"no host in {url[:100]!r}")
        try:
            publisher = find_publisher(self.store, host)
        except NotFoundError:
            parts = urlsplit(checked)
            publisher = Publisher(
                id=slugify(host),
                name=host,
                homepage=f"{parts.scheme}://{parts.netloc}/",
                country=UNKNOWN_COUNTRY,
                language=UNKNOWN_LANGUAGE,
                sections=(DEFAULT_SECTION,),
                logo_url=favicon_url(f"{parts.scheme}://{parts.netloc}/"),
            )
            validate_catalog(Catalog((publisher,), ()), source="reader's feed", strict=False)
            self.store.add_publisher(publisher)
        return self.add_feed(publisher.id, checked, DEFAULT_SECTION, title or publisher.name, strict=False)

    def set_enabled(self, target: str, enabled: bool, reason: str = "") -> str:
        """Enable or disable the publisher or feed ``target`` names; a sentence saying what changed.

        Disabling a publisher disables its enabled feeds too (so ingestion skips them),
        marked so that enabling the publisher brings back exactly those feeds.
        Raises NotFoundError."""
        feed = self.find_feed(target)
        if feed is not None and feed.id is not None:
            self.store.set_feed_enabled(feed.id, enabled, reason)
            return f"{'Enabled' if enabled else 'Disabled'} feed {feed.url}."
        publisher = self.store.get_publisher(target)
        self.store.update_publisher(replace(publisher, enabled=enabled))
        marker = f"{PUBLISHER_DISABLED}: {reason}" if reason else PUBLISHER_DISABLED
        changed = 0
        for f in self.store.list_feeds(target):
            assert f.id is not None
            if not enabled and f.enabled:
                self.store.set_feed_enabled(f.id, False, marker)
                changed += 1
            elif enabled and not f.enabled and f.disabled_reason.startswith(PUBLISHER_DISABLED):
                self.store.set_feed_enabled(f.id, True)
                changed += 1
        self._changed()
        return f"{'Enabled' if enabled else 'Disabled'} publisher {target} and {changed} of its feeds."

    def set_feed_enabled(self, feed_id: int, enabled: bool, reason: str = "") -> str:
        """Enable or disable one feed by id. Raises NotFoundError."""
        return self.set_enabled(str(feed_id), enabled, reason)

    def remove_feed(self, feed: Feed) -> None:
        assert feed.id is not None
        self.store.remove_feed(feed.id)
        self._changed()

    def remove_publisher(self, publisher_id: str) -> int:
        """Remove a publisher and its feeds (articles stay); returns how many feeds went.
        Raises NotFoundError."""
        count = len(self.store.list_feeds(publisher_id))
        self.store.remove_publisher(publisher_id)
        self._changed()
        return count

    def seed(self) -> MergePlan:
        """The default catalog on a store's first start (see ``seed_default_catalog``)."""
        plan = seed_default_catalog(self.store)
        if not plan.is_empty:
            self._changed()
        return plan

    def merge_default(self, *, dry_run: bool = False) -> MergePlan:
        plan = merge_catalog(self.store, load_default_catalog(), dry_run=dry_run)
        self._changed()
        return plan

    def import_opml(
        self,
        data: bytes,
        *,
        dry_run: bool = False,
        source: str = "OPML",
        default_country: str = UNKNOWN_COUNTRY,
        default_language: str = UNKNOWN_LANGUAGE,
    ) -> MergePlan:
        """Raises CatalogError (and writes nothing) for a malformed or hostile file."""
        plan = import_opml(
            self.store,
            data,
            dry_run=dry_run,
            source=source,
            default_country=default_country,
            default_language=default_language,
        )
        self._changed()
        return plan

    def export_opml(self) -> bytes:
        return export_opml(self.store)
