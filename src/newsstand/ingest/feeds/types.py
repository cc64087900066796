"""What a feed parser hands to the pipeline: plain data, still unsanitized."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from newsstand.model import Image


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One feed entry. URLs are absolute; ``summary`` and ``content`` are raw publisher
    HTML that the pipeline sanitizes before anything is stored."""

    guid: str
    url: str
    title: str
    summary: str = ""
    content: str = ""  # the full body when the feed carries one (content:encoded, atom:content)
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    images: tuple[Image, ...] = ()
    language: str = ""
    base: str = ""  # base URL for relative URLs inside summary/content (xml:base); "" means ``url``


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    kind: str  # "rss", "atom", "rdf" or "json"
    title: str = ""
    link: str = ""
    language: str = ""
    entries: tuple[ParsedEntry, ...] = ()
