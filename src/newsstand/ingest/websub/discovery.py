"""Hub discovery (WebSub section 4): which hubs a topic names, and its canonical URL.

HTTP ``Link`` headers come first: when they name a hub, their ``self`` is the topic
and the document is not consulted. Otherwise the feed document's own links count:
``<link rel="hub">`` in Atom, ``<atom:link rel="hub">`` in RSS, ``hubs`` and
``feed_url`` in JSON Feed. Without a ``self`` the fetched URL is the topic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newsstand.errors import FeedParseError
from newsstand.ingest.feeds.jsonfeed import looks_like_json_feed
from newsstand.ingest.feeds.xmlguard import check_xml

_ATOM = "http://www.w3.org/2005/Atom"
# Hub links sit in the feed's head; reading stops at the first entry.
_ENTRY_TAGS = frozenset({f"{{{_ATOM}}}entry", "item", "{http://purl.org/rss/1.0/}item"})
_LINK_TAGS = frozenset({f"{{{_ATOM}}}link"})
_LINK_VALUE = re.compile(r"\s*<([^>]*)>\s*((?:;\s*[^,;]*)*)")
_PARAM = re.compile(r";\s*([A-Za-z0-9!#$&+\-.^_`|~]+)\s*(?:=\s*(\"(?:[^\"\\]|\\.)*\"|[^;,\s]*))?")


@dataclass(frozen=True, slots=True)
class FeedLinks:
    hubs: tuple[str, ...] = ()
    self_url: str = ""


@dataclass(frozen=True, slots=True)
class Discovery:
    """The hubs to subscribe at (in the order given) and the topic URL to subscribe to."""

    hubs: tuple[str, ...]
    topic: str


def parse_link_header(values: Iterable[str], base: str = "") -> list[tuple[str, frozenset[str]]]:
    """(URL, rel values) for every link in the given ``Link`` header values (RFC 8288).

    URLs are resolved against ``base``; rel values are lower-cased and split on
    spaces. Malformed parts are skipped, never raised on: the header is the
    publisher's input.
    """
    links: list[tuple[str, frozenset[str]]] = []
    for value in values:
        position = 0
        while (m := _LINK_VALUE.match(value, position)) is not None:
            rels: set[str] = set()
            for param in _PARAM.finditer(m.group(2)):
                if param.group(1).lower() == "rel" and param.group(2):
                    rels.update(param.group(2).strip('"').lower().split())
            url = m.group(1).strip()
            if url:
                links.append((urljoin(base, url), frozenset(rels)))
            position = m.end()
            comma = value.find(",", position)
            if comma < 0:
                break
            position = comma + 1
    return links


def feed_links(data: bytes, url: str = "") -> FeedLinks:
    """The hub and self links a feed document declares, resolved against ``url``.

    Raises FeedParseError for a document that declares XML entities (as the feed
    parser would); any other unreadable document simply declares no links.
    """
    if looks_like_json_feed(data):
        return _json_links(data, url)
    check_xml(data, url)
    hubs: list[str] = []
    self_url = ""
    parser = etree.iterparse(
        BytesIO(data),
        events=("start",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        recover=True,
    )
    try:
        for _, element in parser:
            if element.tag in _ENTRY_TAGS:
                break
            if element.tag in _LINK_TAGS:
                rels = set((element.get("rel") or "").lower().split())
                href = urljoin(url, (element.get("href") or "").strip())
                if "hub" in rels and href and href not in hubs:
                    hubs.append(href)
                if "self" in rels and href and not self_url:
                    self_url = href
    except etree.LxmlError:
        pass  # a broken document keeps whatever links came before the break
    return FeedLinks(tuple(_web(hubs)), self_url if _is_web(self_url) else "")


def _json_links(data: bytes, url: str) -> FeedLinks:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedParseError(f"not JSON: {exc}", url) from exc
    if not isinstance(document, dict):
        return FeedLinks()
    raw_hubs = document.get("hubs")
    hubs = [
        urljoin(url, hub["url"].strip())
        for hub in (raw_hubs if isinstance(raw_hubs, list) else [])
        if isinstance(hub, dict) and isinstance(hub.get("url"), str) and hub["url"].strip()
    ]
    feed_url = document.get("feed_url")
    self_url = urljoin(url, feed_url.strip()) if isinstance(feed_url, str) else ""
    return FeedLinks(tuple(_web(dict.fromkeys(hubs))), self_url if _is_web(self_url) else "")


def discover(
    fetched_url: str, link_headers: Iterable[str] = (), document: FeedLinks | None = None
) -> Discovery:
    """Hubs and topic for a feed fetched from ``fetched_url`` (after redirects).

    ``link_headers`` are the response's ``Link`` header values; ``document`` what
    ``feed_links`` found in the body. No hubs means the feed is polled only.
    """
    header_links = parse_link_header(link_headers, fetched_url)
    header_hubs = _web(dict.fromkeys(u for u, rels in header_links if "hub" in rels))
    if header_hubs:
        selfs = [u for u, rels in header_links if "self" in rels and _is_web(u)]
        return Discovery(tuple(header_hubs), selfs[0] if selfs else fetched_url)
    if document is not None and document.hubs:
        return Discovery(document.hubs, document.self_url or fetched_url)
    return Discovery((), fetched_url)


def _is_web(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _web(urls: Iterable[str]) -> list[str]:
    """Only http(s) URLs: a hub elsewhere (javascript:, file:) is never contacted."""
    return [u for u in urls if _is_web(u)]
