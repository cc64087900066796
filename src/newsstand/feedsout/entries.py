"""The part every format shares: checked inputs, the paywall applied, text made safe.

``prepare`` turns a ``FeedDocument`` and its ``FeedItem``s into ``Head`` and ``Entry``
values whose strings are all XML-safe and whose bodies already obey each item's
``Access``. The three writers only serialize these, so the paywall is applied in
exactly one place.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime

from newsstand.accounts.paywall import preview_html
from newsstand.errors import InvalidDataError
from newsstand.feedsout.types import FeedDocument, FeedItem
from newsstand.model import Image

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/FFFF).
# A publisher's stray \x0b would otherwise make the whole document unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
GENERATOR = "Newsstand"


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def rfc822(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC), usegmt=True)


_IMAGE_TYPES = {
    "png": "image/png", "gif": "image/gif", "webp": "image/webp", "avif": "image/avif",
    "svg": "image/svg+xml", "jpg": "image/jpeg", "jpeg": "image/jpeg",
}  # fmt: skip
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{2,5})(?:[?#]|$)")
# scheme://host with no spaces or control characters anywhere: what feeds may link to.
_WEB_URL = re.compile(
    r"https?://(?:[^\s/?#@]*@)?(?:\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]]+)(?::\d+)?(?:[/?#]\S*)?", re.IGNORECASE
)


def image_type(url: str) -> str:
    """The image's media type from its file name; JPEG when the name does not say."""
    m = _EXTENSION.search(url)
    return _IMAGE_TYPES.get(m.group(1).lower(), "image/jpeg") if m else "image/jpeg"


@dataclass(frozen=True, slots=True)
class Head:
    id: str
    title: str
    description: str
    self_url: str
    home_url: str
    language: str
    icon_url: str
    author: str
    hubs: tuple[str, ...]
    generated: datetime
    updated: datetime  # the newest entry's time, or ``generated`` for an empty feed


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    link: str
    original_url: str  # the publisher's own URL
    title: str
    summary: str  # plain text (the standfirst)
    content_html: str  # the full body or the preview, as the item's Access allows
    full_text: bool  # whether content_html is the whole body
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    image: Image | None
    language: str
    reader_states: tuple[str, ...] = ()


def prepare(doc: FeedDocument, items: Sequence[FeedItem]) -> tuple[Head, list[Entry]]:
    """Checked, cleaned and paywalled views of ``doc`` and ``items``.

    Raises InvalidDataError when a URL the formats require to be absolute is not, or
    the feed has no title.
    """
    if not doc.title.strip():
        raise InvalidDataError("a feed needs a title")
    for name, url in (("self_url", doc.self_url), ("home_url", doc.home_url)):
        _require_absolute(name, url)
    for hub in doc.hubs:
        _require_absolute("hub", hub)
    entries = [_entry(item, doc.continue_label) for item in items]
    title = clean(doc.title.strip())
    head = Head(
        id=clean(doc.id or doc.self_url),
        title=title,
        description=clean(doc.description.strip()),
        self_url=doc.self_url,
        home_url=doc.home_url,
        language=clean(doc.language.strip()),
        icon_url=doc.icon_url if _is_absolute(doc.icon_url) else "",
        author=clean(doc.author.strip()) or title,
        hubs=doc.hubs,
        generated=doc.generated,
        updated=max((e.updated for e in entries), default=doc.generated),
    )
    return head, entries


def _is_absolute(url: str) -> bool:
    """An absolute http(s) URL without spaces or characters XML cannot carry."""
    return _WEB_URL.fullmatch(url) is not None and _NOT_XML.search(url) is None


def _require_absolute(name: str, url: str) -> None:
    if not _is_absolute(url):
        raise InvalidDataError(f"{name} must be an absolute http(s) URL, got {url!r}")


def _entry(item: FeedItem, continue_label: str) -> Entry:
    article = item.article
    link = item.link or article.url
    _require_absolute("item link", link)
    lead = article.lead_image
    categories = [article.section, *article.sections, *article.tags]
    names = article.authors or ((item.publisher_name,) if item.publisher_name.strip() else ())
    return Entry(
        id=clean(item.id or link),
        link=link,
        original_url=article.url if _is_absolute(article.url) else link,
        title=clean(" ".join(article.title.split())),
        summary=clean(article.standfirst.strip()),
        content_html=clean(_content(item, link, continue_label)),
        full_text=item.access.full,
        published=article.published,
        updated=article.updated or article.published,
        authors=tuple(dict.fromkeys(clean(n.strip()) for n in names if n.strip())),
        categories=tuple(dict.fromkeys(clean(c.strip()) for c in categories if c.strip())),
        image=_clean_image(lead) if lead is not None and _is_absolute(lead.url) else None,
        language=clean(article.language.strip()),
        reader_states=tuple(clean(s) for s in item.reader_states if s.isalnum() or "-" in s),
    )


def _clean_image(image: Image) -> Image:
    return replace(
        image,
        url=clean(image.url),
        caption=clean(image.caption.strip()),
        credit=clean(image.credit.strip()),
        alt=clean(image.alt.strip()),
    )


def _content(item: FeedItem, link: str, continue_label: str) -> str:
    """The body the item's Access allows: all of it, or the preview and a link to the rest."""
    article = item.article
    if item.access.full:
        if article.body_html.strip():
            return article.body_html
        return f"<p>{html.escape(article.standfirst)}</p>" if article.standfirst.strip() else ""
    preview = preview_html(article.body_html, item.access.preview_paragraphs)
    if continue_label.strip():
        href = html.escape(link, quote=True)
        preview += f'<p><a href="{href}">{html.escape(continue_label.strip())}</a></p>'
    return preview
