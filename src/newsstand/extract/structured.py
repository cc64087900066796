"""A page's own description of itself: JSON-LD, OpenGraph and meta tags.

``read_structured`` collects what the publisher declares (headline, authors,
times, section, images, live-blog updates) from one parsed page. Pure: it reads
an lxml tree and returns data.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import html as lxml_html

from newsstand.model import utc

ARTICLE_TYPES = frozenset(
    {
        "newsarticle",
        "article",
        "reportagenewsarticle",
        "liveblogposting",
        "blogposting",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "scholarlyarticle",
        "techarticle",
        "report",
        "socialmediaposting",
        "webpage",
    }
)
Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StructuredData:
    """What the page declares about itself; empty strings and None when it says nothing."""

    headline: str = ""
    description: str = ""
    authors: tuple[str, ...] = ()
    author_organisations: tuple[str, ...] = ()  # JSON-LD authors that are organisations
    section: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    language: str = ""
    canonical_url: str = ""
    site_name: str = ""
    image_urls: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    article_body: str = ""
    is_liveblog: bool = False
    live_updates: tuple[Json, ...] = field(default=())


def json_ld_objects(tree: lxml_html.HtmlElement) -> list[Json]:
    """Every JSON-LD object on the page, ``@graph`` and lists flattened; broken scripts skipped."""
    found: list[Json] = []
    for script in tree.xpath('//script[contains(translate(@type,"LDJSON","ldjson"),"ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue  # publishers ship invalid JSON-LD often enough; the rest of the page still counts
        found.extend(_flatten(data))
    return found


def _flatten(data: Any) -> Iterator[Json]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten(data["@graph"])


def types_of(obj: Json) -> set[str]:
    kind = obj.get("@type", ())
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).casefold() for k in kinds}


def main_article(objects: list[Json]) -> Json:
    """The page's article object: a live blog first, then news/article types, WebPage last."""
    ranked = sorted(
        (o for o in objects if types_of(o) & ARTICLE_TYPES),
        key=lambda o: (
            "liveblogposting" not in types_of(o),
            types_of(o) <= {"webpage"},
            not o.get("headline"),
        ),
    )
    return ranked[0] if ranked else {}


_PUBLISHED_META = (
    "article:published_time", "parsely-pub-date", "sailthru.date", "dc.date", "pubdate", "publishdate",
    "date", "og:published_time", "article.published",
)  # fmt: skip
_MODIFIED_META = ("article:modified_time", "og:updated_time", "sailthru.lastmodified", "dc.modified")


def read_structured(tree: lxml_html.HtmlElement) -> StructuredData:
    """Collect the page's declared metadata, JSON-LD first, then OpenGraph and meta tags."""
    meta = _meta_map(tree)
    objects = json_ld_objects(tree)
    art = main_article(objects)
    updates = art.get("liveBlogUpdate", [])
    updates = updates if isinstance(updates, list) else [updates]
    return StructuredData(
        headline=_text(art.get("headline"))
        or _first(meta, "og:title", "twitter:title", "sailthru.title", "parsely-title"),
        description=_text(art.get("description"))
        or _first(meta, "og:description", "description", "twitter:description"),
        authors=_authors(art, meta),
        author_organisations=tuple(_names(art.get("author"), organisations=True)),
        section=_section(art, meta),
        published=parse_datetime(_text(art.get("datePublished")) or _first(meta, *_PUBLISHED_META)),
        updated=parse_datetime(_text(art.get("dateModified")) or _first(meta, *_MODIFIED_META)),
        language=_language(tree, art, meta),
        canonical_url=_canonical(tree, meta),
        site_name=_first(meta, "og:site_name", "application-name") or _publisher_name(art),
        image_urls=_images(art, meta),
        tags=_tags(art, meta),
        article_body=_text(art.get("articleBody")),
        is_liveblog="liveblogposting" in types_of(art) or bool(updates),
        live_updates=tuple(u for u in updates if isinstance(u, dict)),
    )


def _meta_map(tree: lxml_html.HtmlElement) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().casefold()
        value = (el.get("content") or "").strip()
        if key and value:
            found.setdefault(key, []).append(value)
    return found


def _first(meta: dict[str, list[str]], *keys: str) -> str:
    for key in keys:
        if meta.get(key):
            return meta[key][0]
    return ""


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return " ".join(str(value).split()) if value else ""


