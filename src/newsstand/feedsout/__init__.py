"""Feeds out: RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents written from articles.

Pure functions: a ``FeedDocument`` and ``FeedItem``s in, bytes out. Each item carries
the caller's paywall decision (``Access``); a paywalled article goes out with its
standfirst and preview only. Which articles a feed lists, and for whom, is the
caller's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from newsstand.feedsout.atom import write_atom
from newsstand.feedsout.jsonfeed import write_json_feed
from newsstand.feedsout.rss import write_rss
from newsstand.feedsout.types import CONTENT_TYPES, FeedDocument, FeedFormat, FeedItem

__all__ = [
    "CONTENT_TYPES",
    "FeedDocument",
    "FeedFormat",
    "FeedItem",
    "write_atom",
    "write_feed",
    "write_json_feed",
    "write_rss",
]

_WRITERS: dict[FeedFormat, Callable[[FeedDocument, Sequence[FeedItem]], bytes]] = {
    FeedFormat.RSS: write_rss,
    FeedFormat.ATOM: write_atom,
    FeedFormat.JSON: write_json_feed,
}


def write_feed(fmt: FeedFormat, doc: FeedDocument, items: Sequence[FeedItem]) -> bytes:
    """The feed in ``fmt``; serve it with ``CONTENT_TYPES[fmt]``. Raises InvalidDataError."""
    return _WRITERS[fmt](doc, items)
