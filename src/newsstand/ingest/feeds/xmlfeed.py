"""RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 through a feed library, mapped to ``ParsedFeed``.

Two libraries were measured (bench/parsers.py, docs/decisions.md "Feed parsing"):
fastfeedparser (lxml) is the primary reader and feedparser the fallback for
documents it rejects. Either way the library sees bytes only, never a URL (both
would fetch one), and only after ``xmlguard`` refused entity declarations.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from html.entities import html5 as html5_entities
from typing import Any, Literal

import fastfeedparser
import feedparser

from newsstand.errors import FeedParseError
from newsstand.ingest.feeds.authors import merge_authors
from newsstand.ingest.feeds.dates import parse_date
from newsstand.ingest.feeds.types import ParsedEntry, ParsedFeed
from newsstand.ingest.feeds.xmlguard import check_xml, prolog_text, wide_encoding
from newsstand.markup.sanitize import html_to_text
from newsstand.markup.urls import absolute_url
from newsstand.model import Image

Backend = Literal["auto", "fast", "feedparser"]
_ROOT = re.compile(r"<(?:[\w-]+:)?(rss|feed|RDF|channel)\b")
_IMAGE_EXT = re.compile(r"\.(jpe?g|png|gif|webp|avif)(\?|$)", re.IGNORECASE)


def sniff_kind(data: bytes) -> str:
    """ "rss", "atom" or "rdf" from the root element; "" when none is found."""
    m = _ROOT.search(prolog_text(data[:8192]))
    if m is None:
        return ""
    return {"rss": "rss", "channel": "rss", "feed": "atom", "RDF": "rdf"}[m.group(1)]


def parse_xml_feed(
    data: bytes, url: str = "", content_type: str = "", backend: Backend = "auto"
) -> ParsedFeed:
    """Read an RSS or Atom document. Raises FeedParseError when it is hostile or not a feed."""
    check_xml(data, url)
    kind = sniff_kind(data) or "rss"
    if backend == "feedparser":
        return _with_feedparser(data, url, content_type, kind)
    try:
        parsed = _with_fastfeedparser(data, url, kind)
    except FeedParseError:
        if backend == "fast":
            raise
        return _with_feedparser(data, url, content_type, kind)
    if parsed.entries or backend == "fast":
        return _recognisable(parsed, url)
    # No entries: an old dialect (RSS 0.90, pre-1.0 Atom namespaces) the fast
    # parser does not know; the slow one is worth a try before we say "empty".
    try:
        slow = _with_feedparser(data, url, content_type, kind)
    except FeedParseError:
        return _recognisable(parsed, url)
    return slow if slow.entries else _recognisable(parsed, url)


def _recognisable(parsed: ParsedFeed, url: str) -> ParsedFeed:
    """``parsed`` unless it holds nothing a feed would (the recovering parser's output
    for garbage): no entries, no title, no link. Raises FeedParseError then."""
    if parsed.entries or parsed.title or (parsed.link and parsed.link != url):
        return parsed
    raise FeedParseError("no feed found in the document", url)


_NAMED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
_ROOT_BASE = re.compile(rb"<(?:feed|rss|rdf:RDF)\b[^>]*?\sxml:base=[\"']([^\"'<>]+)[\"']")
_LANGUAGE = re.compile(rb"<(?:dc:)?language>\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)\s*</", re.IGNORECASE)


def _numeric_entities(data: bytes) -> bytes:
    """Replace HTML named entities (undefined in XML) by numeric references.

    Feeds written by HTML tools use &eacute; and friends; a strict XML parser
    stops at the first one and the rest of the feed is lost. Inside CDATA the
    replacement is harmless because that text is HTML, where both forms mean the
    same character.
    """
    if b"&" not in data or wide_encoding(data):
        return data

    def repl(m: re.Match[bytes]) -> bytes:
        name = m.group(1)
        if name in _XML_ENTITIES:
            return m.group(0)
        char = html5_entities.get(name.decode("ascii") + ";")
        if not char:
            return m.group(0)
        return b"".join(b"&#%d;" % ord(c) for c in char)

    return _NAMED_ENTITY.sub(repl, data)


# --- shared helpers ---------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _plain(value: Any) -> str:
    """A title as plain text: markup some feeds put in titles is dropped."""
    text = _text(value)
    if "<" in text or "&" in text:
        text = " ".join(html_to_text(text).split())
    return text


def _image(item: Mapping[str, Any], base: str) -> Image | None:
    url = _text(item.get("url") or item.get("href"))
    kind = _text(item.get("type")) or _text(item.get("medium"))
    if not url or not (kind.startswith("image") or (not kind and _IMAGE_EXT.search(url))):
        return None
    return Image(
        url=absolute_url(url, base),
        caption=_plain(item.get("description")),
        credit=_plain(item.get("credit")),
        width=_int(item.get("width")),
        height=_int(item.get("height")),
    )


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 100_000 else None


def _images(groups: Iterable[Any], base: str) -> tuple[Image, ...]:
    found: dict[str, Image] = {}
    for group in groups:
        for item in group if isinstance(group, list) else []:
            image = _image(item, base) if isinstance(item, Mapping) else None
            if image is not None and image.url not in found:
                found[image.url] = image
    return tuple(found.values())


def _names(entry: Mapping[str, Any]) -> tuple[str, ...]:
    raw = [_text(a.get("name")) for a in entry.get("authors") or [] if isinstance(a, Mapping)]
    if not any(raw):
        raw = [_text(entry.get("author"))]
    return merge_authors([r for r in raw if r])


def _tags(entry: Mapping[str, Any]) -> tuple[str, ...]:
    terms = [
        _plain(t.get("term") or t.get("label")) for t in entry.get("tags") or [] if isinstance(t, Mapping)
    ]
    return tuple(dict.fromkeys(t for t in terms if t))


def _first_content(entry: Mapping[str, Any]) -> str:
    for item in entry.get("content") or []:
        if isinstance(item, Mapping) and _text(item.get("value")):
            return _text(item.get("value"))
    return ""


def _finish(kind: str, feed: Mapping[str, Any], entries: list[ParsedEntry], url: str) -> ParsedFeed:
    return ParsedFeed(
        kind=kind,
        title=_plain(feed.get("title")),
        link=absolute_url(_text(feed.get("link")), url),
        language=_text(feed.get("language")),
        entries=tuple(entries),
    )


# --- fastfeedparser -------------------------------------------------------------------------


def _with_fastfeedparser(data: bytes, url: str, kind: str) -> ParsedFeed:
    try:
        result = fastfeedparser.parse(_numeric_entities(data))
    except Exception as exc:  # hostile input may break the library anywhere; one seam translates
        raise FeedParseError(f"not a readable feed: {exc}", url) from exc
    feed = result.get("feed") or {}
    language = _text(feed.get("language"))
    if not language:  # fastfeedparser reads xml:lang only, not RSS <language>
        m = _LANGUAGE.search(data, 0, 65536)
        language = m.group(1).decode("ascii") if m else ""
    # fastfeedparser leaves links relative; resolve them against the root's xml:base
    # (which itself may be relative to the document URL), as feedparser would.
    m = _ROOT_BASE.search(data, 0, 8192)
    base = absolute_url(m.group(1).decode("utf-8", "replace"), url) if m else url
    entries = [_fast_entry(e, base, language) for e in result.get("entries") or []]
    return _finish(kind, {**feed, "language": language}, entries, url)


def _fast_entry(entry: Mapping[str, Any], base: str, language: str) -> ParsedEntry:
    raw_link = _text(entry.get("link"))
    link = absolute_url(raw_link, base) if raw_link else ""
    guid = _text(entry.get("id")) or link
    summary, content = _text(entry.get("description")), _first_content(entry)
    content_base = next(
        (
            _text(c.get("base"))
            for c in entry.get("content") or []
            if isinstance(c, Mapping) and c.get("base")
        ),
        "",
    )
    # fastfeedparser copies the description into content when there is none, and
    # synthesizes a description from the start of the content: undo both.
    if content == summary:
        content = ""
    elif summary and content.startswith(summary):
        summary = ""
    return ParsedEntry(
        guid=guid,
        url=link or (guid if guid.startswith(("http://", "https://")) else ""),
        title=_plain(entry.get("title")),
        summary=summary,
        content=content,
        authors=_names(entry),
        tags=_tags(entry),
        published=parse_date(_text(entry.get("published"))),
        updated=parse_date(_text(entry.get("updated"))),
        images=_images((entry.get("media_content"), entry.get("enclosures")), base),
        language=language,
        base=absolute_url(content_base, base) if content_base else (link or base),
    )


# --- feedparser -----------------------------------------------------------------------------


def _with_feedparser(data: bytes, url: str, content_type: str, kind: str) -> ParsedFeed:
    headers = {"content-location": url} if url else {}
    if content_type:
        headers["content-type"] = content_type
    try:
        result = feedparser.parse(data, response_headers=headers, sanitize_html=False)
    except Exception as exc:  # see _with_fastfeedparser
        raise FeedParseError(f"not a readable feed: {exc}", url) from exc
    if not result.get("entries") and not (result.get("feed") or {}).get("title"):
        raise FeedParseError(f"not a feed: {result.get('bozo_exception') or 'no entries'}", url)
    feed = result.get("feed") or {}
    language = _text(feed.get("language"))
    entries = [_fp_entry(e, url, language) for e in result.get("entries") or []]
    return _finish(kind, feed, entries, url)


def _struct_time(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except ValueError:
        return None


def _fp_entry(entry: Mapping[str, Any], base: str, language: str) -> ParsedEntry:
    raw_link = _text(entry.get("link"))
    link = absolute_url(raw_link, base) if raw_link else ""
    guid = _text(entry.get("id")) or link
    # feedparser files media:description as a text/plain content item, so only
    # HTML content counts as the body here.
    content = _first_content(
        {"content": [c for c in entry.get("content") or [] if c.get("type") != "text/plain"]}
    )
    summary = _text(entry.get("summary"))
    if content == summary:
        content = ""
    enclosures = [dict(e, url=e.get("href")) for e in entry.get("enclosures") or [] if isinstance(e, Mapping)]
    return ParsedEntry(
        guid=guid,
        url=link or (guid if guid.startswith(("http://", "https://")) else ""),
        title=_plain(entry.get("title")),
        summary=summary,
        content=content,
        authors=_names(entry),
        tags=_tags(entry),
        published=_struct_time(entry.get("published_parsed")) or parse_date(_text(entry.get("published"))),
        updated=_struct_time(entry.get("updated_parsed")) or parse_date(_text(entry.get("updated"))),
        images=_images((entry.get("media_content"), entry.get("media_thumbnail"), enclosures), base),
        language=_text((entry.get("title_detail") or {}).get("language")) or language,
    )
