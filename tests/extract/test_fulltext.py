"""Full-text fill-in over real HTTP on 127.0.0.1: teasers become full articles, live blogs get entries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from newsstand.app.loop import ServiceLoop
from newsstand.config import Settings
from newsstand.ingest.pages import failed_pages, fill_full_text, refresh_live_blogs
from newsstand.model import Article, ArticleKind, Publisher, utcnow
from newsstand.net.fetch import Fetcher
from newsstand.store import SqlStore

from .conftest import PageServer
from .pages import Block, article_page, live_page

PUBLISHED = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


def _teaser(store: SqlStore, url: str, title: str, kind: ArticleKind = ArticleKind.ARTICLE) -> int:
    if not store.list_publishers():
        store.add_publisher(Publisher("gazette", "Example Gazette", "https://news.example.org/", "GB", "en"))
    teaser = Article(
        publisher_id="gazette",
        url=url,
        title=title,
        published=PUBLISHED,
        guid=url,
        body_html="<p>A short teaser.</p>",
        body_text="A short teaser.",
        kind=kind,
    )
    return store.upsert_article(teaser).article_id


@pytest.mark.slow
def test_fill_full_text_and_refresh_live_blog(
    sqlite_store: SqlStore, page_server: PageServer, fetch_settings: Settings
) -> None:
    asyncio.run(_fill_and_refresh(sqlite_store, page_server, fetch_settings))


async def _fill_and_refresh(
    sqlite_store: SqlStore, page_server: PageServer, fetch_settings: Settings
) -> None:
    store = sqlite_store
    article_url, live_url, broken_url = (page_server.url(p) for p in ("/lighthouse", "/storm", "/broken"))
    page_server.pages["/lighthouse"] = (200, article_page(canonical=article_url))
    page_server.pages["/storm"] = (
        200,
        live_page(
            [
                Block("s02", "2025-03-02T08:10:00Z", "Ferries cancelled", ["All crossings are off today."]),
                Block("s01", "2025-03-02T07:00:00Z", "Good morning", ["Welcome to our coverage."]),
            ]
        ),
    )
    page_server.pages["/broken"] = (500, "oops")
    article_id = _teaser(store, article_url, "Lighthouse vote")
    live_id = _teaser(store, live_url, "Storm", ArticleKind.LIVEBLOG)
    broken_id = _teaser(store, broken_url, "Broken page")

    async with Fetcher(fetch_settings) as fetcher:
        switched_off = fetch_settings.replace(fetch_full_text=False)
        assert await fill_full_text(store, fetcher, switched_off, limit=10) == 0
        assert not page_server.hits
        assert await fill_full_text(store, fetcher, fetch_settings, limit=10) == 2
        full = store.get_article(article_id)
        assert full.full_text and "seafront would stay open throughout" in full.body_text
        assert full.authors == ("Mara Example", "Tom Sample") and full.url == article_url
        assert full.images[0].credit == "Photograph: Jo Lens/Example Agency"
        broken = store.get_article(broken_id)
        assert not broken.full_text and broken.body_text == "A short teaser."  # left unharmed
        assert broken_url in failed_pages()
        assert [e.entry_id for e in store.live_entries(live_id)] == ["s02", "s01"]

        # a failed page waits before it is tried again
        hits = page_server.hits["/broken"]
        assert await fill_full_text(store, fetcher, fetch_settings, limit=10) == 0
        assert page_server.hits["/broken"] == hits

        # the live blog changes: one entry edited, one added; the page now starts after s01
        page_server.pages["/storm"] = (
            200,
            live_page(
                [
                    Block("s03", "2025-03-02T09:00:00Z", "Bridge closed", ["The coast road bridge is shut."]),
                    Block(
                        "s02",
                        "2025-03-02T08:10:00Z",
                        "Ferries cancelled",
                        ["All crossings are off until Monday."],
                        updated="2025-03-02T09:05:00Z",
                    ),
                ]
            ),
        )
        assert await refresh_live_blogs(store, fetcher, fetch_settings, hours=24 * 365 * 10) >= 1
    entries = store.live_entries(live_id, include_deleted=True)
    by_id = {e.entry_id: e for e in entries}
    assert set(by_id) == {"s01", "s02", "s03"}
    # s01 is older than anything the page shows now (a page shows the newest entries): kept.
    assert not by_id["s01"].deleted and by_id["s02"].revision == 2 and not by_id["s03"].deleted
    assert by_id["s02"].body_text == "All crossings are off until Monday."


def _live_blog_with_full_text(store: SqlStore, url: str) -> int:
    """A live blog whose text is already stored: only a refresh fetches its page again."""
    store.add_publisher(Publisher("gazette", "Example Gazette", "https://news.example.org/", "GB", "en"))
    blog = Article(
        publisher_id="gazette",
        url=url,
        title="Storm – live",
        published=utcnow(),
        guid=url,
        body_html="<p>Opening post.</p>",
        body_text="Opening post.",
        kind=ArticleKind.LIVEBLOG,
        full_text=True,
    )
    return store.upsert_article(blog).article_id


def test_ingestion_loop_refreshes_live_blogs_politely(
    sqlite_store: SqlStore, page_server: PageServer, fetch_settings: Settings
) -> None:
    store = sqlite_store
    url = page_server.url("/storm")
    page_server.pages["/storm"] = (
        200,
        live_page(
            [
                Block("s02", "2025-03-02T08:10:00Z", "Ferries cancelled", ["All crossings are off today."]),
                Block("s01", "2025-03-02T07:00:00Z", "Good morning", ["Welcome to our coverage."]),
            ]
        ),
    )
    blog_id = _live_blog_with_full_text(store, url)
    settings = fetch_settings.replace(fetch_full_text=True)

    async def one_round(loop: ServiceLoop) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(loop.run_forever(stop))
        for _ in range(200):
            await asyncio.sleep(0.05)
            if page_server.hits.get("/storm"):
                break
        await asyncio.sleep(0.3)  # let the merge commit
        stop.set()
        await asyncio.wait_for(task, 10)

    loop = ServiceLoop(store, settings)
    asyncio.run(one_round(loop))
    assert [e.entry_id for e in store.live_entries(blog_id)] == ["s02", "s01"]
    # a second round within the refresh interval leaves the publisher alone
    asyncio.run(loop.fill_pages(asyncio.Event()))
    assert page_server.hits["/storm"] == 1


def test_failed_pages_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every URL that ever failed used to stay remembered for the life of the process."""
    from newsstand.ingest import pages

    monkeypatch.setattr(pages, "_failures", {})
    monkeypatch.setattr(pages, "MAX_REMEMBERED", 100)
    for n in range(250):
        pages._remember(f"https://pages.example/{n}", "no article text on the page")
        if n == 200:
            pages._remember("https://pages.example/140", "failed again")  # now among the newest
    remembered = failed_pages()
    assert len(remembered) == 100
    # The failures remembered longest ago went; one that failed again lately stays, counted.
    assert "https://pages.example/150" not in remembered and "https://pages.example/151" in remembered
    assert "https://pages.example/249" in remembered
    assert pages._failures["https://pages.example/140"].count == 2
