"""Full text for feed items that carry only a teaser.

``fill_full_text`` fetches the pages of articles stored from a teaser-only feed
with the project's safe fetcher, extracts them and stores the full body, the
page's metadata and live entries. A page that fails is logged, remembered for a
while (so one broken page is not fetched every round) and skipped; the stored
article is left as it was.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from newsstand.config import Settings
from newsstand.errors import NewsstandError
from newsstand.extract.page import ExtractedPage, extract_page
from newsstand.model import (
    Article,
    ArticleFilter,
    ArticleKind,
    LiveMergeResult,
    LiveMergeScope,
    UpsertResult,
    utcnow,
)
from newsstand.net.fetch import Fetcher
from newsstand.store.base import Store

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_RETRY_AFTER_S = (600.0, 3600.0, 6 * 3600.0, 24 * 3600.0)  # after 1, 2, 3, 4+ failures


@dataclass(frozen=True, slots=True)
class _Failure:
    count: int
    retry_at: float
    reason: str


@dataclass(frozen=True, slots=True)
class StoredPage:
    """What storing one extracted page did."""

    upsert: UpsertResult
    live: LiveMergeResult | None = None


def save_page(
    store: Store,
    article: Article,
    page: ExtractedPage,
    *,
    feed_id: int | None = None,
    scope: LiveMergeScope = LiveMergeScope.WINDOW,
) -> StoredPage:
    """Upsert the article, then merge its live entries when it is a live blog.

    A fetched page shows a live blog's newest entries: only a stored entry inside the span the
    page covers and missing from it is marked deleted (``scope``; an import adds and updates
    only). A page that showed no entries at all deletes nothing."""
    result = store.upsert_article(article, feed_id)
    if not page.live_entries:
        return StoredPage(result)
    entries = [replace(e, article_id=result.article_id) for e in page.live_entries]
    return StoredPage(result, store.merge_live_entries(result.article_id, entries, scope=scope))


# url -> its last failure. In memory only: a restart simply tries again. At most
# MAX_REMEMBERED: a page that keeps failing stays a candidate (its article keeps its teaser),
# so without a bound every URL that ever failed stayed here for the life of the process.
_failures: dict[str, _Failure] = {}
MAX_REMEMBERED = 10_000


def failed_pages() -> dict[str, str]:
    """URLs whose page failed recently, with the reason (for operators and tests)."""
    return {url: f.reason for url, f in _failures.items()}


def merge_into(stored: Article, page: ExtractedPage) -> Article:
    """The stored article completed by its page: full body, page metadata where the feed had none.

    Identity (publisher, URL, GUID, first publication) stays the stored article's, so the
    upsert finds the same row."""
    return replace(
        stored,
        title=page.headline or stored.title,
        standfirst=page.standfirst or stored.standfirst,
        authors=page.authors or stored.authors,
        body_html=page.body_html,
        body_text=page.body_text,
        images=tuple(i for i in page.images if i.url) or stored.images,
        updated=page.updated or stored.updated,
        language=page.language or stored.language,
        kind=page.kind,
        tags=tuple(dict.fromkeys(stored.tags + page.tags)),
        full_text=True,
        fetched=utcnow(),
    )


async def fill_full_text(store: Store, fetcher: Fetcher, settings: Settings, *, limit: int = 20) -> int:
    """Fetch, extract and store the full text of up to ``limit`` teaser-only articles.

    Returns how many articles got their full text (0 when the ``fetch_full_text`` setting is
    off). Never raises for one page's failure (fetch errors, extraction errors); storage
    errors do propagate."""
    if not settings.fetch_full_text:
        return 0
    now = time.monotonic()
    waiting = sum(1 for f in _failures.values() if f.retry_at > now)
    candidates = store.articles_without_full_text(limit + waiting)
    due = [a for a in candidates if a.id is not None and _due(a.url, now)][:limit]
    pages = await asyncio.gather(*(_fetch_and_extract(fetcher, a) for a in due))
    filled = 0
    for article, page in zip(due, pages, strict=True):
        if page is None:
            continue
        save_page(store, merge_into(article, page), page)
        filled += 1
    return filled


async def refresh_live_blogs(
    store: Store, fetcher: Fetcher, settings: Settings, *, hours: float = 24.0, limit: int = 20
) -> int:
    """Fetch again the live blogs published in the last ``hours`` and merge their entries
    (new added, edited revised, removed marked deleted). Returns how many were refreshed."""
    since = utcnow() - timedelta(hours=hours)
    blogs = store.list_articles(ArticleFilter(kind=ArticleKind.LIVEBLOG, since=since, limit=limit))
    now = time.monotonic()
    due = [a for a in blogs if a.id is not None and _due(a.url, now)]
    pages = await asyncio.gather(*(_fetch_and_extract(fetcher, a) for a in due))
    refreshed = 0
    for article, page in zip(due, pages, strict=True):
        if page is not None:
            save_page(store, merge_into(article, page), page)
            refreshed += 1
    return refreshed


def _due(url: str, now: float) -> bool:
    failure = _failures.get(url)
    return failure is None or failure.retry_at <= now


async def _fetch_and_extract(fetcher: Fetcher, article: Article) -> ExtractedPage | None:
    try:
        result = await fetcher.fetch(article.url, accept=PAGE_ACCEPT)
        # Extraction is CPU work of tens of milliseconds: keep it off the event loop.
        page = await asyncio.to_thread(extract_page, result.body, result.final_url)
        if not page.body_text:
            _remember(article.url, "no article text on the page")
            return None
    except NewsstandError as exc:
        _remember(article.url, str(exc))
        return None
    _failures.pop(article.url, None)
    return page


def _remember(url: str, reason: str) -> None:
    previous = _failures.get(url)
    count = previous.count + 1 if previous else 1
    delay = _RETRY_AFTER_S[min(count, len(_RETRY_AFTER_S)) - 1]
    _failures.pop(url, None)
    _failures[url] = _Failure(count, time.monotonic() + delay, reason)  # the newest last
    while len(_failures) > MAX_REMEMBERED:
        # The failure remembered longest ago goes: the page is tried again, as after a restart.
        del _failures[next(iter(_failures))]
    log.warning("full text failed for %s (%d time(s)), next try in %.0f s: %s", url, count, delay, reason)
