"""Feeds out: our writers against feedgen, the established Python feed generator.

    python bench/feedsout.py [--items 200] [--repeat 5]

Writes the same synthetic articles (several paragraphs, an image, two authors,
sections) as RSS and Atom with ``newsstand.feedsout`` and with feedgen, and prints
documents per second, size, and whether feedparser reads each back without errors.
A second table feeds both the characters publishers really send that XML 1.0 cannot
carry (a stray vertical tab, a NUL), and says who still writes a document. feedgen
has no JSON Feed; ours is timed on its own.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import feedparser

from newsstand.feedsout import FeedDocument, FeedFormat, FeedItem, write_feed
from newsstand.model import Access, AccessReason, Article, Image

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DOC = FeedDocument(
    "Bench", "https://news.example/feed", "https://news.example/", NOW, description="Bench feed"
)


def articles(n: int, title_extra: str = "") -> list[Article]:
    body = "".join(
        f"<p>Paragraph {p} with <a href='https://x.example/{p}'>a link</a> &amp; text.</p>" for p in range(8)
    )
    return [
        Article(
            publisher_id="p",
            url=f"https://pub.example/a/{i}",
            title=f"Headline number {i} & more{title_extra}",
            published=NOW - timedelta(minutes=i),
            id=i,
            standfirst=f"Standfirst {i}",
            authors=("Ann Example", "Bo Sample"),
            section="World",
            tags=("tag-a", "tag-b"),
            body_html=body,
            images=(Image(url=f"https://img.example/{i}.jpg", credit="Agency"),),
        )
        for i in range(n)
    ]


def ours(fmt: FeedFormat) -> Callable[[list[Article]], bytes]:
    def write(items: list[Article]) -> bytes:
        access = Access(True, AccessReason.MEMBER, 0)
        return write_feed(fmt, DOC, [FeedItem(a, access) for a in items])

    return write


def feedgen_writer(kind: str) -> Callable[[list[Article]], bytes]:
    from feedgen.feed import FeedGenerator

    def write(items: list[Article]) -> bytes:
        fg = FeedGenerator()
        fg.id(DOC.self_url)
        fg.title(DOC.title)
        fg.link(href=DOC.home_url, rel="alternate")
        fg.link(href=DOC.self_url, rel="self")
        fg.description(DOC.description)
        fg.updated(NOW)
        for a in reversed(items):  # feedgen prepends entries
            entry = fg.add_entry()
            entry.id(a.url)
            entry.title(a.title)
            entry.link(href=a.url)
            entry.published(a.published)
            entry.updated(a.published)
            entry.description(a.standfirst)
            entry.content(a.body_html, type="CDATA" if kind == "rss" else "html")
            for name in a.authors:
                entry.author(name=name)
            for tag in (a.section, *a.tags):
                entry.category(term=tag)
            entry.enclosure(a.images[0].url, "0", "image/jpeg")
        result: bytes = fg.rss_str() if kind == "rss" else fg.atom_str()
        return result

    return write


def timed(write: Callable[[list[Article]], bytes], items: list[Article], repeat: int) -> tuple[float, bytes]:
    best = float("inf")
    data = b""
    for _ in range(repeat):
        start = time.perf_counter()
        data = write(items)
        best = min(best, time.perf_counter() - start)
    return best, data


def _figures(seconds: float, data: bytes) -> str:
    return f"{1 / seconds:>10.1f}{len(data) / 1024:>9.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    items = articles(args.items)
    print(f"{args.items} items per document, best of {args.repeat}")
    print(f"{'writer':<22}{'docs/s':>10}{'KiB':>9}{'vs feedgen':>12}  feedparser")
    for kind, fmt in (("rss", FeedFormat.RSS), ("atom", FeedFormat.ATOM)):
        base_time, base_data = timed(feedgen_writer(kind), items, args.repeat)
        our_time, our_data = timed(ours(fmt), items, args.repeat)
        for name, secs, data in (
            (f"feedgen {kind}", base_time, base_data),
            (f"newsstand {kind}", our_time, our_data),
        ):
            verdict = "bozo" if feedparser.parse(data).bozo else "ok"
            print(f"{name:<22}{_figures(secs, data)}{base_time / secs:>11.2f}x  {verdict}")
    json_time, json_data = timed(ours(FeedFormat.JSON), items, args.repeat)
    print(f"{'newsstand json':<22}{_figures(json_time, json_data)}{'-':>12}  (no JSON reader)")
    print("\ntitles with characters XML 1.0 forbids (\\x0b, \\x00):")
    awkward = articles(3, title_extra=" \x0bwith\x00 controls")
    for name, write in (("feedgen rss", feedgen_writer("rss")), ("newsstand rss", ours(FeedFormat.RSS))):
        try:
            data = write(awkward)
            outcome = "readable" if not feedparser.parse(data).bozo else "written, unreadable"
        except ValueError as exc:
            outcome = f"raises {type(exc).__name__}: {exc}"
        print(f"  {name:<20}{outcome}")


if __name__ == "__main__":
    main()
