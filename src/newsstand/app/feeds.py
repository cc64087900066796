"""Feeds out as a service: what a publisher's, a section's, a story's, a search's and a reader's
For you feed list, each item carrying the paywall's decision for whoever the feed is for.

Public feeds are for anybody: every item is decided for an anonymous reader, so a paywalled
article goes out as its preview. A reader's For you feed sits behind a private URL holding one
of their API tokens, and is decided for them and their membership. Nothing is recorded as a
read: a feed reader fetching a feed is not a person reading. ``feedsout`` writes the documents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from newsstand.app.catalog import CatalogService
from newsstand.app.personal import FrontPageService
from newsstand.app.reading import ReadingService, search_query
from newsstand.app.stories import StoryService
from newsstand.app.tokens import TokenService
from newsstand.errors import AuthenticationError, NotFoundError
from newsstand.feedsout import FeedDocument, FeedFormat, FeedItem
from newsstand.model import Article, Membership, Reader, utc

FEED_ITEMS = 30
EXTENSIONS: dict[str, FeedFormat] = {"rss": FeedFormat.RSS, "atom": FeedFormat.ATOM, "json": FeedFormat.JSON}


@dataclass(frozen=True, slots=True)
class OutFeed:
    """A feed ready to write: the document's facts and its items, decided for its reader."""

    document: FeedDocument
    items: tuple[FeedItem, ...]


class FeedService:
    """Feeds out for publishers, sections, stories, searches and For you."""

    def __init__(
        self,
        reading: ReadingService,
        front: FrontPageService,
        stories: StoryService,
        catalog: CatalogService,
        tokens: TokenService,
        clock: Callable[[], datetime],
    ) -> None:
        self.reading = reading
        self.front = front
        self.stories = stories
        self.catalog = catalog
        self.tokens = tokens
        self.clock = clock

    def _items(
        self,
        site: str,
        articles: Sequence[Article],
        reader: Reader | None = None,
        membership: Membership | None = None,
    ) -> tuple[FeedItem, ...]:
        publishers = self.catalog.publishers()
        items = []
        for article in articles[:FEED_ITEMS]:
            publisher = publishers.get(article.publisher_id) or self.catalog.get_publisher(
                article.publisher_id
            )
            access = self.reading.access(reader, membership, article, publisher)
            page = f"{site}/{'live' if article.is_liveblog else 'article'}/{article.id}"
            items.append(FeedItem(article, access, link=page, id=page, publisher_name=publisher.name))
        return tuple(items)

    def _document(
        self,
        site: str,
        path: str,
        title: str,
        home: str,
        description: str,
        language: str = "",
        icon_url: str = "",
    ) -> FeedDocument:
        return FeedDocument(
            title=title,
            self_url=f"{site}{path}",
            home_url=f"{site}{home}",
            generated=utc(self.clock()),
            description=description,
            language=language,
            icon_url=icon_url,
        )

    def publisher(self, site: str, path: str, publisher_id: str) -> OutFeed:
        """A publisher's newest articles. Raises NotFoundError."""
        publisher, listing = self.reading.publisher_listing(publisher_id, None, FEED_ITEMS)
        doc = self._document(
            site,
            path,
            f"{publisher.name} on Newsstand",
            f"/publisher/{quote(publisher.id)}",
            f"The newest articles from {publisher.name}.",
            publisher.language,
            publisher.logo_url,
        )
        return OutFeed(doc, self._items(site, listing.articles))

    def section(self, site: str, path: str, name: str) -> OutFeed:
        """A section's newest articles from every publisher. Raises NotFoundError."""
        spelled, listing = self.reading.section_listing(name, None, FEED_ITEMS)
        doc = self._document(
            site,
            path,
            f"{spelled} on Newsstand",
            f"/section/{quote(spelled)}",
            description=f"{spelled}, from every publisher.",
        )
        return OutFeed(doc, self._items(site, listing.articles))

    def story(self, site: str, path: str, story_id: int) -> OutFeed:
        """A story's coverage, newest first; a story merged into another gives that one's, so
        subscriptions to it keep working. Raises NotFoundError."""
        try:
            page = self.stories.page(story_id)
        except NotFoundError:
            into = self.stories.merged_into(story_id)
            if into is None:
                raise
            page = self.stories.page(into)
        doc = self._document(
            site,
            path,
            f"{page.story.title} (Newsstand)",
            f"/story/{page.story.id}",
            "Every publisher's coverage of one story, newest first.",
        )
        return OutFeed(doc, self._items(site, page.articles))

    def search(self, site: str, path: str, text: str, **filters: str) -> OutFeed:
        """The newest hits of a search with the search page's filters. Raises
        SearchQueryError and InvalidDataError (a filter that is not one)."""
        query = search_query(text, limit=FEED_ITEMS, **filters)
        hits = self.reading.search(query).hits
        articles = sorted((h.article for h in hits), key=lambda a: (a.published, a.id or 0), reverse=True)
        shown = {k: v for k, v in {"q": text, **filters}.items() if v}
        doc = self._document(
            site,
            path,
            f"Search: {text} (Newsstand)",
            f"/search?{urlencode(shown)}",
            description=f"Articles matching {text!r}.",
        )
        return OutFeed(doc, self._items(site, articles))

    def for_you(self, site: str, path: str, token: str) -> OutFeed:
        """A reader's For you, behind a private URL that holds one of their API tokens; items
        as their membership allows. Raises AuthenticationError for an unknown or revoked token."""
        viewer = self.tokens.viewer(token)
        if viewer is None:
            raise AuthenticationError("this feed's address is unknown or has been revoked")
        cards = self.front.for_you(viewer.reader, limit=FEED_ITEMS)
        name = viewer.reader.display_name or viewer.reader.email
        doc = self._document(
            site, path, f"For you, {name} (Newsstand)", "/", description="From what you follow."
        )
        return OutFeed(doc, self._items(site, [c.article for c in cards], viewer.reader, viewer.membership))

    def for_you_path(self, reader_id: int, fmt: FeedFormat = FeedFormat.ATOM) -> str:
        """A new private For you feed address for the reader (an API token named for it, which
        the token list on the account page revokes). Shown once."""
        grant = self.tokens.create(reader_id, "For you feed")
        return f"/feeds/for-you/{grant.secret}.{fmt.value}"
