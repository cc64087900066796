"""Feed parsing: bytes in, ``ParsedFeed`` out. One module per format.

``parse_feed`` picks the format from the content (JSON Feed or XML) and raises
only ``FeedParseError``; fetching is the fetcher's business.
"""

from __future__ import annotations

from newsstand.errors import FeedParseError
from newsstand.ingest.feeds.jsonfeed import looks_like_json_feed, parse_json_feed
from newsstand.ingest.feeds.types import ParsedEntry, ParsedFeed
from newsstand.ingest.feeds.xmlfeed import Backend, parse_xml_feed

__all__ = ["FeedParseError", "ParsedEntry", "ParsedFeed", "parse_feed"]


def parse_feed(data: bytes, url: str = "", content_type: str = "", backend: Backend = "auto") -> ParsedFeed:
    """Parse a feed document; relative URLs resolve against ``url`` (the final fetch URL).
    Raises FeedParseError for anything that is not a readable, harmless feed."""
    if not data or not data.strip():
        raise FeedParseError("empty document", url)
    if looks_like_json_feed(data) or "json" in content_type.lower():
        return parse_json_feed(data, url)
    return parse_xml_feed(data, url, content_type, backend)
