"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).

Every item carries ``content_html`` (the spec wants it or ``content_text``), empty
when there is nothing the reader may see. Newsstand's own facts go in the
``_newsstand`` extension object: whether the body is the full text or a preview,
and the lead image's caption and credit, which the format has no field for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from newsstand.feedsout.entries import Entry, Head, prepare, rfc3339
from newsstand.feedsout.types import FeedDocument, FeedItem

VERSION = "https://jsonfeed.org/version/1.1"


def write_json_feed(doc: FeedDocument, items: Sequence[FeedItem]) -> bytes:
    """The feed as a JSON Feed 1.1 document in UTF-8. Raises InvalidDataError (see ``prepare``)."""
    head, entries = prepare(doc, items)
    document = _head(head)
    document["items"] = [_item(entry) for entry in entries]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _head(head: Head) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": VERSION,
        "title": head.title,
        "home_page_url": head.home_url,
        "feed_url": head.self_url,
    }
    if head.description:
        document["description"] = head.description
    if head.icon_url:
        document["icon"] = head.icon_url
    if head.language:
        document["language"] = head.language
    document["authors"] = [{"name": head.author}]
    if head.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in head.hubs]
    return document


def _item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id, "url": entry.link}
    if entry.original_url != entry.link:
        item["external_url"] = entry.original_url
    item["title"] = entry.title
    if entry.summary:
        item["summary"] = entry.summary
    item["content_html"] = entry.content_html
    if entry.image is not None:
        item["image"] = entry.image.url
    item["date_published"] = rfc3339(entry.published)
    item["date_modified"] = rfc3339(entry.updated)
    if entry.authors:
        item["authors"] = [{"name": name} for name in entry.authors]
    if entry.categories:
        item["tags"] = list(entry.categories)
    if entry.language:
        item["language"] = entry.language
    extension: dict[str, Any] = {"full_text": entry.full_text}
    if entry.image is not None and entry.image.caption:
        extension["image_caption"] = entry.image.caption
    if entry.image is not None and entry.image.credit:
        extension["image_credit"] = entry.image.credit
    item["_newsstand"] = extension
    return item
