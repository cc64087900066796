"""The Article an extracted page makes: a pure step shared by imports and the full-text fill-in."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from newsstand.errors import InvalidDataError
from newsstand.extract.page import ExtractedPage
from newsstand.model import Article, utcnow


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


def keep_what_is_known(stored: Article, imported: Article) -> Article:
    """An imported version of a stored article, with what the import left empty (a standfirst,
    the byline, the photo, a section) kept from the stored one: an import of one live-blog entry
    must not wipe the blog's page furniture."""
    return replace(
        imported,
        title=imported.title or stored.title,
        standfirst=imported.standfirst or stored.standfirst,
        authors=imported.authors or stored.authors,
        images=imported.images or stored.images,
        section=imported.section or stored.section,
        sections=tuple(dict.fromkeys((*stored.sections, *imported.sections))),
        language=imported.language or stored.language,
        body_html=imported.body_html or stored.body_html,
        body_text=imported.body_text or stored.body_text,
        tags=tuple(dict.fromkeys((*stored.tags, *imported.tags))),
    )
