"""A reader's subscriptions and item state as reader apps see them (Google Reader, Fever).

What an app subscribes to is what the reader follows on the web: a subscription is a followed
publisher (known to apps by its first feed's URL). A label is a followed section, or one of the
reader's own folders of subscriptions: ``resolve_label`` (readernames) is the one rule that
decides which a name an app sends stands for, and a label that names no section is a folder,
made when an app first puts a subscription in it and gone when its last one leaves. Streams
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
from newsstand.app.readernames import LabelNames, LabelTarget, clean_title, folder_name, resolve_label
from newsstand.app.reading import ReadingService
from newsstand.catalog.core import Catalog
from newsstand.catalog.opml import read_subscriptions, write_opml
from newsstand.catalog.sections import SECTIONS
from newsstand.config import Settings
from newsstand.errors import (
    CatalogError,
    ConflictError,
    InvalidCursorError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
)
from newsstand.model import (
    Access,
    Article,
    Facet,
    LiveEntry,
    Membership,
    Publisher,
    Reader,
    ReadRecord,
    StreamQuery,
    StreamSource,
    TitleKind,
    UnreadRef,
    utc,
)
from newsstand.store.base import ArticleStore, CatalogStore, LibraryStore

UNREAD_DAYS = 30
MAX_UNREAD = 10_000  # unread items counted and listed at most
MAX_PAGE = 1000
MAX_MARK = 10_000  # items one mark-all-as-read marks at most
MAX_FOLDERS = 200  # folders one reader may have
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SubscriptionStore(ArticleStore, LibraryStore, CatalogStore, Protocol):
    """What the subscription service reads and writes."""


class StreamKind(enum.StrEnum):
    READING_LIST = "reading-list"  # everything the reader follows
    FEED = "feed"  # one followed publisher
    LABEL = "label"  # one section
    FOLDER = "folder"  # one of the reader's own folders: the followed publishers in it
    STARRED = "starred"  # saved articles, most recently saved first
    READ = "read"  # the reader's history, most recently read first


@dataclass(frozen=True, slots=True)
class Stream:
    kind: StreamKind
    value: str = ""  # the publisher id (FEED), section name (LABEL) or folder name (FOLDER)


@dataclass(frozen=True, slots=True)
class Subscription:
    publisher: Publisher
    url: str  # the feed URL apps know the subscription by
    labels: tuple[str, ...]  # followed sections the publisher lists
    title: str = ""  # the reader's own name for it, else the publisher's
    folders: tuple[str, ...] = ()  # the reader's own folders it is in

    @property
    def shown(self) -> str:
        return self.title or self.publisher.name


class EditAction(enum.StrEnum):
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    EDIT = "edit"  # rename and relabel only


@dataclass(frozen=True, slots=True)
class StreamRequest:
    """One page of a stream. ``continuation`` comes from the previous page (opaque)."""

    stream: Stream
    count: int = 20
    continuation: str = ""
    unread_only: bool = False
    newer_than: datetime | None = None
    older_than: datetime | None = None
    oldest_first: bool = False  # the stream's order: oldest first, continuations going forwards


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
    source_title: str = ""  # its subscription's name as this reader sees it

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
    folders: dict[str, UnreadCount]  # by the reader's folder
    total: UnreadCount


@dataclass(frozen=True, slots=True)
class OpmlImport:
    followed: tuple[str, ...]  # publisher names now followed
    added: tuple[str, ...]  # feed URLs added to the catalog for this reader
    refused: tuple[str, ...]  # feed URLs the catalog lacks and readers may not add
    folders: tuple[str, ...] = ()  # the reader's folders the file's folders filled


def _encode(at: datetime, article_id: int, oldest_first: bool) -> str:
    """A continuation: the page's last key, marked with the order it was given in."""
    # Whole microseconds, exactly: a float timestamp can round a key onto its neighbour.
    usec = (utc(at) - EPOCH) // timedelta(microseconds=1)
    return f"{'o' if oldest_first else ''}{usec}-{article_id}"


