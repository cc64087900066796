"""RSS 2.0 (https://www.rssboard.org/rss-specification) with the usual extensions.

Authors go in one ``dc:creator`` as a byline, "A, B and C" (RSS's own ``author`` must
be an email address, and most readers show only the first of several creators), the
full or preview body in ``content:encoded``, the standfirst in ``description``, the
lead image as an ``enclosure`` plus ``media:content`` carrying caption and credit,
and the self and hub links as ``atom:link`` as the RSS Advisory Board recommends.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from lxml import etree

from newsstand.feedsout.entries import GENERATOR, Entry, Head, image_type, prepare, rfc822
from newsstand.feedsout.types import FeedDocument, FeedItem

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"
_NSMAP = {"atom": ATOM, "content": CONTENT, "dc": DC, "media": MEDIA}


def write_rss(doc: FeedDocument, items: Sequence[FeedItem]) -> bytes:
    """The feed as an RSS 2.0 document in UTF-8. Raises InvalidDataError (see ``prepare``)."""
    head, entries = prepare(doc, items)
    root = etree.Element("rss", nsmap=_NSMAP, version="2.0")
    channel = etree.SubElement(root, "channel")
    _channel_head(channel, head)
    for entry in entries:
        _item(etree.SubElement(channel, "item"), entry)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _sub(parent: etree._Element, tag: str, text: str = "", **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attrs)
    if text:
        element.text = text
    return element


def byline(names: Sequence[str]) -> str:
    """Names as one byline: "A", "A and B", "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _channel_head(channel: etree._Element, head: Head) -> None:
    _sub(channel, "title", head.title)
    _sub(channel, "link", head.home_url)
    # description is required; a feed without one describes itself by its title.
    _sub(channel, "description", head.description or head.title)
    _sub(channel, f"{{{ATOM}}}link", rel="self", type="application/rss+xml", href=head.self_url)
    for hub in head.hubs:
        _sub(channel, f"{{{ATOM}}}link", rel="hub", href=hub)
    if head.language:
        _sub(channel, "language", head.language)
    _sub(channel, "lastBuildDate", rfc822(head.generated))
    _sub(channel, "generator", GENERATOR)
    if head.icon_url:
        image = _sub(channel, "image")
        _sub(image, "url", head.icon_url)
        _sub(image, "title", head.title)
        _sub(image, "link", head.home_url)


def _item(item: etree._Element, entry: Entry) -> None:
    _sub(item, "title", entry.title)
    _sub(item, "link", entry.link)
    permalink = "true" if entry.id == entry.link else "false"
    _sub(item, "guid", entry.id, isPermaLink=permalink)
    _sub(item, "pubDate", rfc822(entry.published))
    if entry.authors:
        _sub(item, f"{{{DC}}}creator", byline(entry.authors))
    for category in entry.categories:
        _sub(item, "category", category)
    if entry.image is not None:
        kind = image_type(entry.image.url)
        # The length is unknown without fetching the image; the RSS Advisory Board says 0.
        _sub(item, "enclosure", url=entry.image.url, length="0", type=kind)
        media = _sub(item, f"{{{MEDIA}}}content", url=entry.image.url, medium="image", type=kind)
        if entry.image.width and entry.image.height:
            media.set("width", str(entry.image.width))
            media.set("height", str(entry.image.height))
        if entry.image.credit:
            _sub(media, f"{{{MEDIA}}}credit", entry.image.credit)
    if entry.summary:
        # description is HTML by convention: the plain-text standfirst is escaped for it.
        _sub(item, "description", html.escape(entry.summary, quote=False))
    if entry.content_html:
        _sub(item, f"{{{CONTENT}}}encoded", entry.content_html)
