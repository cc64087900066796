"""A reader's subscriptions and item state as reader apps see them (Google Reader, Fever).

What an app subscribes to is what the reader follows on the web: a subscription is a followed
publisher (known to apps by its first feed's URL) and a label is a followed section. Streams
list articles through the same store listings as the web pages; an item's body passes the
paywall here, once for every API, exactly as the article page decides it (nothing is recorded
as a read: an app syncing is not a reader reading). Read means in the reader's history (what
"mark as read" and reading an article in full put there); articles published more than
``UNREAD_DAYS`` ago count as read, which bounds every unread list and count.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from newsstand.accounts.paywall import preview_html
from newsstand.app.catalog import CatalogService
from newsstand.app.interests import InterestService
from newsstand.app.reading import ReadingService
from newsstand.catalog.core import Catalog
from newsstand.catalog.opml import parse_opml, write_opml
from newsstand.config import Settings
from newsstand.errors import (
    CatalogError,
    InvalidCursorError,
    NotFoundError,
    PermissionDeniedError,
)
from newsstand.model import (
    Access,
    Article,
    ArticleFilter,
    Facet,
    LiveEntry,
    Membership,
    Publisher,
    Reader,
    ReadRecord,
    UnreadRef,
    utc,
)
from newsstand.store.base import ArticleStore, CatalogStore, LibraryStore

UNREAD_DAYS = 30
MAX_UNREAD = 10_000  # unread items counted and listed at most
MAX_PAGE = 1000
MAX_MARK = 10_000  # items one mark-all-as-read marks at most


class SubscriptionStore(ArticleStore, LibraryStore, CatalogStore, Protocol):
    """What the subscription service reads and writes."""


class StreamKind(enum.StrEnum):
    READING_LIST = "reading-list"  # everything the reader follows
    FEED = "feed"  # one followed publisher
    LABEL = "label"  # one section
    STARRED = "starred"  # saved articles, most recently saved first
    READ = "read"  # the reader's history, most recently read first


@dataclass(frozen=True, slots=True)
class Stream:
    kind: StreamKind
    value: str = ""  # the publisher id (FEED) or section name (LABEL)


@dataclass(frozen=True, slots=True)
class Subscription:
    publisher: Publisher
    url: str  # the feed URL apps know the subscription by
    labels: tuple[str, ...]  # followed sections the publisher lists


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """One page of a stream. ``continuation`` comes from the previous page (opaque)."""

    stream: Stream
    count: int = 20
    continuation: str = ""
    unread_only: bool = False
    newer_than: datetime | None = None
    older_than: datetime | None = None
    oldest_first: bool = False  # the page's order; pages still go from newest to oldest


@dataclass(frozen=True, slots=True)
class Item:
    """An article as an app receives it: ``body_html`` is the whole body or the paywall's
    preview, as ``access`` says."""

    article: Article
    publisher: Publisher | None
    access: Access
    body_html: str
    read: bool
    starred: bool
    sort_time: datetime  # when it entered the stream (published; saved or read for those streams)

    @property
    def id(self) -> int:
        assert self.article.id is not None
        return self.article.id


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: tuple[Item, ...]
    continuation: str  # "" on the last page


@dataclass(frozen=True, slots=True)
class UnreadCount:
    count: int
    newest: datetime | None


@dataclass(frozen=True, slots=True)
class UnreadCounts:
    feeds: dict[str, UnreadCount]  # by publisher id
    labels: dict[str, UnreadCount]  # by section
    total: UnreadCount


@dataclass(frozen=True, slots=True)
class OpmlImport:
    followed: tuple[str, ...]  # publisher names now followed
    added: tuple[str, ...]  # feed URLs added to the catalog for this reader
    refused: tuple[str, ...]  # feed URLs the catalog lacks and readers may not add


def _encode(at: datetime, article_id: int) -> str:
    return f"{int(at.timestamp() * 1_000_000)}-{article_id}"


def _decode(continuation: str) -> tuple[datetime, int] | None:
    if not continuation:
        return None
    usec, _, article_id = continuation.partition("-")
    if not usec.isdigit() or not article_id.isdigit() or len(continuation) > 40:
        raise InvalidCursorError("not a continuation of this stream")
    return datetime.fromtimestamp(int(usec) / 1_000_000, UTC), int(article_id)


class SubscriptionService:
    """Subscriptions, labels, streams and marks for one reader at a time."""

    def __init__(
        self,
        store: SubscriptionStore,
        settings: Settings,
        clock: Callable[[], datetime],
        catalog: CatalogService,
        reading: ReadingService,
        interests: InterestService,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.catalog = catalog
        self.reading = reading
        self.interests = interests  # follows go through the one rule the web's go through

    def now(self) -> datetime:
        return utc(self.clock())

    def unread_since(self) -> datetime:
        """Articles published before this count as read."""
        return self.now() - timedelta(days=UNREAD_DAYS)

    # --- subscriptions and labels --------------------------------------------------------------

    def feed_urls(self) -> dict[str, str]:
        """Each publisher's subscription URL: its first enabled feed's (its homepage without one)."""
        urls: dict[str, str] = {}
        for feed in sorted(self.store.list_feeds(), key=lambda f: (not f.enabled, f.id or 0)):
            urls.setdefault(feed.publisher_id, feed.url)
        for publisher in self.catalog.publishers().values():
            urls.setdefault(publisher.id, publisher.homepage)
        return urls

    def feed_numbers(self) -> dict[str, int]:
        """A number for each publisher with feeds (its first feed's id), for APIs whose feeds
        are numbered (Fever)."""
        numbers: dict[str, int] = {}
        for feed in sorted(self.store.list_feeds(), key=lambda f: f.id or 0):
            if feed.id is not None:
                numbers.setdefault(feed.publisher_id, feed.id)
        return numbers

    def subscriptions(self, reader: Reader) -> list[Subscription]:
        """What the reader follows, by publisher name."""
        publishers = self.catalog.publishers()
        urls = self.feed_urls()
        sections = {s.casefold(): s for s in reader.followed_sections}
        subs = []
        for pid in reader.followed_publishers:
            publisher = publishers.get(pid)
            if publisher is None:
                continue
            labels = tuple(sections[s.casefold()] for s in publisher.sections if s.casefold() in sections)
            subs.append(Subscription(publisher, urls.get(pid, publisher.homepage), labels))
        return sorted(subs, key=lambda s: s.publisher.name.casefold())

    def publisher_for(self, target: str) -> Publisher:
        """The publisher a subscription id names: a feed URL, a homepage or a publisher id.
        Raises NotFoundError."""
        try:
            return self.catalog.publishers()[self.store.get_feed_by_url(target).publisher_id]
        except (NotFoundError, KeyError):
            pass
        for publisher in self.catalog.publishers().values():
            if target == publisher.id or target.rstrip("/") == publisher.homepage.rstrip("/"):
                return publisher
        raise NotFoundError("subscription", target[:200])

    def subscribe(self, reader: Reader, url: str, title: str = "") -> Subscription:
        """Follow the publisher ``url`` names; a feed URL the catalog lacks is added to it when
        the ``readers_may_add_feeds`` setting allows. Raises PermissionDeniedError (it does
        not), CatalogError (a URL the catalog's rules refuse) and NotFoundError."""
        try:
            publisher = self.publisher_for(url)
        except NotFoundError:
            if not self.settings.readers_may_add_feeds:
                raise PermissionDeniedError(
                    "This feed is not in the catalog, and this site lets only its operators add feeds."
                ) from None
            feed = self.catalog.add_reader_feed(url, title)
            publisher = self.catalog.get_publisher(feed.publisher_id)
        self.interests.follow(reader.id, Facet.PUBLISHER, publisher.id)
        labels = tuple(s for s in reader.followed_sections if s in publisher.sections)
        return Subscription(publisher, self.feed_urls().get(publisher.id, url), labels)

    def unsubscribe(self, reader: Reader, target: str) -> None:
        """Stop following the publisher ``target`` names. Raises NotFoundError."""
        self.interests.unfollow(reader.id, Facet.PUBLISHER, self.publisher_for(target).id)

    def labels(self, reader: Reader) -> list[str]:
        return sorted(reader.followed_sections, key=str.casefold)

    def set_label(self, reader: Reader, section: str, on: bool) -> None:
        """Follow or stop following a section (a label). Raises InvalidDataError."""
        if on:
            self.interests.follow(reader.id, Facet.SECTION, section)
        else:
            self.interests.unfollow(reader.id, Facet.SECTION, section)

    # --- OPML ---------------------------------------------------------------------------------

    def export_opml(self, reader: Reader) -> bytes:
        """The reader's subscriptions as OPML: each followed publisher with its feeds."""
        subs = self.subscriptions(reader)
        wanted = {s.publisher.id for s in subs}
        feeds = tuple(f for f in self.store.list_feeds() if f.publisher_id in wanted)
        catalog = Catalog(tuple(s.publisher for s in subs), feeds)
        return write_opml(
            catalog, title=f"{reader.display_name or reader.email}: subscriptions", now=self.now()
        )

    def import_opml(self, reader: Reader, data: bytes) -> OpmlImport:
        """Follow every publisher whose feed the file lists; feeds the catalog lacks are added
        when readers may add feeds, else refused. Raises CatalogError (nothing followed) for a
        malformed or hostile file."""
        parsed = parse_opml(data, source="your OPML file")
        followed: dict[str, str] = {}
        added, refused = [], []
        for feed in parsed.feeds:
            try:
                known = self.publisher_for(feed.url)
            except NotFoundError:
                if not self.settings.readers_may_add_feeds:
                    refused.append(feed.url)
                    continue
                try:
                    stored = self.catalog.add_reader_feed(feed.url, feed.title)
                except CatalogError:
                    refused.append(feed.url)
                    continue
                added.append(stored.url)
                known = self.catalog.get_publisher(stored.publisher_id)
            followed[known.id] = known.name
        for pid in followed:
            self.interests.follow(reader.id, Facet.PUBLISHER, pid)
        return OpmlImport(tuple(followed.values()), tuple(added), tuple(refused))

    # --- streams ------------------------------------------------------------------------------

    def items_page(self, reader: Reader, membership: Membership | None, req: StreamRequest) -> ItemPage:
        """One page of a stream, newest first (``oldest_first`` turns the page round). Raises
        InvalidCursorError for a continuation this stream did not give."""
        count = max(1, min(req.count, MAX_PAGE))
        if req.stream.kind in (StreamKind.STARRED, StreamKind.READ):
            found = self._kept(reader, req, count)
        elif req.unread_only:
            found = self._unread(reader, req, count)
        else:
            found = self._listing(reader, req, count)
        items = self._items(reader, membership, found)
        if req.unread_only:
            items = [i for i in items if not i.read]
        more = len(found) > count
        page = items[:count]
        last = found[min(count, len(found)) - 1] if found else None
        continuation = _encode(last[1], last[0].id or 0) if more and last is not None else ""
        if req.oldest_first:
            page.reverse()
        return ItemPage(tuple(page), continuation)

    def _kept(self, reader: Reader, req: StreamRequest, count: int) -> list[tuple[Article, datetime]]:
        before = _decode(req.continuation)
        rows = (
            self.store.saved_articles if req.stream.kind is StreamKind.STARRED else self.store.reading_history
        )(reader.id, count + 1, before)
        found = {a.id: a for a in self.store.get_articles([aid for aid, _ in rows])}
        pairs = [(found[aid], at) for aid, at in rows if aid in found]
        return [(a, at) for a, at in pairs if self._in_window(a, req)]

    def _in_window(self, article: Article, req: StreamRequest) -> bool:
        if req.newer_than is not None and article.published <= req.newer_than:
            return False
        return req.older_than is None or article.published < req.older_than

    def _filters(self, reader: Reader, stream: Stream) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(publisher ids, sections) a stream lists."""
        if stream.kind is StreamKind.FEED:
            return (stream.value,), ()
        if stream.kind is StreamKind.LABEL:
            return (), (stream.value,)
        return reader.followed_publishers, reader.followed_sections

    def _unread(self, reader: Reader, req: StreamRequest, count: int) -> list[tuple[Article, datetime]]:
        refs = self._unread_refs(reader, req.stream, req.newer_than)
        after = _decode(req.continuation)
        chosen = [
            r
            for r in refs
            if (req.older_than is None or r.published < req.older_than)
            and (after is None or (r.published, r.article_id) < after)
        ][: count + 1]
        found = {a.id: a for a in self.store.get_articles([r.article_id for r in chosen])}
        return [(found[r.article_id], found[r.article_id].published) for r in chosen if r.article_id in found]

    def _unread_refs(
        self, reader: Reader, stream: Stream, newer_than: datetime | None = None
    ) -> list[UnreadRef]:
        publishers, sections = self._filters(reader, stream)
        since = self.unread_since()
        if newer_than is not None and newer_than > since:
            since = newer_than + timedelta(microseconds=1)
        return self.store.unread_refs(reader.id, publishers, sections, since, MAX_UNREAD)

    def _listing(self, reader: Reader, req: StreamRequest, count: int) -> list[tuple[Article, datetime]]:
        publishers, sections = self._filters(reader, req.stream)
        if not publishers and not sections:
            return []
        after = _decode(req.continuation)
        since = req.newer_than + timedelta(microseconds=1) if req.newer_than else None
        wanted = []
        base = ArticleFilter(
            since=since, until=req.older_than, limit=count + 1, before_id=after[1] if after else None
        )
        if publishers:
            wanted.append(replace(base, publisher_ids=publishers))
        if sections:
            wanted.append(replace(base, sections=sections))
        articles: dict[int | None, Article] = {}
        try:
            for flt in wanted:
                articles.update((a.id, a) for a in self.store.list_articles(flt))
        except NotFoundError as exc:
            raise InvalidCursorError("the item this continuation starts after is gone") from exc
        ordered = sorted(articles.values(), key=lambda a: (a.published, a.id or 0), reverse=True)
        return [(a, a.published) for a in ordered[: count + 1]]

    def _items(
        self, reader: Reader, membership: Membership | None, found: Sequence[tuple[Article, datetime]]
    ) -> list[Item]:
        ids = [a.id for a, _ in found if a.id is not None]
        read, saved = self.store.article_marks(reader.id, ids)
        since = self.unread_since()
        publishers = self.catalog.publishers()
        items = []
        for article, at in found:
            assert article.id is not None
            publisher = publishers.get(article.publisher_id)
            pub = publisher or self.catalog.get_publisher(article.publisher_id)
            access = self.reading.access(reader, membership, article, pub)
            body = (
                article.body_html
                if access.full
                else preview_html(article.body_html, access.preview_paragraphs)
            )
            if article.is_liveblog:
                # A live blog's body is its entries: what the live page shows this reader.
                _, entries = self.reading.entries_for(article.id, reader, membership, None)
                body = live_body(entries) or body
            is_read = article.id in read or article.published < since
            items.append(Item(article, publisher, access, body, is_read, article.id in saved, at))
        return items

    def items(self, reader: Reader, membership: Membership | None, article_ids: Sequence[int]) -> list[Item]:
        """The items with these ids, in the order asked, leaving out unknown ones."""
        wanted = list(dict.fromkeys(article_ids))[:MAX_PAGE]
        found = {a.id: a for a in self.store.get_articles(wanted)}
        return self._items(reader, membership, [(found[i], found[i].published) for i in wanted if i in found])

    def unread_ids(self, reader: Reader) -> list[int]:
        """Every unread item of the reader's reading list, newest first (at most MAX_UNREAD)."""
        return [r.article_id for r in self._unread_refs(reader, Stream(StreamKind.READING_LIST))]

    def saved_ids(self, reader: Reader) -> list[int]:
        """Every saved item, most recently saved first (at most MAX_UNREAD)."""
        return [aid for aid, _ in self.store.saved_articles(reader.id, MAX_UNREAD, None)]

    def article_ids(
        self, reader: Reader, *, after_id: int | None = None, before_id: int | None = None, limit: int = 50
    ) -> tuple[list[int], int]:
        """Ids of the reading list's articles by id (see ``store.followed_article_ids``)."""
        return self.store.followed_article_ids(
            reader.followed_publishers,
            reader.followed_sections,
            after_id=after_id,
            before_id=before_id,
            limit=min(limit, MAX_PAGE),
        )

    def unread_counts(self, reader: Reader) -> UnreadCounts:
        """Unread items by followed publisher, by followed section, and in all."""
        refs = self._unread_refs(reader, Stream(StreamKind.READING_LIST))
        feeds: dict[str, UnreadCount] = {}
        labels: dict[str, UnreadCount] = {}

        def add(into: dict[str, UnreadCount], key: str, ref: UnreadRef) -> None:
            now = into.get(key, UnreadCount(0, None))
            newest = ref.published if now.newest is None else max(now.newest, ref.published)
            into[key] = UnreadCount(now.count + 1, newest)

        followed = set(reader.followed_publishers)
        for ref in refs:
            if ref.publisher_id in followed:
                add(feeds, ref.publisher_id, ref)
            for section in ref.sections:
                add(labels, section, ref)
        total = UnreadCount(len(refs), refs[0].published if refs else None)
        return UnreadCounts(feeds, labels, total)

    # --- marks --------------------------------------------------------------------------------

    def set_read(self, reader: Reader, article_ids: Sequence[int], read: bool) -> int:
        """Mark items read (into the history, not reads for payment) or unread; unknown ids are
        left out. Returns how many items were known."""
        known = [a.id for a in self.store.get_articles(list(dict.fromkeys(article_ids))[:MAX_MARK]) if a.id]
        if read:
            now = self.now()
            self.store.record_reads([ReadRecord(reader.id, aid, now, None, True) for aid in known])
        else:
            self.store.forget_reads(reader.id, known)
        return len(known)

    def set_starred(self, reader: Reader, article_ids: Sequence[int], starred: bool) -> None:
        """Save or unsave items. Raises NotFoundError for an unknown article when saving."""
        for aid in dict.fromkeys(article_ids):
            if starred:
                self.reading.save(reader.id, aid)
            else:
                self.reading.unsave(reader.id, aid)

    def mark_stream_read(self, reader: Reader, stream: Stream, before: datetime | None = None) -> int:
        """Mark every unread item of a stream published at or before ``before`` (all when None)
        as read; returns how many."""
        if stream.kind is StreamKind.READ:
            return 0
        if stream.kind is StreamKind.STARRED:
            ids = [aid for aid, _ in self.store.saved_articles(reader.id, MAX_MARK, None)]
            articles = self.store.get_articles(ids)
            chosen = [
                a.id for a in articles if a.id is not None and (before is None or a.published <= before)
            ]
        else:
            refs = self._unread_refs(reader, stream)
            chosen = [r.article_id for r in refs if before is None or r.published <= before]
        return self.set_read(reader, chosen, True) if chosen else 0


def live_body(entries: Sequence[LiveEntry]) -> str:
    """A live blog's entries (oldest first, as the service gives them) as one body, newest
    first, each with its title and time; the entries' HTML is sanitized already."""
    parts = []
    for entry in reversed(entries):
        if entry.deleted:
            continue
        title = f"<h3>{html.escape(entry.title)}</h3>" if entry.title else ""
        stamp = f"<p><time>{utc(entry.posted).strftime('%Y-%m-%d %H:%M UTC')}</time></p>"
        parts.append(f"<section>{title}{stamp}{entry.body_html}</section>")
    return "".join(parts)
