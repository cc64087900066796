"""Merging a catalog into what a store holds: the pure decision.

``plan_merge`` decides what of a catalog is new; ``newsstand.app.catalog`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsstand.catalog.core import Catalog
from newsstand.model import Feed, Publisher


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
