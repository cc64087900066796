"""Operations as a service: feed health, choosing feeds to fetch, importing an article,
the offline sample edition."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from newsstand.app.catalog import resolve_publisher
from newsstand.app.stories import update_stories
from newsstand.catalog.health import FeedStatus, feed_status, problem_text, status_counts
from newsstand.errors import InvalidDataError, NewsstandError, NotFoundError
from newsstand.extract.article import article_from_page, keep_what_is_known
from newsstand.extract.page import ExtractedPage
from newsstand.ingest.pages import StoredPage, save_page
from newsstand.model import (
    Article,
    Feed,
    FeedState,
    FetchRecord,
    LiveMergeScope,
    Publisher,
    is_stored_id,
    utc,
)
from newsstand.sample.edition import SampleSummary, load_sample_edition
from newsstand.store.base import Store


@dataclass(frozen=True, slots=True)
class HealthRow:
    feed: Feed
    state: FeedState
    status: FeedStatus
    problem: str  # the disabling reason or the last error; "" when all is well


@dataclass(frozen=True, slots=True)
class Imported:
    publisher: Publisher
    article: Article
    stored: StoredPage


class OperationsService:
    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def now(self) -> datetime:
        return utc(self.clock())

    # --- for balancers and monitoring --------------------------------------------------------

    def database_reachable(self) -> str:
        """ "" when the database answers a read, else what went wrong."""
        try:
            self.store.get_meta("health")
        except NewsstandError as exc:
            return str(exc)
        return ""

    def ingest_figures(self, window_seconds: float = 300.0) -> dict[str, int]:
        """Feeds due now and the fetches of the last ``window_seconds`` by outcome. Raises
        StorageError."""
        now = self.now()
        return self.store.ingest_figures(now, now - timedelta(seconds=window_seconds))

    def feeds_in_queue(self) -> tuple[int, int]:
        """(feeds marked queued, feeds a worker holds now). Raises StorageError."""
        return self.store.queued_feeds(self.now())

    # --- feed health ----------------------------------------------------------------------

    def health(self, *, problems_only: bool = False) -> list[HealthRow]:
        """Every feed with its status, worst first, then most consecutive failures."""
        rows = [HealthRow(f, s, feed_status(f, s), problem_text(f, s)) for f, s in self.store.feed_states()]
        if problems_only:
            rows = [r for r in rows if r.status.is_problem]
        return sorted(rows, key=lambda r: (r.status.rank, -r.state.consecutive_failures, r.feed.url.lower()))

    def health_counts(self) -> dict[FeedStatus, int]:
        return status_counts(self.store.feed_states())

    def fetch_history(self, feed_id: int, limit: int = 100) -> list[FetchRecord]:
        return self.store.feed_health(feed_id, limit)

    # --- fetching -------------------------------------------------------------------------

    def select_feeds(self, names: Sequence[str], all_enabled: bool) -> list[Feed]:
        """Feeds named by id or URL; every enabled feed with ``all_enabled``; else the due ones.
        Raises NotFoundError (from the store) naming the first unknown feed."""
        if all_enabled:
            return self.store.list_feeds(enabled_only=True)
        if not names:
            return [feed for feed, _ in self.store.due_feeds(self.now())]
        feeds = []
        for name in names:
            if name.isdigit():
                if not name.isascii() or not is_stored_id(int(name)):
                    raise NotFoundError("feed", name[:40])
                feeds.append(self.store.get_feed(int(name)))
            else:
                feeds.append(self.store.get_feed_by_url(name))
        return feeds

    # --- importing --------------------------------------------------------------------------

    def import_page(
        self,
        page: ExtractedPage,
        *,
        publisher: str = "",
        create_publisher: bool = False,
        url: str = "",
        section: str = "",
        published: datetime | None = None,
        updated: datetime | None = None,
    ) -> Imported:
        """Store an extracted page as an article of ``publisher`` (default: the site the page
        names), exactly as ingestion would. Raises InvalidDataError when no publisher is
        named, NotFoundError for an unknown one unless ``create_publisher``."""
        wanted = publisher or page.site_name
        if not wanted:
            raise InvalidDataError("the article names no publisher; pass --publisher")
        link = url or page.url
        if link and urlsplit(link.strip()).scheme.lower() not in ("http", "https"):
            # The link is shown to readers as the article's source: only a web address will do.
            raise InvalidDataError(
                f"the article's URL must start with http:// or https://, not {link[:60]!r}"
            )
        found = resolve_publisher(
            self.store, wanted, create=create_publisher, url=url or page.url, language=page.language
        )
        article = article_from_page(
            page, publisher_id=found.id, url=url, section=section, published=published, updated=updated
        )
        if urlsplit(article.url).scheme.lower() not in ("http", "https"):
            raise InvalidDataError(
                f"the article's URL must start with http:// or https://, not {article.url[:60]!r}"
            )
        with contextlib.suppress(NotFoundError):  # a new article has nothing to keep
            article = keep_what_is_known(self.store.get_article_by_url(article.url), article)
        # An import adds and updates live entries; only a publisher's page can show one is gone.
        stored = save_page(self.store, article, page, scope=LiveMergeScope.ADD_ONLY)
        return Imported(found, article, stored)

    def load_sample(self) -> SampleSummary:
        """The offline sample edition, timed relative to now, grouped into stories."""
        summary = load_sample_edition(self.store, self.now())
        update_stories(self.store, self.now())
        return summary
