"""The web reader's pure pieces: relative times, charts, live-blog arrangement, For you, fallback."""

from __future__ import annotations

from datetime import timedelta

from newsstand.app.personal import fallback_top, for_you
from newsstand.app.reading import arrange
from newsstand.model import Article, FetchRecord, LiveEntry, Reader
from newsstand.web.charts import bucket_fetches, fetch_chart
from newsstand.web.live import entry_anchor
from newsstand.web.timefmt import ZONE, clock, exact, iso, relative

from .conftest import NOW


def test_relative_times() -> None:
    assert relative(NOW - timedelta(seconds=20), NOW) == "just now"
    assert relative(NOW + timedelta(minutes=5), NOW) == "just now"  # publisher clocks run ahead
    assert relative(NOW - timedelta(minutes=5), NOW) == "5 min ago"
    assert relative(NOW - timedelta(hours=2, minutes=59), NOW) == "2 h ago"
    assert relative(NOW - timedelta(days=3), NOW) == "3 d ago"
    assert relative(NOW - timedelta(days=40), NOW) == "11 Oct 2026"
    assert (
        exact(NOW) == "20 Nov 2026, 12:00 UTC"
        and iso(NOW) == "2026-11-20T12:00:00Z"
        and clock(NOW) == "12:00 UTC"
    )


def test_times_in_the_reader_zone_name_the_zone() -> None:
    assert exact(NOW, "Europe/Berlin") == "20 Nov 2026, 13:00 CET (Europe/Berlin)"
    assert clock(NOW, "Asia/Kolkata") == "17:30 IST" and clock(NOW, "Asia/Dubai") == "16:00 UTC+04"
    zone = ZONE.set("America/New_York")  # what the session middleware sets for a request
    try:
        assert (
            exact(NOW) == "20 Nov 2026, 07:00 EST (America/New_York)" and iso(NOW) == "2026-11-20T12:00:00Z"
        )
    finally:
        ZONE.reset(zone)


def test_chart_buckets_and_markup() -> None:
    records = [
        FetchRecord(
            1,
            NOW - timedelta(minutes=30 * i),
            200 if i % 3 else 500,
            10.0,
            100,
            error="" if i % 3 else "server error",
        )
        for i in range(20)
    ]
    buckets = bucket_fetches(records, NOW, hours=12, per_bucket_hours=2)
    assert len(buckets) == 6
    assert sum(b.ok for b in buckets) == 13 and sum(b.failed for b in buckets) == 7
    old = FetchRecord(1, NOW - timedelta(days=3), 200, 1.0, 1)
    assert sum(b.ok for b in bucket_fetches([old], NOW)) == 0  # outside the window
    svg = str(fetch_chart(buckets, label='Feed <"x">'))
    assert svg.startswith("<svg") and '<"x">' not in svg and "&lt;&quot;x&quot;&gt;" in svg
    assert svg.count('class="chart-bad"') == sum(1 for b in buckets if b.failed) == 5


def entry(entry_id: str, minutes: int, **kw: bool) -> LiveEntry:
    return LiveEntry(entry_id, NOW - timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


def test_arrange_pins_summary_and_keeps_order() -> None:
    entries = [entry("c", 1, key_event=True), entry("b", 2, summary=True), entry("a", 3, key_event=True)]
    pinned, keys, timeline = arrange(entries)
    assert [e.entry_id for e in pinned] == ["b"]
    assert [e.entry_id for e in keys] == ["c", "a"]
    assert [e.entry_id for e in timeline] == ["c", "a"]
    assert entry_anchor(LiveEntry("block 5/x", NOW)) == "entry-block-5-x"


def article(article_id: int, publisher: str, section: str, hours: int) -> Article:
    return Article(
        publisher,
        f"https://x.example/{article_id}",
        f"t{article_id}",
        NOW - timedelta(hours=hours),
        id=article_id,
        section=section,
        sections=(section,),
    )


def test_for_you_gives_one_reason_per_card() -> None:
    reader = Reader(1, "r@example.org", NOW, followed_publishers=("a",), followed_sections=("science",))
    items = [article(1, "a", "World", 1), article(2, "b", "Science", 2), article(3, "b", "Sport", 3)]
    cards = for_you(items, reader, {"a": "Alpha"}, limit=5)
    assert [(c.article.id, c.reason) for c in cards] == [
        (1, "Because you follow Alpha"),
        (2, "From Science, a section you follow"),
    ]


def test_fallback_top_takes_one_article_per_publisher() -> None:
    items = [article(1, "a", "World", 1), article(2, "a", "World", 2), article(3, "b", "World", 3)]
    assert [c.article.id for c in fallback_top(items, limit=5)] == [1, 3]