def _decode(continuation: str, oldest_first: bool) -> tuple[datetime, int] | None:
    """The key a continuation holds. Raises InvalidCursorError for one that is malformed or
    was given for the other order."""
    if not continuation:
        return None
    ascending = continuation.startswith("o")
    usec, _, article_id = continuation.removeprefix("o").partition("-")
    if not usec.isdigit() or not article_id.isdigit() or len(continuation) > 40:
        raise InvalidCursorError("not a continuation of this stream")
    if ascending != oldest_first:
        raise InvalidCursorError("this continuation pages the stream in the other order (r=o)")
    return EPOCH + timedelta(microseconds=int(usec)), int(article_id)


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
        """What the reader follows, by the name they see (their own, else the publisher's)."""
        publishers = self.catalog.publishers()
        urls = self.feed_urls()
        titles = self.titles(reader)
        sections = {s.casefold(): s for s in reader.followed_sections}
        filed = self.folders_by_publisher(reader)
        subs = []
        for pid in reader.followed_publishers:
            publisher = publishers.get(pid)
            if publisher is None:
                continue
            labels = tuple(sections[s.casefold()] for s in publisher.sections if s.casefold() in sections)
            url = urls.get(pid, publisher.homepage)
            subs.append(Subscription(publisher, url, labels, titles.get(pid, ""), filed.get(pid, ())))
        return sorted(subs, key=lambda s: s.shown.casefold())

    def titles(self, reader: Reader) -> dict[str, str]:
        """The reader's own names for publishers, by publisher id."""
        kept = self.store.reader_titles(reader.id)
        return {value: title for (kind, value), title in kept.items() if kind is TitleKind.PUBLISHER}

    def label_names(self, reader: Reader) -> LabelNames:
        kept = self.store.reader_titles(reader.id)
        return LabelNames({v: title for (kind, v), title in kept.items() if kind is TitleKind.SECTION})

    def followed_labels(self, reader: Reader) -> dict[str, str]:
        """Each followed section with the label name the reader sees, by that name."""
        names = self.label_names(reader)
        shown = {section: names.name(section) for section in reader.followed_sections}
        return dict(sorted(shown.items(), key=lambda pair: pair[1].casefold()))

    def folders(self, reader: Reader) -> dict[str, tuple[str, ...]]:
        """The reader's own folders, each with the publishers in it that they follow, in name
        order (any case); a folder holding none of those is left out."""
        followed = set(reader.followed_publishers)
        kept = {}
        for name, publisher_ids in self.store.reader_labels(reader.id).items():
            inside = tuple(p for p in publisher_ids if p in followed)
            if inside:
                kept[name] = inside
        return dict(sorted(kept.items(), key=lambda pair: pair[0].casefold()))

    def folder_contents(self, reader: Reader) -> dict[str, tuple[Subscription, ...]]:
        """The reader's folders with their subscriptions (as ``subscriptions`` gives them), in
        name order, for the web's following page."""
        subs = {s.publisher.id: s for s in self.subscriptions(reader)}
        return {
            name: tuple(subs[pid] for pid in pids if pid in subs)
            for name, pids in self.folders(reader).items()
        }

    def folders_by_publisher(self, reader: Reader) -> dict[str, tuple[str, ...]]:
        """The folders each followed publisher is in, by publisher id."""
        filed: dict[str, tuple[str, ...]] = {}
        for name, publisher_ids in self.folders(reader).items():
            for pid in publisher_ids:
                filed[pid] = (*filed.get(pid, ()), name)
        return filed

    def label_list(self, reader: Reader) -> list[tuple[str, bool]]:
        """Every label the reader has, as apps list them: (name as they see it, whether it is a
        folder rather than a followed section), in name order (any case)."""
        found = [(name, False) for name in self.followed_labels(reader).values()]
        found += [(name, True) for name in self.folders(reader)]
        return sorted(found, key=lambda pair: pair[0].casefold())

    def section_names(self, reader: Reader) -> frozenset[str]:
        """Names that are sections (case-folded): the catalog's vocabulary, every section a
        publisher lists, and the sections the reader follows."""
        names = {s.casefold() for s in SECTIONS}
        names |= {name.casefold() for name, _ in self.catalog.sections()}
        names |= {s.casefold() for s in reader.followed_sections}
        return frozenset(names)

    def resolve(self, reader: Reader, label: str) -> LabelTarget:
        """What a label name an app sends stands for (see ``resolve_label``)."""
        return resolve_label(
            label, self.label_names(reader), self.store.reader_labels(reader.id), self.section_names(reader)
        )

    def label_stream(self, reader: Reader, label: str) -> Stream:
        """The stream a label name stands for: a folder's, else a section's."""
        target = self.resolve(reader, label)
        return Stream(StreamKind.FOLDER if target.folder else StreamKind.LABEL, target.name)

    def stream_title(self, reader: Reader, stream: Stream) -> str:
        """A stream's name as this reader sees it."""
        if stream.kind is StreamKind.FOLDER:
            return stream.value
        if stream.kind is StreamKind.FEED:
            publisher = self.catalog.get_publisher(stream.value)
            return self.titles(reader).get(publisher.id, publisher.name)
        if stream.kind is StreamKind.LABEL:
            return self.label_names(reader).name(stream.value)
        return {
            StreamKind.READING_LIST: "Reading list",
            StreamKind.STARRED: "Starred",
            StreamKind.READ: "Read",
        }[stream.kind]

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
        """Follow the publisher ``url`` names, under ``title`` for this reader when given; a
        feed URL the catalog lacks is added to it when the ``readers_may_add_feeds`` setting
        allows. Raises PermissionDeniedError (it does not), CatalogError (a URL the catalog's
        rules refuse) and NotFoundError."""
        try:
            publisher = self.publisher_for(url)
        except NotFoundError:
            if not self.settings.readers_may_add_feeds:
                raise PermissionDeniedError(
                    "This feed is not in the catalog, and this site lets only its operators add feeds."
                ) from None
            # The catalog names the new publisher after its host: the reader's title is theirs.
            feed = self.catalog.add_reader_feed(url)
            publisher = self.catalog.get_publisher(feed.publisher_id)
        self.interests.follow(reader.id, Facet.PUBLISHER, publisher.id)
        shown = self._keep_title(reader, publisher, title) if title.strip() else ""
        labels = tuple(s for s in reader.followed_sections if s in publisher.sections)
        folders = self.folders_by_publisher(reader).get(publisher.id, ())
        return Subscription(publisher, self.feed_urls().get(publisher.id, url), labels, shown, folders)

    def unsubscribe(self, reader: Reader, target: str) -> None:
        """Stop following the publisher ``target`` names (and forget the reader's name for it;
        following stops take it out of the reader's folders). Raises NotFoundError."""
        publisher = self.publisher_for(target)
        self.interests.unfollow(reader.id, Facet.PUBLISHER, publisher.id)
        self.store.set_reader_title(reader.id, TitleKind.PUBLISHER, publisher.id, "")

    def rename(self, reader: Reader, target: str, title: str) -> Subscription:
        """Give a followed subscription the reader's own name. Personal: the publisher keeps
        its name for everyone else; an empty title (or the publisher's own) goes back to it.
        Raises NotFoundError when the reader does not follow it."""
        publisher = self.publisher_for(target)
        if publisher.id not in reader.followed_publishers:
            raise NotFoundError("subscription", target[:200])
        shown = self._keep_title(reader, publisher, title)
        labels = tuple(s for s in reader.followed_sections if s in publisher.sections)
        folders = self.folders_by_publisher(reader).get(publisher.id, ())
        return Subscription(publisher, self.feed_urls().get(publisher.id, target), labels, shown, folders)

    def _keep_title(self, reader: Reader, publisher: Publisher, title: str) -> str:
        name = clean_title(title)
        kept = "" if name == publisher.name else name
        self.store.set_reader_title(reader.id, TitleKind.PUBLISHER, publisher.id, kept)
        return kept

    def edit(
        self,
        reader: Reader,
        action: EditAction,
        targets: Sequence[str],
        title: str = "",
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> None:
        """One subscription edit as reader apps send it: subscribe, unsubscribe or edit the
        ``targets`` (feed URLs), naming them ``title`` for this reader (subscribe and edit),
        then the labels ``add`` and ``remove`` (label names as the reader sees them). A label
        that stands for a section (``resolve_label``) is followed or no longer followed, for
        every subscription that lists it; any other is one of the reader's folders: ``add``
        puts the targets in it (made on first use), ``remove`` takes them out (a folder left
        empty is gone). Raises NotFoundError, PermissionDeniedError, CatalogError and
        InvalidDataError (a folder's name the rules refuse, or no subscription to put in it)."""
        followed = set(reader.followed_publishers)
        subscribed: list[str] = []
        for target in targets:
            if action is EditAction.SUBSCRIBE:
                sub = self.subscribe(reader, target, title)
                followed.add(sub.publisher.id)
                subscribed.append(sub.publisher.id)
            elif action is EditAction.UNSUBSCRIBE:
                self.unsubscribe(reader, target)
            elif title.strip():
                self.rename(reader, target, title)

        def chosen() -> list[str]:
            """The subscriptions to file: only ones the reader follows (NotFoundError)."""
            if action is EditAction.SUBSCRIBE:
                return subscribed
            found = [self.publisher_for(target).id for target in targets]
            if missing := [pid for pid in found if pid not in followed]:
                raise NotFoundError("subscription", missing[0])
            return found

        for label in add:
            meant = self.resolve(reader, label)
            if not meant.folder:
                self.set_label(reader, meant.name, True)
            elif action is not EditAction.UNSUBSCRIBE:
                self.file(reader, label, chosen(), True)
        for label in remove:
            meant = self.resolve(reader, label)
            if not meant.folder:
                self.set_label(reader, meant.name, False)
            elif meant.exists and targets and action is not EditAction.UNSUBSCRIBE:
                self.file(reader, meant.name, chosen(), False)

    def file(self, reader: Reader, folder: str, publisher_ids: Sequence[str], on: bool) -> str:
        """Put followed publishers in the reader's folder ``folder`` (made on first use) or take
        them out of it; returns the folder's name as kept. The name must not stand for a
        section (``resolve_label``): callers resolve it first. Raises InvalidDataError (a name
        the rules refuse, no publisher given, too many folders)."""
        existing = {name.casefold(): name for name in self.store.reader_labels(reader.id)}
        name = existing.get(" ".join(folder.split()).casefold()) or folder_name(folder)
        if on:
            if not publisher_ids:
                raise InvalidDataError(f"name a subscription to put in the folder {name!r} (s=)")
            if name.casefold() not in existing and len(existing) >= MAX_FOLDERS:
                raise InvalidDataError(f"you have {MAX_FOLDERS} folders already; remove one first")
        self.store.label_publishers(reader.id, name, publisher_ids, on)
        return name

    def labels(self, reader: Reader) -> list[str]:
        """The sections the reader follows (their labels), by name."""
        return sorted(reader.followed_sections, key=str.casefold)

    def set_label(self, reader: Reader, section: str, on: bool) -> None:
        """Follow or stop following a section (a label; stopping forgets the reader's name
        for it). Raises InvalidDataError."""
        if on:
            self.interests.follow(reader.id, Facet.SECTION, section)
        else:
            self.interests.unfollow(reader.id, Facet.SECTION, section)
            self.store.set_reader_title(reader.id, TitleKind.SECTION, section, "")

    def disable_label(self, reader: Reader, label: str) -> None:
        """Remove a label: a folder is deleted (its subscriptions stay followed), a section is
        no longer followed."""
        found = self.resolve(reader, label)
        if found.folder:
            if found.exists:
                self.store.delete_reader_label(reader.id, found.name)
        else:
            self.set_label(reader, found.name, False)

    def delete_folder(self, reader: Reader, folder: str) -> None:
        """Delete one of the reader's folders (its subscriptions stay followed). Raises
        NotFoundError when they have no such folder."""
        if not self.store.delete_reader_label(reader.id, folder):
            raise NotFoundError("folder", folder[:100])

    def rename_label(self, reader: Reader, label: str, new_name: str) -> str:
        """Call a label ``new_name`` for this reader only; returns the section, or the folder's
        new name. A followed section keeps its name in the catalog; a folder is the reader's.
        Raises NotFoundError (no such label) and InvalidDataError (a name the rules refuse, or
        one another of their labels or a catalog section has)."""
        names = self.label_names(reader)
        found = self.resolve(reader, label)
        folders = {name.casefold() for name in self.store.reader_labels(reader.id)}
        shown = {names.name(s).casefold() for s in reader.followed_sections}
        if found.folder:
            if not found.exists:
                raise NotFoundError("label", label[:100])
            name = folder_name(new_name)
            taken = (folders - {found.name.casefold()}) | shown | self.section_names(reader)
            if name.casefold() in taken:
                raise InvalidDataError(f"{name!r} names another of your labels or a section")
            try:
                self.store.rename_reader_label(reader.id, found.name, name)
            except ConflictError:
                raise InvalidDataError(f"{name!r} names another of your labels") from None
            return name
        wanted = found.name.casefold()
        section = next((s for s in reader.followed_sections if s.casefold() == wanted), None)
        if section is None:
            raise NotFoundError("label", label[:100])
        name = clean_title(new_name)
        if not name:
            raise InvalidDataError("a label needs a name")
        taken = {names.name(s).casefold() for s in reader.followed_sections if s != section}
        # A catalog section's name stays free for that section's own label.
        taken |= {s.casefold() for s in SECTIONS if s.casefold() != section.casefold()}
        taken |= folders
        if name.casefold() in taken:
            raise InvalidDataError(f"{name!r} names another of your labels or a section")
        self.store.set_reader_title(reader.id, TitleKind.SECTION, section, "" if name == section else name)
        return section

    # --- OPML ---------------------------------------------------------------------------------

    def export_opml(self, reader: Reader) -> bytes:
        """The reader's subscriptions as OPML: each followed publisher, under the name the
        reader sees, with its feeds, nested under each of the reader's folders it is in."""
        subs = self.subscriptions(reader)
        wanted = {s.publisher.id for s in subs}
        feeds = tuple(f for f in self.store.list_feeds() if f.publisher_id in wanted)
        catalog = Catalog(tuple(replace(s.publisher, name=s.shown) for s in subs), feeds)
        return write_opml(
            catalog,
            title=f"{reader.display_name or reader.email}: subscriptions",
            now=self.now(),
            folders=self.folders(reader),
        )

    def import_opml(self, reader: Reader, data: bytes) -> OpmlImport:
        """Follow every publisher whose feed the file lists; feeds the catalog lacks are added
        when readers may add feeds, else refused. The file's title for a subscription becomes
        the reader's own name for it where it differs from the publisher's name, and the
        file's folders that name no section become the reader's folders (a name the folder
        rules refuse is left out). Raises CatalogError (nothing followed) for a malformed or
        hostile file."""
        outlines = read_subscriptions(data, source="your OPML file")
        followed: dict[str, str] = {}
        titles: dict[str, str] = {}
        filed: dict[str, list[str]] = {}
        added, refused = [], []
        for outline in outlines:
            try:
                known = self.publisher_for(outline.url)
            except NotFoundError:
                if not self.settings.readers_may_add_feeds:
                    refused.append(outline.url)
                    continue
                try:
                    stored = self.catalog.add_reader_feed(outline.url, outline.title)
                except CatalogError:
                    refused.append(outline.url)
                    continue
                added.append(stored.url)
                known = self.catalog.get_publisher(stored.publisher_id)
            followed[known.id] = known.name
            title = clean_title(outline.title)
            if title and title != known.name:
                titles.setdefault(known.id, title)
            for folder in outline.folders:
                filed.setdefault(folder, []).append(known.id)
        for pid in followed:
            self.interests.follow(reader.id, Facet.PUBLISHER, pid)
        for pid, title in titles.items():
            self.store.set_reader_title(reader.id, TitleKind.PUBLISHER, pid, title)
        after = replace(reader, followed_publishers=(*reader.followed_publishers, *followed))
        made = []
        for folder, pids in filed.items():
            target = self.resolve(after, folder)
            if not target.folder:
                continue  # a section's name: the file's sections are the catalog's business
            try:
                made.append(self.file(after, folder, pids, True))
            except InvalidDataError:
                continue
        return OpmlImport(tuple(followed.values()), tuple(added), tuple(refused), tuple(dict.fromkeys(made)))

    # --- streams ------------------------------------------------------------------------------

    def items_page(self, reader: Reader, membership: Membership | None, req: StreamRequest) -> ItemPage:
        """One page of a stream, newest first or (``oldest_first``) oldest first; the
        continuation goes on in the same order. Raises InvalidCursorError for a continuation
        this stream's order did not give."""
        count = max(1, min(req.count, MAX_PAGE))
        query = self._query(reader, req, count + 1)
        refs = self.store.stream_page(reader.id, query) if query is not None else []
        page = refs[:count]
        found = {a.id: a for a in self.store.get_articles([aid for aid, _ in page])}
        items = self._items(reader, membership, [(found[aid], at) for aid, at in page if aid in found])
        more = len(refs) > count
        continuation = _encode(page[-1][1], page[-1][0], req.oldest_first) if more else ""
        return ItemPage(tuple(items), continuation)

    def _query(self, reader: Reader, req: StreamRequest, limit: int) -> StreamQuery | None:
        """The store's query for a page of ``req``; None for a stream that lists nothing."""
        kind = req.stream.kind
        if kind in (StreamKind.STARRED, StreamKind.READ):
            source = StreamSource.SAVED if kind is StreamKind.STARRED else StreamSource.HISTORY
            publishers: tuple[str, ...] = ()
            sections: tuple[str, ...] = ()
        else:
            source = StreamSource.ARTICLES
            publishers, sections = self._filters(reader, req.stream)
            if not publishers and not sections:
                return None
        return StreamQuery(
            source,
            publishers,
            sections,
            limit=limit,
            after=_decode(req.continuation, req.oldest_first),
            oldest_first=req.oldest_first,
            # ``nt`` is exclusive, the store's ``since`` inclusive: stream times are in µs.
            since=req.newer_than + timedelta(microseconds=1) if req.newer_than else None,
            until=req.older_than,
            unread_since=self.unread_since() if req.unread_only else None,
        )

    def _filters(self, reader: Reader, stream: Stream) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(publisher ids, sections) a stream lists."""
        if stream.kind is StreamKind.FEED:
            return (stream.value,), ()
        if stream.kind is StreamKind.LABEL:
            return (), (stream.value,)
        if stream.kind is StreamKind.FOLDER:
            return self.folders(reader).get(stream.value, ()), ()
        return reader.followed_publishers, reader.followed_sections

    def _unread_refs(self, reader: Reader, stream: Stream) -> list[UnreadRef]:
        publishers, sections = self._filters(reader, stream)
        return self.store.unread_refs(reader.id, publishers, sections, self.unread_since(), MAX_UNREAD)

    def _items(
        self, reader: Reader, membership: Membership | None, found: Sequence[tuple[Article, datetime]]
    ) -> list[Item]:
        ids = [a.id for a, _ in found if a.id is not None]
        read, saved = self.store.article_marks(reader.id, ids)
        since = self.unread_since()
        publishers = self.catalog.publishers()
        titles = self.titles(reader) if found else {}
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
            shown = titles.get(pub.id, pub.name)
            items.append(Item(article, publisher, access, body, is_read, article.id in saved, at, shown))
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
        """Unread items by followed publisher, by followed section, by folder, and in all."""
        refs = self._unread_refs(reader, Stream(StreamKind.READING_LIST))
        feeds: dict[str, UnreadCount] = {}
        labels: dict[str, UnreadCount] = {}
        folders: dict[str, UnreadCount] = {}
        filed = self.folders_by_publisher(reader)

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
            for folder in filed.get(ref.publisher_id, ()):
                add(folders, folder, ref)
        total = UnreadCount(len(refs), refs[0].published if refs else None)
        return UnreadCounts(feeds, labels, folders, total)

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
            self.reading.forget_recent(reader.id, known)
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
