"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import json
from typing import Any

from newsstand.errors import FeedParseError
from newsstand.ingest.feeds.authors import merge_authors
from newsstand.ingest.feeds.dates import parse_date
from newsstand.ingest.feeds.types import ParsedEntry, ParsedFeed
from newsstand.markup.urls import absolute_url
from newsstand.model import Image


def looks_like_json_feed(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b"jsonfeed.org/version" in data[:4096]


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _names(obj: dict[str, Any]) -> list[str]:
    authors = obj.get("authors")
    if not isinstance(authors, list):
        single = obj.get("author")  # 1.0 has one author object
        authors = [single] if isinstance(single, dict) else []
    return [_str(a.get("name")) for a in authors if isinstance(a, dict) and _str(a.get("name"))]


def _images(item: dict[str, Any], base: str) -> tuple[Image, ...]:
    urls = [_str(item.get("image")), _str(item.get("banner_image"))]
    attachments = item.get("attachments")
    for att in attachments if isinstance(attachments, list) else []:
        if isinstance(att, dict) and _str(att.get("mime_type")).startswith("image/"):
            urls.append(_str(att.get("url")))
    seen: list[str] = []
    for url in urls:
        if url and absolute_url(url, base) not in seen:
            seen.append(absolute_url(url, base))
    return tuple(Image(url=u) for u in seen)


def _entry(item: dict[str, Any], base: str, feed_authors: list[str], language: str) -> ParsedEntry:
    url = absolute_url(_str(item.get("url")) or _str(item.get("external_url")), base)
    guid = _str(item.get("id")) if isinstance(item.get("id"), str) else str(item.get("id") or "")
    content = _str(item.get("content_html"))
    if not content and _str(item.get("content_text")):
        content = "".join(f"<p>{_escape(p)}</p>" for p in _str(item.get("content_text")).split("\n\n"))
    tags = item.get("tags")
    return ParsedEntry(
        guid=guid or url,
        url=url,
        title=_str(item.get("title")),
        summary=_str(item.get("summary")),
        content=content,
        authors=merge_authors(_names(item) or feed_authors),
        tags=tuple(t.strip() for t in tags if isinstance(t, str) and t.strip())
        if isinstance(tags, list)
        else (),
        published=parse_date(_str(item.get("date_published"))),
        updated=parse_date(_str(item.get("date_modified"))),
        images=_images(item, base),
        language=_str(item.get("language")) or language,
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parse_json_feed(data: bytes, url: str = "") -> ParsedFeed:
    """Read a JSON Feed. Raises FeedParseError when it is not valid JSON Feed."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FeedParseError(f"not valid JSON: {exc}", url) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FeedParseError("not a JSON Feed (no items list)", url)
    base = _str(doc.get("home_page_url")) or url
    base = absolute_url(base, url)
    language = _str(doc.get("language"))
    feed_authors = _names(doc)
    entries = [_entry(i, url or base, feed_authors, language) for i in doc["items"] if isinstance(i, dict)]
    return ParsedFeed(
        kind="json",
        title=_str(doc.get("title")),
        link=base,
        language=language,
        entries=tuple(entries),
    )
