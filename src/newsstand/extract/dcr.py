"""A Guardian DCR payload (``<article url>.json?dcr``) read as an ExtractedPage.

The payload carries the article's fields and its live-blog blocks as JSON, so
nothing has to be guessed from HTML. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newsstand.extract.body import without_figures
from newsstand.extract.bylines import split_byline
from newsstand.extract.liveblog import entries_as_html, entries_from_dcr, looks_live_headline
from newsstand.extract.page import ExtractedPage
from newsstand.extract.structured import parse_datetime
from newsstand.markup.sanitize import html_to_text, sanitize_html
from newsstand.model import ArticleKind


def is_dcr_payload(data: Any) -> bool:
    """True for a mapping shaped like a DCR article payload."""
    return isinstance(data, Mapping) and "blocks" in data and ("headline" in data or "webTitle" in data)


def page_from_dcr(payload: Mapping[str, Any]) -> ExtractedPage:
    """The page a DCR payload describes; live blogs (LiveBlogDesign/DeadBlogDesign) get their entries."""
    url = str(payload.get("canonicalUrl") or payload.get("webURL") or "")
    design = str((payload.get("format") or {}).get("design") or "")
    headline = str(payload.get("headline") or payload.get("webTitle") or "")
    live = design in ("LiveBlogDesign", "DeadBlogDesign") or looks_live_headline(headline)
    entries = entries_from_dcr(payload) if live else ()
    keywords = payload.get("subMetaKeywordLinks") or []
    body_html = sanitize_html(entries_as_html(entries), url)
    return ExtractedPage(
        url=url,
        headline=headline,
        standfirst=html_to_text(sanitize_html(str(payload.get("standfirst") or ""), url)).replace("\n", " "),
        authors=split_byline(str(payload.get("byline") or "")),
        section=str(payload.get("sectionLabel") or payload.get("sectionName") or ""),
        published=parse_datetime(str(payload.get("webPublicationDate") or "")),
        language=str(payload.get("lang") or ""),
        site_name="The Guardian",
        body_html=body_html,
        body_text=html_to_text(without_figures(body_html)),
        kind=ArticleKind.LIVEBLOG if live else ArticleKind.ARTICLE,
        live_entries=entries,
        tags=tuple(str(k.get("title")) for k in keywords if isinstance(k, Mapping) and k.get("title")),
    )
