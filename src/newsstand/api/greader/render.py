"""Google Reader's JSON shapes, written from the subscription service's answers."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from newsstand.api.greader import ids
from newsstand.app.subscriptions import Item, Subscription, UnreadCounts
from newsstand.model import Reader


def usec(at: datetime) -> str:
    return str(int(at.timestamp() * 1_000_000))


def subscription(sub: Subscription, labels: Mapping[str, str]) -> dict[str, Any]:
    """A subscription under the reader's names for it and its labels (``labels``: followed
    section -> the label name the reader sees), its followed sections' then its folders."""
    names = [labels.get(section, section) for section in sub.labels] + list(sub.folders)
    return {
        "id": ids.feed_id(sub.url),
        "title": sub.shown,
        "categories": [{"id": ids.label_id(name), "label": name} for name in names],
        "url": sub.url,
        "htmlUrl": sub.publisher.homepage,
        "iconUrl": sub.publisher.logo_url,
        "sortid": sub.publisher.id,
        "firstitemmsec": "0",
    }


def user_info(reader: Reader) -> dict[str, Any]:
    return {
        "userId": str(reader.id),
        "userName": reader.display_name or reader.email,
        "userProfileId": str(reader.id),
        "userEmail": reader.email,
        "isBloggerUser": False,
        "signupTimeSec": int(reader.created.timestamp()),
        "isMultiLoginEnabled": False,
    }


def content(item: Item, page_url: str) -> str:
    """The body an app shows: the standfirst, then the whole body or the paywall's preview and
    a link to read on (an item past the paywall never carries more)."""
    parts = []
    if item.article.standfirst:
        parts.append(f"<p><strong>{html.escape(item.article.standfirst)}</strong></p>")
    parts.append(item.body_html)
    if not item.access.full:
        parts.append(f'<p><a href="{html.escape(page_url)}">Continue reading on Newsstand</a></p>')
    return "".join(parts)


def item(
    entry: Item,
    urls: dict[str, str],
    page_url: str,
    labels: Mapping[str, str],
    folders: Mapping[str, tuple[str, ...]],
) -> dict[str, Any]:
    """An item; ``labels`` as for ``subscription``, ``folders`` the reader's folders each
    publisher is in."""
    article = entry.article
    publisher_url = urls.get(article.publisher_id, "")
    categories = [ids.READING_LIST]
    listed = (article.section, *article.sections)
    categories += [ids.label_id(name) for section, name in labels.items() if section in listed]
    categories += [ids.label_id(name) for name in folders.get(article.publisher_id, ())]
    if entry.read:
        categories.append(ids.READ)
    if entry.starred:
        categories.append(ids.STARRED)
    updated = article.updated or article.published
    found: dict[str, Any] = {
        "id": ids.long_id(entry.id),
        "crawlTimeMsec": str(int(entry.sort_time.timestamp() * 1000)),
        "timestampUsec": usec(entry.sort_time),
        "published": int(article.published.timestamp()),
        "updated": int(updated.timestamp()),
        "title": article.title,
        "canonical": [{"href": article.url}],
        "alternate": [{"href": article.url, "type": "text/html"}],
        "summary": {"direction": "ltr", "content": content(entry, page_url)},
        "author": ", ".join(article.authors),
        "categories": categories,
        "origin": {
            "streamId": ids.feed_id(publisher_url),
            "title": entry.source_title or article.publisher_id,
            "htmlUrl": entry.publisher.homepage if entry.publisher else "",
        },
    }
    lead = article.lead_image
    if lead is not None:
        found["enclosure"] = [{"href": lead.url, "type": "image/jpeg"}]
    return found


def unread_counts(
    counts: UnreadCounts, urls: dict[str, str], labels: Mapping[str, str], limit: int
) -> dict[str, Any]:
    rows = [
        {
            "id": ids.READING_LIST,
            "count": counts.total.count,
            "newestItemTimestampUsec": usec(counts.total.newest) if counts.total.newest else "0",
        }
    ]
    for publisher_id, count in counts.feeds.items():
        newest = usec(count.newest) if count.newest else "0"
        row = {"id": ids.feed_id(urls.get(publisher_id, publisher_id)), "count": count.count}
        rows.append({**row, "newestItemTimestampUsec": newest})
    for name, count in counts.labels.items():
        newest = usec(count.newest) if count.newest else "0"
        label = ids.label_id(labels.get(name, name))
        rows.append({"id": label, "count": count.count, "newestItemTimestampUsec": newest})
    for name, count in counts.folders.items():
        newest = usec(count.newest) if count.newest else "0"
        rows.append({"id": ids.label_id(name), "count": count.count, "newestItemTimestampUsec": newest})
    return {"max": limit, "unreadcounts": rows}
