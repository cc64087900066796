"""Feed parsing: formats, dialects, hostile XML."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsstand.errors import FeedParseError
from newsstand.ingest.articles import entry_to_article
from newsstand.ingest.feeds import parse_feed
from newsstand.markup.sanitize import sanitize_html
from newsstand.model import Feed

from .feeds import BILLION_LAUGHS, XXE, atom, rss, rss_item, xxe_utf16

BACKENDS = ["auto", "feedparser"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_rss2_entry_fields(backend: str):
    parsed = parse_feed(rss([rss_item(1)]), "https://news.example.org/feed.xml", backend=backend)  # type: ignore[arg-type]
    assert parsed.kind == "rss" and parsed.title == "Example News" and parsed.language == "en-gb"
    (entry,) = parsed.entries
    assert entry.guid == "story-1" and entry.url == "https://news.example.org/story/1"
    assert entry.title == "Story number 1" and entry.summary == "Teaser for story 1."
    assert "Full body of story 1." in entry.content  # content:encoded wins over description
    assert entry.authors == ("Ada Writer", "Ben Reporter") and entry.tags == ("World",)
    assert entry.published == datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
    assert entry.images[0].url == "https://news.example.org/img/1.jpg"


def test_media_caption_and_credit_are_kept():
    (entry,) = parse_feed(rss([rss_item(1)]), "https://news.example.org/feed.xml").entries
    assert entry.images[0].caption == "Picture 1" and entry.images[0].credit == "Photo: Staff"


@pytest.mark.parametrize("backend", BACKENDS)
def test_atom_with_xml_base_and_html_title(backend: str):
    parsed = parse_feed(atom(2), "https://blog.example.net/feed.atom", backend=backend)  # type: ignore[arg-type]
    assert parsed.kind == "atom" and len(parsed.entries) == 2
    entry = parsed.entries[1]
    assert entry.url == "https://blog.example.net/posts/1" and entry.title == "Post 1"
    assert entry.updated == datetime(2025, 6, 2, 8, 0, tzinfo=UTC) and entry.authors == ("Cleo Author",)
    article = entry_to_article(entry, Feed("u", "p"), datetime.now(UTC))
    assert article is not None and 'href="https://blog.example.net/rel"' in article.body_html


def test_relative_links_resolve_against_the_feed_url():
    doc = rss([rss_item(1, link="/relative/story")])
    (entry,) = parse_feed(doc, "https://news.example.org/feeds/all.xml").entries
    assert entry.url == "https://news.example.org/relative/story"


def test_old_dialects():
    rss091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title><link>http://o.example/</link>
<item><title>Item</title><link>http://o.example/1</link><description>d</description></item></channel></rss>"""
    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://r.example/"><title>RDF</title><link>http://r.example/</link></channel>
<item rdf:about="http://r.example/1"><title>One</title><link>http://r.example/1</link>
<dc:date>2025-06-03T10:00:00+01:00</dc:date><dc:creator>Dee Author</dc:creator></item></rdf:RDF>"""
    atom03 = b"""<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>A03</title>
<entry><title>Old atom</title><link rel="alternate" type="text/html" href="http://a.example/1"/>
<id>tag:a.example,2004:1</id><issued>2004-01-01T10:00:00Z</issued><modified>2004-01-02T10:00:00Z</modified>
</entry></feed>"""
    assert parse_feed(rss091).entries[0].url == "http://o.example/1"
    rdf_entry = parse_feed(rdf).entries[0]
    assert rdf_entry.published == datetime(2025, 6, 3, 9, 0, tzinfo=UTC) and rdf_entry.authors == (
        "Dee Author",
    )
    old = parse_feed(atom03).entries[0]
    assert old.url == "http://a.example/1" and old.published == datetime(2004, 1, 1, 10, 0, tzinfo=UTC)


def test_html_entities_in_xml_do_not_truncate_the_feed():
    doc = rss([rss_item(1, title="Caf&eacute; &amp; cr&egrave;me &mdash; ok"), rss_item(2)])
    parsed = parse_feed(doc, "https://news.example.org/f")
    assert parsed.entries[0].title == "Café & crème — ok" and len(parsed.entries) == 2


def test_json_feed_1_0_author_and_text_content():
    doc = b"""{"version": "https://jsonfeed.org/version/1", "title": "J", "author": {"name": "Solo Writer"},
      "items": [{"id": 7, "url": "/p/7", "content_text": "para one\\n\\npara <two>", "tags": ["x"],
      "date_modified": "2025-06-03T10:00:00Z"}]}"""
    (entry,) = parse_feed(doc, "https://j.example/feed.json").entries
    assert entry.guid == "7" and entry.url == "https://j.example/p/7" and entry.authors == ("Solo Writer",)
    assert entry.content == "<p>para one</p><p>para &lt;two&gt;</p>" and entry.tags == ("x",)


@pytest.mark.parametrize(
    "doc",
    [BILLION_LAUGHS, XXE, xxe_utf16(), XXE.replace(b"<!ENTITY", b"<!entity")],
    ids=["billion-laughs", "xxe", "xxe-utf16", "xxe-lowercase"],
)
def test_entity_declarations_are_refused(doc: bytes):
    with pytest.raises(FeedParseError, match="entities"):
        parse_feed(doc, "https://x.example/feed")


@pytest.mark.parametrize("backend", ["fast", "feedparser"])
def test_parsers_never_read_local_files_even_without_the_guard(backend: str, tmp_path: Path):
    """Defence in depth: the libraries themselves must not resolve external entities."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    from newsstand.ingest.feeds import xmlfeed

    doc = XXE.replace(b"file:///etc/passwd", secret.as_uri().encode())
    try:
        if backend == "fast":
            parsed = xmlfeed._with_fastfeedparser(doc, "", "rss")
        else:
            parsed = xmlfeed._with_feedparser(doc, "", "", "rss")
    except FeedParseError:
        return
    assert all("TOPSECRET" not in e.title for e in parsed.entries)


@pytest.mark.parametrize(
    "doc",
    [
        b"",
        b"   ",
        b"<html><body>hello</body></html>",
        b"\x00\x01\x02",
        b"{not json",
        b'{"items": 3}',
        b"[1,2]",
    ],
)
def test_garbage_raises_feed_parse_error(doc: bytes):
    with pytest.raises(FeedParseError):
        parse_feed(doc, "https://x.example/feed")


def test_feedparser_suite_sanitize_cases_leave_nothing_active(shared_data: Path):
    """745 hostile bodies from feedparser's suite: after parse + sanitize none stays active."""
    unsafe = re.compile(r"<script|<style|\son[a-z]+\s*=|javascript:|vbscript:|<object|<embed|<form", re.I)
    checked = 0
    for path in sorted(
        (shared_data / "feeds" / "feedparser-suite" / "wellformed" / "sanitize").glob("*.xml")
    ):
        try:
            parsed = parse_feed(path.read_bytes(), "http://example.org/feed")
        except FeedParseError:
            continue
        for entry in parsed.entries:
            for html in (entry.content, entry.summary):
                checked += 1
                assert not unsafe.search(sanitize_html(html, "http://example.org/")), path.name
    assert checked > 700


def test_real_world_feeds_all_parse(shared_data: Path):
    import gzip

    files = sorted((shared_data / "feeds" / "real-world").glob("*.gz"))[::5]
    entries = 0
    for path in files:
        parsed = parse_feed(gzip.decompress(path.read_bytes()), "https://example.org/feed")
        entries += len(parsed.entries)
        assert all(e.url.startswith(("http://", "https://")) or not e.url for e in parsed.entries)
    assert entries > 500