def _names(value: Any, organisations: bool = False) -> list[str]:
    """Names of JSON-LD authors: the people, or with ``organisations`` the organisations."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            if bool(types_of(item) & {"organization", "newsmediaorganization"}) != organisations:
                continue
            item = _person_name(str(item.get("name") or ""))
        if isinstance(item, list):
            names.extend(_names(item, organisations))
        elif isinstance(item, str) and item.strip():
            names.append(html.unescape(item.strip()))
    return names


_SURNAME_FIRST = re.compile(r"^([^\s,]+),\s*([^\s,]+(?:\s[^\s,]+)?)$")


def _person_name(name: str) -> str:
    """ "You, Xiaoying" (surname first, as some publishers declare people) as "Xiaoying You"."""
    match = _SURNAME_FIRST.match(name.strip())
    return f"{match.group(2)} {match.group(1)}" if match else name


def _authors(art: Json, meta: dict[str, list[str]]) -> tuple[str, ...]:
    from newsstand.extract.bylines import authors_from

    for values in (
        _names(art.get("author")),
        meta.get("author", []) + meta.get("article:author", []),
        meta.get("parsely-author", []) + meta.get("sailthru.author", []),
        meta.get("dc.creator", []) + meta.get("byl", []),
        # analytics tags some publishers fill when nothing else names the author ("dcsext.author")
        [v for k, vs in meta.items() if k.endswith(".author") for v in vs],
    ):
        names = authors_from(_person_name(v) for v in values if "://" not in v)
        if names:
            return names
    return ()


def _section(art: Json, meta: dict[str, list[str]]) -> str:
    section = art.get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else ""
    if isinstance(section, str) and section.strip():
        return section.strip()
    return _first(meta, "article:section", "parsely-section", "sailthru.section", "section", "category")


def _language(tree: lxml_html.HtmlElement, art: Json, meta: dict[str, list[str]]) -> str:
    raw = (
        _text(art.get("inLanguage"))
        or tree.get("lang")
        or _first(meta, "og:locale", "language", "content-language")
    )
    return raw.replace("_", "-").split("-")[0].strip().casefold()


def _canonical(tree: lxml_html.HtmlElement, meta: dict[str, list[str]]) -> str:
    for link in tree.iter("link"):
        if (link.get("rel") or "").strip().casefold() == "canonical" and link.get("href"):
            return str(link.get("href")).strip()
    return _first(meta, "og:url")


def _publisher_name(art: Json) -> str:
    publisher = art.get("publisher")
    return _text(publisher) if publisher else ""


def _images(art: Json, meta: dict[str, list[str]]) -> tuple[str, ...]:
    urls: list[str] = []
    image = art.get("image")
    for item in image if isinstance(image, list) else [image]:
        if isinstance(item, dict):
            item = item.get("url") or item.get("contentUrl")
        if isinstance(item, str) and item.startswith(("http://", "https://", "//")):
            urls.append(item)
    urls.extend(meta.get("og:image", []) + meta.get("twitter:image", []))
    return tuple(dict.fromkeys(urls))


def _tags(art: Json, meta: dict[str, list[str]]) -> tuple[str, ...]:
    raw = art.get("keywords")
    tags: list[str] = []
    if isinstance(raw, str):
        tags = [t for t in re.split(r"\s*,\s*", raw) if t]
    elif isinstance(raw, list):
        tags = [str(t) for t in raw if str(t).strip()]
    if not tags:
        tags = meta.get("article:tag", []) or re.split(r"\s*,\s*", _first(meta, "news_keywords", "keywords"))
    return tuple(dict.fromkeys(t.strip() for t in tags if t.strip() and ":" not in t))


_NUMERIC_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_datetime(value: str) -> datetime | None:
    """An aware UTC datetime from ISO 8601 or RFC 2822 text; None when it cannot be read.

    A value without an offset is taken as UTC (the page gives nothing better).
    """
    text = value.strip()
    if not text:
        return None
    iso = _NUMERIC_OFFSET.sub(r"\1:\2", text.replace("Z", "+00:00").replace(" ", "T", 1))
    try:
        return utc(datetime.fromisoformat(iso))
    except ValueError:
        pass
    try:
        return utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None
