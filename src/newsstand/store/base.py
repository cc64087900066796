"""The storage interface.

Everything Newsstand keeps goes through ``Store``. There is one implementation
(``newsstand.store.sql.SqlStore``) on SQLAlchemy Core that runs on SQLite and
PostgreSQL; the same test suite runs against both. Every method that changes
several rows does so in one transaction: either all of it is stored or none.

Errors: ``NotFoundError`` when a named thing does not exist, ``ConflictError``
when a thing to create exists already, ``SearchQueryError`` for a query or cursor
that cannot be run, and ``StorageError`` for anything the database itself fails
at. No SQLAlchemy or driver exception leaves this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from newsstand.model import (
    Article,
    ArticleFilter,
    Feed,
    FeedState,
    FetchRecord,
    LiveEntry,
    LiveMergeResult,
    Publisher,
    SearchPage,
    SearchQuery,
    UpsertResult,
)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """An article as ingested from one feed: the feed tells which section lists it."""

    article: Article
    feed_id: int


class CatalogStore(Protocol):
    def add_publisher(self, publisher: Publisher) -> None:
        """Store a new publisher. Raises ConflictError if its id exists."""

    def update_publisher(self, publisher: Publisher) -> None:
        """Replace a publisher's fields. Raises NotFoundError."""

    def get_publisher(self, publisher_id: str) -> Publisher:
        """Raises NotFoundError."""

    def list_publishers(self, *, enabled_only: bool = False) -> list[Publisher]:
        """All publishers ordered by name."""

    def remove_publisher(self, publisher_id: str) -> None:
        """Remove a publisher with its feeds and their health; its articles stay,
        so readers' saved articles and history survive. Raises NotFoundError."""

    def add_feed(self, feed: Feed) -> Feed:
        """Store a new feed and return it with its id. Raises ConflictError on a
        duplicate URL and NotFoundError for an unknown publisher."""

    def get_feed(self, feed_id: int) -> Feed:
        """Raises NotFoundError."""

    def get_feed_by_url(self, url: str) -> Feed:
        """Raises NotFoundError."""

    def list_feeds(self, publisher_id: str | None = None, *, enabled_only: bool = False) -> list[Feed]:
        """Feeds ordered by publisher then section then URL."""

    def set_feed_enabled(self, feed_id: int, enabled: bool, reason: str = "") -> None:
        """Enable or disable a feed, keeping the reason shown to operators."""

    def update_feed_url(self, feed_id: int, url: str) -> None:
        """Move a feed to a new URL (after a permanent redirect). Raises ConflictError
        when another feed has that URL already."""

    def remove_feed(self, feed_id: int) -> None:
        """Remove a feed with its state and health. Raises NotFoundError."""


class IngestStore(Protocol):
    def get_feed_state(self, feed_id: int) -> FeedState:
        """The fetch state of a feed; a blank state for a feed never fetched."""

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[tuple[Feed, FeedState]]:
        """Enabled feeds whose next poll is at or before ``now`` (never-fetched first)."""

    def record_fetch(
        self, record: FetchRecord, state: FeedState, items: Sequence[FeedItem] = ()
    ) -> list[UpsertResult]:
        """Store one fetch's articles, the feed's new state and its health row in one
        transaction. Articles are matched by (publisher, GUID) then canonical URL;
        a match is updated in place (revision up when its content changed), never
        duplicated; the article is listed under the feed's section as well."""

    def upsert_article(self, article: Article, feed_id: int | None = None) -> UpsertResult:
        """Store one article outside a feed fetch (import, full-text fill-in)."""

    def feed_health(self, feed_id: int, limit: int = 100) -> list[FetchRecord]:
        """The most recent fetch records of a feed, newest first."""

    def feed_states(self) -> list[tuple[Feed, FeedState]]:
        """Every feed with its state, failing feeds first, then by consecutive failures."""

    def articles_without_full_text(self, limit: int = 100) -> list[Article]:
        """Recent articles whose body is only a feed teaser, newest first."""


class ArticleStore(Protocol):
    def get_article(self, article_id: int) -> Article:
        """Raises NotFoundError."""

    def get_article_by_url(self, url: str) -> Article:
        """Look up by canonical URL. Raises NotFoundError."""

    def list_articles(self, flt: ArticleFilter) -> list[Article]:
        """Articles matching the filter, newest published first."""

    def count_articles(self) -> int: ...

    def merge_live_entries(
        self, article_id: int, entries: Sequence[LiveEntry], *, complete: bool = True
    ) -> LiveMergeResult:
        """Merge one fetch's view of a live blog: new entries are added, changed ones
        updated with their revision raised, and when ``complete`` (the fetch saw every
        entry) entries missing from it are marked deleted. One transaction."""

    def live_entries(
        self,
        article_id: int,
        *,
        since: datetime | None = None,
        key_events_only: bool = False,
        include_deleted: bool = False,
    ) -> list[LiveEntry]:
        """Entries newest first; ``since`` keeps those posted or updated after it."""

    def search(self, query: SearchQuery) -> SearchPage:
        """Full-text search over title, standfirst, body and authors, best first.
        Raises SearchQueryError for an empty query or a bad cursor."""


class Store(CatalogStore, IngestStore, ArticleStore, Protocol):
    """Everything Newsstand stores. Accounts, stories and reading records extend it."""

    def close(self) -> None: ...
