"""The ingestion pipeline end to end: a real server on 127.0.0.1 and a real store."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import timedelta

import pytest

from newsstand.app.loop import ServiceLoop
from newsstand.config import Settings
from newsstand.ingest.pipeline import Ingestor, IngestSummary
from newsstand.model import Feed, Publisher
from newsstand.store import SqlStore

from .conftest import FeedServer, Route
from .feeds import BILLION_LAUGHS, XXE, atom, rss, rss_item


def _publisher(store: SqlStore, pid: str = "example") -> None:
    store.add_publisher(Publisher(pid, "Example News", "https://news.example.org", "GB", "en"))


def _feed(store: SqlStore, url: str, section: str = "world", pid: str = "example") -> Feed:
    return store.add_feed(Feed(url=url, publisher_id=pid, section=section))


def _run(store: SqlStore, settings: Settings, feeds: Sequence[Feed] | None = None) -> IngestSummary:
    ingestor = Ingestor(store, settings, rng=random.Random(7).random)
    return asyncio.run(ingestor.run_once(list(feeds) if feeds is not None else None))


def test_feed_is_stored_sanitized_and_deduplicated(
    store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    _publisher(store)
    items = [rss_item(n) for n in range(3)]
    # The same story again under a tracking-laden link and another guid is still one article.
    items.append(
        rss_item(0, link="https://news.example.org/story/0?utm_source=rss&fbclid=zz", guid="story-0")
    )
    feed_server.routes["/world.xml"] = Route(rss(items), etag='"v1"')
    feed = _feed(store, feed_server.url("/world.xml"))

    summary = _run(store, local_settings, [feed])
    assert summary.count("ok") == 1 and summary.new_entries == 3
    assert store.count_articles() == 3
    article = store.get_article_by_url("https://news.example.org/story/1")
    assert "<script" not in article.body_html and "Full body of story 1." in article.body_html
    assert article.body_text == "Full body of story 1.\nSecond paragraph."
    assert article.standfirst == "Teaser for story 1."
    assert article.authors == ("Ada Writer", "Ben Reporter")
    assert article.tags == ("World",)
    assert article.language == "en" and article.section == "world"
    assert article.images[0].caption == "Picture 1" and article.images[0].credit == "Photo: Staff"
    assert article.published.tzinfo is not None

    # Unchanged: the server answers 304 and nothing is written.
    again = _run(store, local_settings, [feed])
    assert again.count("not_modified") == 1 and again.new_entries == 0
    assert feed_server.request_headers["/world.xml"][1]["If-None-Match"] == '"v1"'
    health = store.feed_health(feed.id or 0)
    assert [r.status for r in health] == [304, 200]


def test_changed_entry_is_updated_in_place(
    store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    _publisher(store)
    feed_server.routes["/f"] = Route(rss([rss_item(1), rss_item(2)]))
    feed = _feed(store, feed_server.url("/f"))
    _run(store, local_settings, [feed])
    feed_server.routes["/f"] = Route(rss([rss_item(1, title="Story one, corrected"), rss_item(2)]))
    summary = _run(store, local_settings, [feed])
    assert summary.new_entries == 0 and summary.updated_entries == 1
    article = store.get_article_by_url("https://news.example.org/story/1")
    assert article.title == "Story one, corrected" and article.revision == 2
    assert store.count_articles() == 2


def test_same_article_in_two_feeds_is_one_article_in_both_sections(
    store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    _publisher(store)
    feed_server.routes["/world"] = Route(rss([rss_item(1), rss_item(2)]))
    feed_server.routes["/politics"] = Route(rss([rss_item(2), rss_item(3)]))
    feeds = [
        _feed(store, feed_server.url("/world"), "world"),
        _feed(store, feed_server.url("/politics"), "politics"),
    ]
    summary = _run(store, local_settings, feeds)
    assert summary.new_entries == 3 and store.count_articles() == 3
    shared = store.get_article_by_url("https://news.example.org/story/2")
    assert set(shared.sections) == {"world", "politics"}


def test_atom_relative_links_resolve_against_xml_base(
    store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    _publisher(store)
    feed_server.routes["/atom"] = Route(atom(2), content_type="application/atom+xml")
    feed = _feed(store, feed_server.url("/atom"))
    assert _run(store, local_settings, [feed]).new_entries == 2
    article = store.get_article_by_url("https://blog.example.net/posts/1")
    assert article.title == "Post 1" and article.authors == ("Cleo Author",)
    assert 'href="https://blog.example.net/rel"' in article.body_html


def test_permanent_redirect_moves_the_feed_and_gone_disables_it(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    store = sqlite_store
    _publisher(store)
    feed_server.routes["/old"] = Route(status=301, headers={"Location": "/new"})
    feed_server.routes["/new"] = Route(rss([rss_item(1)]))
    feed_server.routes["/gone"] = Route(b"gone", 410)
    moved = _feed(store, feed_server.url("/old"))
    gone = _feed(store, feed_server.url("/gone"), "politics")
    summary = _run(store, local_settings, [moved, gone])
    by_url = {o.feed.url: o for o in summary.outcomes}
    assert by_url[moved.url].moved_to == feed_server.url("/new")
    assert store.get_feed(moved.id or 0).url == feed_server.url("/new")
    assert by_url[gone.url].disabled
    disabled = store.get_feed(gone.id or 0)
    assert not disabled.enabled and "410" in disabled.disabled_reason
    assert [f.id for f, _ in store.due_feeds(store_now() + timedelta(days=30))] == [moved.id]


def store_now():  # type: ignore[no-untyped-def]
    from newsstand.model import utcnow

    return utcnow()


def test_bad_feeds_fail_alone(sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer):
    """One feed of each kind of trouble in one round: only the good one stores articles."""
    store = sqlite_store
    _publisher(store)
    feed_server.routes["/good"] = Route(rss([rss_item(n) for n in range(5)]))
    feed_server.routes["/malformed"] = Route(b"<rss><channel><<<&&&\x00\x01 {{{")
    # Cut off mid-item: the recovering parser keeps what it could read.
    feed_server.routes["/truncated"] = Route(rss([rss_item(7), rss_item(8)])[:-200])
    feed_server.routes["/html"] = Route(b"<html><body>Not a feed</body></html>", content_type="text/html")
    feed_server.routes["/laughs"] = Route(BILLION_LAUGHS)
    feed_server.routes["/xxe"] = Route(XXE)
    feed_server.routes["/huge"] = Route(b"<rss>" + b"x" * 400_000 + b"</rss>")
    feed_server.routes["/bomb"] = Route(b" " * 30_000_000, gzip=True)
    feed_server.routes["/slow"] = Route(rss([rss_item(9)]), stall=4)
    feed_server.routes["/error"] = Route(b"oops", 500)
    feed_server.routes["/busy"] = Route(b"later", 429, headers={"Retry-After": "7200"})
    settings = local_settings.replace(max_response_bytes=200_000, read_timeout=1.0, total_timeout=2.0)
    feeds = {path: _feed(store, feed_server.url(path), path.strip("/")) for path in feed_server.routes}
    summary = _run(store, settings, list(feeds.values()))
    outcomes = {o.feed.url.rsplit("/", 1)[1]: o for o in summary.outcomes}
    assert outcomes["good"].status == "ok" and outcomes["good"].new_entries == 5
    assert outcomes["truncated"].status == "ok" and outcomes["truncated"].new_entries >= 1
    for name in ("malformed", "html", "laughs", "xxe", "huge", "bomb", "slow", "error", "busy"):
        assert outcomes[name].status == "failed", name
        assert outcomes[name].error
    assert "TooLargeError" in outcomes["bomb"].error and "FetchTimeoutError" in outcomes["slow"].error
    assert "entities" in outcomes["laughs"].error and "entities" in outcomes["xxe"].error
    assert store.count_articles() == 5 + outcomes["truncated"].new_entries
    # Retry-After pushes the next poll at least that far out.
    busy = store.get_feed_state(feeds["/busy"].id or 0)
    assert busy.next_poll is not None and busy.last_fetched is not None
    assert (busy.next_poll - busy.last_fetched).total_seconds() >= 7200
    health = {f.url.rsplit("/", 1)[1]: s for f, s in store.feed_states()}
    assert (
        health["error"].last_error.startswith("HTTPStatusError") and health["error"].consecutive_failures == 1
    )


def test_repeated_failures_mark_a_feed_failing_but_keep_it_scheduled(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    store = sqlite_store
    _publisher(store)
    feed_server.routes["/down"] = Route(b"down", 503)
    feed = _feed(store, feed_server.url("/down"))
    settings = local_settings.replace(failing_after=3)
    for _ in range(3):
        _run(store, settings, [feed])
    state = store.get_feed_state(feed.id or 0)
    assert state.failing and state.consecutive_failures == 3 and "503" in state.last_error
    assert state.next_poll is not None and store.get_feed(feed.id or 0).enabled
    # Back to health: one success clears the failure count.
    feed_server.routes["/down"] = Route(rss([rss_item(1)]))
    _run(store, settings, [feed])
    state = store.get_feed_state(feed.id or 0)
    assert not state.failing and state.consecutive_failures == 0


def test_unresolvable_feed_is_reported_unreachable(sqlite_store: SqlStore, local_settings: Settings):
    store = sqlite_store
    _publisher(store)
    feed = _feed(store, "https://no-such-publisher.invalid/feed.xml")
    summary = _run(store, local_settings, [feed])
    assert summary.unreachable == 1 and "DNS" in summary.outcomes[0].error


def test_run_forever_polls_due_feeds_and_stops_cleanly(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    store = sqlite_store
    _publisher(store)
    feed_server.routes["/a"] = Route(rss([rss_item(1)]))
    feed_server.routes["/b"] = Route(rss([rss_item(2)]))
    _feed(store, feed_server.url("/a"))
    _feed(store, feed_server.url("/b"), "politics")

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(ServiceLoop(store, local_settings).run_forever(stop))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if store.count_articles() == 2:
                break
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(go())
    assert store.count_articles() == 2
    assert all(s.next_poll is not None for _, s in store.feed_states())
    assert store.due_feeds(store_now()) == []


def test_stop_abandons_fetches_in_flight(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    store = sqlite_store
    _publisher(store)
    feed_server.routes["/slow"] = Route(rss([rss_item(1)]), delay=3)
    feed = _feed(store, feed_server.url("/slow"))

    async def go() -> IngestSummary:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.3, stop.set)
        return await Ingestor(store, local_settings).run_once([feed], stop=stop)

    summary = asyncio.run(go())
    assert summary.stopped and summary.outcomes == ()
    assert store.count_articles() == 0 and store.feed_health(feed.id or 0) == []


@pytest.mark.parametrize("kind", ["json"])
def test_json_feed(sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer, kind: str):
    store = sqlite_store
    _publisher(store)
    doc = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "language": "de",'
        b' "items": [{"id": "1", "url": "https://j.example/1", "title": "Eins",'
        b' "content_html": "<p>Hallo <img src=x onerror=alert(1)></p>", "authors": [{"name": "A"}],'
        b' "date_published": "2025-06-01T10:00:00+02:00", "image": "https://j.example/1.png"}]}'
    )
    feed_server.routes["/j"] = Route(doc, content_type="application/feed+json")
    feed = _feed(store, feed_server.url("/j"))
    assert _run(store, local_settings, [feed]).new_entries == 1
    article = store.get_article_by_url("https://j.example/1")
    assert article.language == "de" and "onerror" not in article.body_html
    assert article.published.hour == 8 and article.images[0].url == "https://j.example/1.png"


def test_one_ingestor_serves_several_event_loops(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    """The CLI and benchmarks call asyncio.run per round with one Ingestor: no outcome may go missing."""
    store = sqlite_store
    _publisher(store)
    feeds = []
    for k in range(6):
        feed_server.routes[f"/f{k}"] = Route(rss([rss_item(k)]), etag=f'"{k}"')
        feeds.append(_feed(store, feed_server.url(f"/f{k}")))
    ingestor = Ingestor(store, local_settings)
    first = asyncio.run(ingestor.run_once(feeds))
    second = asyncio.run(ingestor.run_once(feeds))
    assert first.count("ok") == 6 and second.count("not_modified") == 6


def test_identical_body_without_validators_counts_as_not_modified(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    store = sqlite_store
    _publisher(store)
    feed_server.routes["/plain"] = Route(rss([rss_item(1), rss_item(2)]))  # no ETag, no Last-Modified
    feed = _feed(store, feed_server.url("/plain"))
    ingestor = Ingestor(store, local_settings)
    assert asyncio.run(ingestor.run_once([feed])).new_entries == 2
    again = asyncio.run(ingestor.run_once([feed]))
    assert again.count("not_modified") == 1 and store.feed_health(feed.id or 0)[0].status == 200
    feed_server.routes["/plain"] = Route(rss([rss_item(1), rss_item(2), rss_item(3)]))
    assert asyncio.run(ingestor.run_once([feed])).new_entries == 1


def test_cancelling_run_forever_takes_its_feeds_down_cleanly(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    """How the web server stops it: Task.cancel(). Fast feeds are stored whole, the slow one not at all."""
    store = sqlite_store
    _publisher(store)
    feed_server.routes["/fast"] = Route(rss([rss_item(1), rss_item(2)]))
    feed_server.routes["/slow"] = Route(rss([rss_item(3)]), delay=3)
    _feed(store, feed_server.url("/fast"))
    slow = _feed(store, feed_server.url("/slow"), "politics")

    async def go() -> list[asyncio.Task[object]]:
        task = asyncio.create_task(ServiceLoop(store, local_settings).run_forever(asyncio.Event()))
        for _ in range(60):
            await asyncio.sleep(0.05)
            if store.count_articles() == 2:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0)
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]

    leftovers = asyncio.run(go())
    assert leftovers == []
    assert store.count_articles() == 2 and store.feed_health(slow.id or 0) == []


def _article_page(n: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {k} of the full report number {n}: the council met on Tuesday and agreed a plan "
        f"for the river crossing, with work to begin in spring and a public meeting before then.</p>"
        for k in range(8)
    )
    return (
        f"<!doctype html><html lang='en'><head><title>Report {n}</title>"
        f"<meta property='og:title' content='Report {n}'></head><body><header>Site menu</header>"
        f"<article><h1>Report {n}</h1>{paragraphs}</article><footer>About us</footer></body></html>"
    ).encode()


def test_run_forever_fills_in_full_text_for_teasers(
    sqlite_store: SqlStore, local_settings: Settings, feed_server: FeedServer
):
    store = sqlite_store
    _publisher(store)
    link = feed_server.url("/article/1")
    teaser = rss([rss_item(1, link=link, body="<p>Just a teaser.</p>")]).replace(b"<content:encoded>", b"<x>")
    teaser = teaser.replace(b"</content:encoded>", b"</x>")
    feed_server.routes["/teasers"] = Route(teaser)
    feed_server.routes["/article/1"] = Route(_article_page(1), content_type="text/html; charset=utf-8")
    _feed(store, feed_server.url("/teasers"))
    settings = local_settings.replace(fetch_full_text=True)

    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(ServiceLoop(store, settings).run_forever(stop))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if store.count_articles() and store.get_article_by_url(link).full_text:
                break
        stop.set()
        await asyncio.wait_for(task, 10)

    asyncio.run(go())
    article = store.get_article_by_url(link)
    assert article.full_text and "Paragraph 7 of the full report number 1" in article.body_text


def test_parse_processes_store_what_a_thread_stores(
    tmp_path_factory: pytest.TempPathFactory, local_settings: Settings, feed_server: FeedServer
):
    """Parsing in worker processes is only a placement: same articles, same per-feed errors."""
    from newsstand.store import open_store

    feed_server.routes["/good"] = Route(rss([rss_item(n) for n in range(4)]))
    feed_server.routes["/laughs"] = Route(BILLION_LAUGHS)
    feed_server.routes["/malformed"] = Route(b"<rss><channel><<<&&&\x00\x01 {{{")
    stored = []
    for processes in (0, 1):
        settings = local_settings.replace(
            data_dir=str(tmp_path_factory.mktemp("data")), parse_processes=processes
        )
        store = open_store(settings)
        try:
            _publisher(store)
            feeds = [_feed(store, feed_server.url(path)) for path in feed_server.routes]
            summary = _run(store, settings, feeds)
            outcomes = {o.feed.url.rsplit("/", 1)[1]: (o.status, o.new_entries) for o in summary.outcomes}
            assert outcomes == {"good": ("ok", 4), "laughs": ("failed", 0), "malformed": ("failed", 0)}
            assert all("FeedParseError" in o.error for o in summary.outcomes if o.status == "failed")
            articles = [store.get_article_by_url(f"https://news.example.org/story/{n}") for n in range(4)]
            stored.append([(a.title, a.body_html, a.body_text, a.standfirst, a.authors) for a in articles])
        finally:
            store.close()
    assert stored[0] == stored[1]
