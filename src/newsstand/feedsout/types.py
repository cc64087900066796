"""What a feed writer is given: the document's own facts and one item per article.

The paywall decision is the caller's: each ``FeedItem`` carries the ``Access`` the
caller worked out for the reader the feed is for (anonymous for public feeds). The
writers obey it and never look at membership themselves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from newsstand.model import Access, Article


class FeedFormat(enum.StrEnum):
    RSS = "rss"
    ATOM = "atom"
    JSON = "json"


CONTENT_TYPES: dict[FeedFormat, str] = {
    FeedFormat.RSS: "application/rss+xml; charset=utf-8",
    FeedFormat.ATOM: "application/atom+xml; charset=utf-8",
    FeedFormat.JSON: "application/feed+json; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """The feed itself.

    ``self_url`` is the URL the document is served at and ``home_url`` the page it
    mirrors (a publisher's, a section's or a search page on Newsstand); both must be
    absolute http(s) URLs. ``generated`` is when the document is written: RSS's
    lastBuildDate, and Atom's feed ``updated`` when there are no items. ``id``
    defaults to ``self_url``; ``author`` (Atom's feed author) to ``title``. ``hubs``
    are WebSub hubs advertised with rel="hub".
    """

    title: str
    self_url: str
    home_url: str
    generated: datetime
    description: str = ""
    id: str = ""
    language: str = ""
    icon_url: str = ""
    author: str = ""
    hubs: tuple[str, ...] = ()
    continue_label: str = "Continue reading"  # the link after a paywalled preview; "" for none
    continuation: str = ""  # Google Reader's next-page token (Atom only, as gr:continuation)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One article in a feed, with the caller's paywall decision for it.

    ``link`` is the page a reader opens (Newsstand's article page); it defaults to the
    publisher's URL. ``id`` is the entry's stable id and defaults to ``link``.
    ``publisher_name`` stands in as the author when the article names none.
    """

    article: Article
    access: Access
    link: str = ""
    id: str = ""
    publisher_name: str = ""
    # Google Reader states of the item for the reader the feed is for ("read", "starred"),
    # written only by Atom, as Google Reader's own Atom streams wrote them (clients read them).
    reader_states: tuple[str, ...] = ()
