"""Read the catalog data file (TOML) into a validated ``Catalog``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from newsstand.catalog.core import Catalog, validate_catalog
from newsstand.errors import CatalogError
from newsstand.model import Feed, LicenceTier, Publisher

DEFAULT_CATALOG_FILE = "publishers.toml"
_FORMAT = 1


def favicon_url(homepage: str) -> str:
    """The conventional favicon location of a site, used as its default logo."""
    parts = urlsplit(homepage)
    return f"{parts.scheme}://{parts.netloc}/favicon.ico"


def _text(entry: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str):
        raise CatalogError(f"{where}: {key!r} must be text")
    return value


def _publisher_from(entry: dict[str, Any], index: int) -> tuple[Publisher, list[Feed]]:
    where = f"publisher #{index + 1} ({entry.get('id', '?')})"
    pid = _text(entry, "id", where)
    name = _text(entry, "name", where)
    homepage = _text(entry, "homepage", where)
    tier_text = _text(entry, "tier", where, LicenceTier.OPEN.value)
    try:
        tier = LicenceTier(tier_text)
    except ValueError as exc:
        raise CatalogError(f"{where}: unknown licence tier {tier_text!r}") from exc
    raw_feeds = entry.get("feeds", [])
    if not isinstance(raw_feeds, list) or not raw_feeds:
        raise CatalogError(f"{where}: needs a non-empty list of feeds")
    feeds = []
    for raw in raw_feeds:
        if not isinstance(raw, dict):
            raise CatalogError(f"{where}: each feed must be a table with section and url")
        section = _text(raw, "section", where)
        title = _text(raw, "title", where, f"{name}: {section}")
        feeds.append(Feed(url=_text(raw, "url", where), publisher_id=pid, section=section, title=title))
    sections = tuple(dict.fromkeys(f.section for f in feeds))
    publisher = Publisher(
        id=pid,
        name=name,
        homepage=homepage,
        country=_text(entry, "country", where),
        language=_text(entry, "language", where),
        sections=sections,
        logo_url=_text(entry, "logo", where, "") or favicon_url(homepage),
        licence_tier=tier,
    )
    return publisher, feeds


def parse_catalog_toml(data: bytes, source: str = "catalog") -> Catalog:
    """Parse and validate (strictly) a catalog data file.

    Raises CatalogError for malformed TOML, a missing field or any broken rule.
    """
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CatalogError(f"not valid UTF-8 TOML: {exc}", source) from exc
    if doc.get("format") != _FORMAT:
        raise CatalogError(f"unsupported catalog format {doc.get('format')!r}", source)
    entries = doc.get("publisher", [])
    if not isinstance(entries, list):
        raise CatalogError("[[publisher]] must be an array of tables", source)
    publishers: list[Publisher] = []
    feeds: list[Feed] = []
    for index, entry in enumerate(entries):
        publisher, its_feeds = _publisher_from(entry, index)
        publishers.append(publisher)
        feeds.extend(its_feeds)
    return validate_catalog(Catalog(tuple(publishers), tuple(feeds)), source=source)


@lru_cache(maxsize=1)
def load_default_catalog() -> Catalog:
    """The catalog shipped with Newsstand (read once, then cached)."""
    data = resources.files("newsstand.catalog").joinpath("data", DEFAULT_CATALOG_FILE).read_bytes()
    return parse_catalog_toml(data, source=DEFAULT_CATALOG_FILE)
