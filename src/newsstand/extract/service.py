"""Storing what extraction found: an Article and its live entries, through the Store.

The import command and the full-text fill-in both end here, so an imported
article is stored exactly like an ingested one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from newsstand.errors import InvalidDataError, NotFoundError
from newsstand.extract.page import ExtractedPage
from newsstand.model import Article, LiveMergeResult, Publisher, UpsertResult, utcnow
from newsstand.store.base import Store


@dataclass(frozen=True, slots=True)
class StoredPage:
    """What storing one extracted page did."""

    upsert: UpsertResult
    live: LiveMergeResult | None = None


def article_from_page(
    page: ExtractedPage,
    *,
    publisher_id: str,
    url: str = "",
    section: str = "",
    published: datetime | None = None,
    updated: datetime | None = None,
    guid: str = "",
    full_text: bool = True,
) -> Article:
    """The Article for an extracted page; explicit arguments win over what the page said.
    Raises InvalidDataError when there is no URL to store it under."""
    canonical = url or page.url
    if not canonical:
        raise InvalidDataError("an article needs a URL; pass one (--url) when the text carries none")
    first = published or page.published or page.updated or utcnow()
    section = section or page.section
    return Article(
        publisher_id=publisher_id,
        url=canonical,
        title=page.headline,
        published=first,
        guid=guid,
        standfirst=page.standfirst,
        authors=page.authors,
        section=section,
        sections=(section,) if section else (),
        body_html=page.body_html,
        body_text=page.body_text,
        # A photo known only by its caption and credit (plain-text imports) is kept without a URL:
        # the reader shows its caption and credit where the picture would be.
        images=page.images,
        updated=updated or page.updated,
        language=page.language,
        kind=page.kind,
        tags=page.tags,
        full_text=full_text,
        fetched=utcnow(),
    )


def save_page(
    store: Store, article: Article, page: ExtractedPage, *, feed_id: int | None = None
) -> StoredPage:
    """Upsert the article, then merge its live entries when it is a live blog.

    The merge is complete (entries missing from the page are marked deleted) only when
    the page showed entries at all, so a page that lost its blocks deletes nothing."""
    result = store.upsert_article(article, feed_id)
    if not page.live_entries:
        return StoredPage(result)
    entries = [replace(e, article_id=result.article_id) for e in page.live_entries]
    return StoredPage(result, store.merge_live_entries(result.article_id, entries, complete=True))


def slugify(name: str) -> str:
    """A publisher id from a name: "The Guardian - UK" -> "the-guardian-uk"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-") or "publisher"


def find_publisher(store: Store, wanted: str) -> Publisher:
    """A publisher by id, else by name (case-insensitive). Raises NotFoundError."""
    try:
        return store.get_publisher(wanted)
    except NotFoundError:
        pass
    folded = " ".join(wanted.split()).casefold()
    for publisher in store.list_publishers():
        if publisher.name.casefold() == folded or publisher.id == slugify(wanted):
            return publisher
    raise NotFoundError("publisher", wanted)


def resolve_publisher(
    store: Store, wanted: str, *, create: bool, url: str = "", language: str = ""
) -> Publisher:
    """The named publisher; with ``create`` an unknown one is added (id slugified from the name).
    Raises NotFoundError when it is unknown and ``create`` is False."""
    try:
        return find_publisher(store, wanted)
    except NotFoundError:
        if not create:
            raise
    parts = urlsplit(url)
    homepage = f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""
    publisher = Publisher(
        id=slugify(wanted), name=wanted.strip(), homepage=homepage, country="", language=language or "en"
    )
    store.add_publisher(publisher)
    return publisher
