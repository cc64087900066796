"""Our feeds read back by well-kept parsers (feedparser, fastfeedparser) and by our own.

feedparser has no JSON Feed support, so JSON Feed is read back by fastfeedparser and
by Newsstand's parser only.
"""

from __future__ import annotations

import calendar
import html
from datetime import UTC, datetime

import fastfeedparser
import feedparser
import pytest

from newsstand.feedsout import FeedDocument, FeedFormat, FeedItem, write_feed
from newsstand.ingest.feeds import parse_feed

from .samples import FULL, HUB, PAYWALLED, SECRET

XML_FORMATS = [FeedFormat.RSS, FeedFormat.ATOM]


def _as_text(detail: dict[str, str]) -> str:
    """A feedparser text construct as plain text (RSS descriptions come back as HTML)."""
    value = detail["value"]
    return html.unescape(value) if detail["type"] == "text/html" else value


def _stamp(value: datetime) -> int:
    return calendar.timegm(value.astimezone(UTC).timetuple())


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_feedparser_reads_every_field_back(fmt: FeedFormat, doc: FeedDocument, items: list[FeedItem]) -> None:
    parsed = feedparser.parse(write_feed(fmt, doc, items))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if fmt is FeedFormat.RSS else "atom10")
    assert parsed.feed.title == doc.title
    assert parsed.feed.link == doc.home_url
    links = {(link.rel, link.href) for link in parsed.feed.links}
    assert ("self", doc.self_url) in links
    assert ("hub", HUB) in links
    assert parsed.feed.language == "en"
    assert len(parsed.entries) == 3
    first, second, third = parsed.entries
    assert first.id == "https://news.example/articles/101"
    assert first.link == "https://news.example/articles/101"
    assert first.title == FULL.title
    names = [a.name for a in first.authors]
    assert names == (["Ann Example and Bo Sample"] if fmt is FeedFormat.RSS else list(FULL.authors))
    assert [t.term for t in first.tags] == ["World", "Europe", "diplomacy"]
    assert calendar.timegm(first.published_parsed) == _stamp(FULL.published)
    assert _as_text(first.summary_detail) == FULL.standfirst
    assert first.content[0].value == FULL.body_html
    assert first.enclosures[0].href == FULL.images[0].url
    assert first.enclosures[0].type == "image/jpeg"
    assert [a.name for a in second.authors] == ["Cy Writer"]
    assert SECRET not in second.content[0].value
    assert third.title == "Zürich – 東京 ☕ control chars and ]]> end"
    assert [a.name for a in third.authors] == ["Open Daily"]  # the publisher stands in


def test_feedparser_reads_rss_media_and_atom_updated(doc: FeedDocument, items: list[FeedItem]) -> None:
    rss = feedparser.parse(write_feed(FeedFormat.RSS, doc, items)).entries[0]
    assert rss.media_content[0]["url"] == FULL.images[0].url
    assert rss.media_content[0]["width"] == "1200"
    assert rss.media_credit[0]["content"] == "Photograph: Agency/Name"
    assert FULL.updated is not None
    atom = feedparser.parse(write_feed(FeedFormat.ATOM, doc, items)).entries[0]
    assert calendar.timegm(atom.updated_parsed) == _stamp(FULL.updated)
    related = [link.href for link in atom.links if link.rel == "related"]
    assert related == [FULL.url]


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_fastfeedparser_reads_it_back(fmt: FeedFormat, doc: FeedDocument, items: list[FeedItem]) -> None:
    parsed = fastfeedparser.parse(write_feed(fmt, doc, items))
    assert parsed["feed"]["title"] == doc.title
    entries = parsed["entries"]
    assert [e["title"] for e in entries] == [
        FULL.title,
        PAYWALLED.title,
        "Zürich – 東京 ☕ control chars and ]]> end",
    ]
    assert [e["link"] for e in entries] == [f"https://news.example/articles/{n}" for n in (101, 102, 103)]
    assert [e["id"] for e in entries] == [e["link"] for e in entries]
    assert entries[0]["author"] in ("Ann Example", "Ann Example and Bo Sample")
    assert SECRET not in str(entries[1])
    assert "Second open paragraph." in str(entries[0]["content"])


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_round_trip_through_newsstands_parser(
    fmt: FeedFormat, doc: FeedDocument, items: list[FeedItem]
) -> None:
    feed = parse_feed(write_feed(fmt, doc, items), url=doc.self_url)
    assert feed.kind == {"rss": "rss", "atom": "atom", "json": "json"}[fmt.value]
    assert feed.title == doc.title
    assert feed.language == "en"
    first, second, third = feed.entries
    assert first.guid == first.url == "https://news.example/articles/101"
    assert first.title == FULL.title
    # fastfeedparser, which our parser reads Atom with, keeps only the first of several
    # <author> elements (feedparser reads both: see the test above).
    assert first.authors == (FULL.authors[:1] if fmt is FeedFormat.ATOM else FULL.authors)
    assert first.published == FULL.published
    assert first.tags == ("World", "Europe", "diplomacy")
    assert first.content == FULL.body_html
    # ParsedEntry.summary is the publisher's HTML: RSS descriptions are HTML, so the
    # standfirst comes back escaped; Atom text constructs and JSON summaries are text.
    escaped = html.escape(FULL.standfirst, quote=False)
    assert first.summary == (escaped if fmt is FeedFormat.RSS else FULL.standfirst)
    assert [image.url for image in first.images] == [FULL.images[0].url]
    assert second.authors == ("Cy Writer",)
    assert "Opening paragraph." in second.content
    assert SECRET not in second.content + second.summary
    assert third.url == "https://news.example/articles/103"
    assert "🚀" in third.content


def test_round_trip_keeps_image_credit_and_size_in_rss(doc: FeedDocument, items: list[FeedItem]) -> None:
    image = parse_feed(write_feed(FeedFormat.RSS, doc, items)).entries[0].images[0]
    assert (image.credit, image.width, image.height) == ("Photograph: Agency/Name", 1200, 800)
