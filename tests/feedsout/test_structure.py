"""Each format's required structure, the paywall, escaping and bad input."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from newsstand.errors import InvalidDataError
from newsstand.feedsout import CONTENT_TYPES, FeedDocument, FeedFormat, FeedItem, write_feed
from newsstand.feedsout.entries import clean
from newsstand.model import Access, AccessReason, Article

from .samples import FULL, NOW, PAYWALLED, SECRET, member_item

A = "{http://www.w3.org/2005/Atom}"


def _xml(data: bytes) -> etree._Element:
    """Strict parse: no recovery, so a single bad character or escape fails the test."""
    return etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))


def test_rss_has_the_required_channel_and_item_elements(doc: FeedDocument, items: list[FeedItem]) -> None:
    root = _xml(write_feed(FeedFormat.RSS, doc, items))
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), required
    self_links = channel.findall(f"{A}link[@rel='self']")
    assert [link.get("href") for link in self_links] == [doc.self_url]
    assert parsedate_to_datetime(channel.findtext("lastBuildDate") or "") == NOW
    rss_items = channel.findall("item")
    assert len(rss_items) == len(items)
    for item, given_item in zip(rss_items, items, strict=True):
        assert item.findtext("title") or item.findtext("description")
        assert item.findtext("guid") == item.findtext("link")
        assert item.find("guid").get("isPermaLink") == "true"  # type: ignore[union-attr]
        assert parsedate_to_datetime(item.findtext("pubDate") or "") == given_item.article.published
    enclosure = rss_items[0].find("enclosure")
    assert enclosure is not None
    assert (enclosure.get("url"), enclosure.get("length"), enclosure.get("type")) == (
        FULL.images[0].url,
        "0",
        "image/jpeg",
    )


def test_atom_has_the_required_feed_and_entry_elements(doc: FeedDocument, items: list[FeedItem]) -> None:
    root = _xml(write_feed(FeedFormat.ATOM, doc, items))
    assert root.tag == f"{A}feed"
    for required in ("id", "title", "updated"):
        assert len(root.findall(f"{A}{required}")) == 1, required
    assert root.findtext(f"{A}id") == doc.self_url
    assert datetime.fromisoformat(root.findtext(f"{A}updated") or "") == FULL.updated  # the newest entry
    assert root.find(f"{A}link[@rel='self']").get("href") == doc.self_url  # type: ignore[union-attr]
    assert root.find(f"{A}author/{A}name") is not None
    entries = root.findall(f"{A}entry")
    assert len(entries) == len(items)
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{required}")) == 1, required
        assert entry.findall(f"{A}author/{A}name"), "every entry names an author"
        assert entry.find(f"{A}link[@rel='alternate']") is not None
        assert entry.find(f"{A}content").get("type") == "html"  # type: ignore[union-attr]
        datetime.fromisoformat(entry.findtext(f"{A}published") or "")
    assert entries[2].get("{http://www.w3.org/XML/1998/namespace}lang") == "de"


def _json(data: bytes) -> dict[str, Any]:
    document = json.loads(data)
    assert isinstance(document, dict)
    return document


def test_json_feed_has_the_required_fields(doc: FeedDocument, items: list[FeedItem]) -> None:
    document = _json(write_feed(FeedFormat.JSON, doc, items))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == doc.title
    assert document["feed_url"] == doc.self_url
    assert document["home_page_url"] == doc.home_url
    assert document["hubs"] == [{"type": "WebSub", "url": "https://hub.example/websub"}]
    assert isinstance(document["items"], list)
    for item in document["items"]:
        assert isinstance(item["id"], str)
        assert item["id"]
        assert isinstance(item.get("content_html", item.get("content_text")), str)
        datetime.fromisoformat(item["date_published"])
        for author in item.get("authors", []):
            assert set(author) == {"name"}
        assert all(key.startswith("_") for key in item if key not in _JSON_ITEM_KEYS)
    first = document["items"][0]
    assert first["image"] == FULL.images[0].url
    assert first["external_url"] == FULL.url
    assert first["_newsstand"] == {
        "full_text": True,
        "image_caption": "Delegates arrive",
        "image_credit": "Photograph: Agency/Name",
    }
    assert document["items"][1]["_newsstand"] == {"full_text": False}


_JSON_ITEM_KEYS = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
    "banner_image", "date_published", "date_modified", "authors", "tags", "language", "attachments",
}  # fmt: skip


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_a_paywalled_article_carries_only_its_preview(
    fmt: FeedFormat, doc: FeedDocument, items: list[FeedItem]
) -> None:
    assert not items[1].access.full  # the real paywall decision for a stranger
    data = write_feed(fmt, doc, items).decode()
    assert SECRET not in data
    assert "Opening paragraph." in data
    assert "Second paragraph." in data
    assert "Third paragraph." not in data  # the preview is two paragraphs here
    assert "Continue reading" in data


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_a_member_gets_the_whole_article(fmt: FeedFormat, doc: FeedDocument) -> None:
    data = write_feed(fmt, doc, [member_item(PAYWALLED)]).decode()
    assert data.count(SECRET) == 2
    assert "Continue reading" not in data


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_no_preview_at_all_still_links_to_the_article(fmt: FeedFormat, doc: FeedDocument) -> None:
    item = FeedItem(
        PAYWALLED, Access(False, AccessReason.ANONYMOUS, 0), link="https://news.example/articles/102"
    )
    data = write_feed(fmt, doc, [item]).decode()
    assert "Opening paragraph." not in data
    assert "https://news.example/articles/102" in data


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_an_empty_feed_is_still_valid(fmt: FeedFormat, doc: FeedDocument) -> None:
    data = write_feed(fmt, doc, [])
    if fmt is FeedFormat.JSON:
        assert _json(data)["items"] == []
        return
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert parsed.feed.title == doc.title
    if fmt is FeedFormat.ATOM:
        assert datetime.fromisoformat(_xml(data).findtext(f"{A}updated") or "") == NOW


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("self_url", "/feeds/world.xml"),
        ("home_url", "javascript:alert(1)"),
        ("self_url", "https://news.example/a b"),
        ("title", "  "),
        ("hubs", ("ftp://hub.example/",)),
    ],
)
def test_bad_documents_are_refused(doc: FeedDocument, field: str, value: object) -> None:
    bad = replace(doc, **{field: value})
    with pytest.raises(InvalidDataError):
        write_feed(FeedFormat.ATOM, bad, [])


@pytest.mark.parametrize(
    "url", ["https://news.example/", "http://[2001:db8::1]:8080/f?x=1#y", "https://u@news.example:443/a"]
)
def test_absolute_web_urls_are_taken(doc: FeedDocument, url: str) -> None:
    assert f'href="{url}"'.encode() in write_feed(FeedFormat.ATOM, replace(doc, self_url=url), [])


def test_a_relative_item_link_is_refused(doc: FeedDocument) -> None:
    item = FeedItem(FULL, Access(True, AccessReason.MEMBER, 0), link="/articles/101")
    with pytest.raises(InvalidDataError, match="item link"):
        write_feed(FeedFormat.RSS, doc, [item])


def test_content_types_name_each_format() -> None:
    assert {fmt: CONTENT_TYPES[fmt].split(";")[0] for fmt in FeedFormat} == {
        FeedFormat.RSS: "application/rss+xml",
        FeedFormat.ATOM: "application/atom+xml",
        FeedFormat.JSON: "application/feed+json",
    }


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=80), standfirst=st.text(max_size=80), body=st.text(max_size=200))
def test_any_text_gives_well_formed_documents_that_read_back(title: str, standfirst: str, body: str) -> None:
    article = Article(
        publisher_id="p",
        url="https://pub.example/a",
        title=title,
        published=NOW,
        standfirst=standfirst,
        body_html=body,
    )
    doc = FeedDocument(
        title=title or "t", self_url="https://n.example/f", home_url="https://n.example/", generated=NOW
    )
    if not doc.title.strip():
        doc = FeedDocument(title="t", self_url=doc.self_url, home_url=doc.home_url, generated=NOW)
    item = FeedItem(article, Access(True, AccessReason.MEMBER, 0))
    expected_title = clean(" ".join(title.split()))
    atom = _xml(write_feed(FeedFormat.ATOM, doc, [item]))
    assert (atom.findtext(f"{A}entry/{A}title") or "") == expected_title
    assert (atom.findtext(f"{A}entry/{A}summary") or "") == clean(standfirst.strip())
    rss = _xml(write_feed(FeedFormat.RSS, doc, [item]))
    assert (rss.findtext("channel/item/title") or "") == expected_title
    document = _json(write_feed(FeedFormat.JSON, doc, [item]))
    assert document["items"][0]["title"] == expected_title
    assert document["items"][0]["content_html"] == clean(body) or not body.strip()
