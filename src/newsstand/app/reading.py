"""Reading as a service: articles and live blogs through the paywall, saved articles,
history, listings and search (follows are kept by ``InterestService``).

Each page-shaped call reads what its page shows in a bounded number of queries:
the article, one query for the reader's own state with it, and what every reader
shares (publishers, the coverage and related stories around an article, Our picks)
from the shared cache. A live blog's redirect is decided before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar

from newsstand.accounts.membership import effective_state
from newsstand.accounts.payouts import credited_seconds
from newsstand.accounts.paywall import decide_access, preview_html
from newsstand.app.cache import SharedCache, TtlCache, remember
from newsstand.app.groupcommit import GroupCommit
from newsstand.app.stories import Around, around_article
from newsstand.catalog.sections import SECTIONS
from newsstand.config import Settings
from newsstand.errors import InvalidCursorError, InvalidDataError, NotFoundError
from newsstand.markup.sanitize import html_to_text
from newsstand.model import (
    Access,
    Article,
    ArticleAt,
    ArticleFilter,
    ArticleKind,
    LiveEntry,
    Membership,
    MembershipState,
    Publisher,
    Reader,
    ReadRecord,
    SearchHit,
    SearchPage,
    SearchQuery,
    utc,
)
from newsstand.store import snippet_html
from newsstand.store.base import (
    ArticleStore,
    CatalogStore,
    Closeable,
    LibraryStore,
    MembershipStore,
    StoryStore,
)

# A reload or a second tab within this time is the same read, not another one to pay for.
SAME_READ_WINDOW = timedelta(minutes=30)
# A page reports its reading time for this long after the read was noted (the time itself is
# capped and bounded by the time since, in accounts.payouts.credited_seconds).
READING_TIME_WINDOW = timedelta(hours=2)
# Reading an article again moves it up the reader's history, but a reload this soon changes nothing.
HISTORY_REFRESH = timedelta(minutes=1)
LISTING_PAGE = 20
AROUND_SECONDS = 120.0
# An article's rendered head and surroundings are kept a minute: their relative times ("5 min
# ago") are shown to the minute, and what they show is kept under keys that change with it (the
# article's revision, its story).
PARTS_SECONDS = 60.0
PARTS_ENTRIES = 2000  # a few kilobytes each
SAVED_READERS = 10_000  # readers whose saved articles are kept in memory
RECENT_READS = 50_000  # (reader, article) pairs whose last reads are kept in memory
ARTICLE_SECONDS = 60.0
ARTICLES_KEPT = 5000


class LiveChanges(Protocol):
    def listen_live(self, on_change: Callable[[int], None]) -> Closeable | None: ...


class ReadingStore(
    ArticleStore, StoryStore, LibraryStore, MembershipStore, CatalogStore, LiveChanges, Protocol
):
    """What the reading service reads and writes."""


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """Everything the article page shows. ``body_html`` is sanitized: the whole body, or the
    paywall's preview of it."""

    article: Article
    publisher: Publisher | None
    access: Access
    body_html: str
    coverage: tuple[Article, ...]  # the same story from other publishers
    related: tuple[Article, ...]
    saved: bool
    picked: bool


@dataclass(frozen=True, slots=True)
class LivePage:
    """Everything a live-blog page shows; entries newest first, cut to the preview without access."""

    article: Article
    publisher: Publisher | None
    access: Access
    pinned: tuple[LiveEntry, ...]
    key_events: tuple[LiveEntry, ...]
    entries: tuple[LiveEntry, ...]
    hidden: int  # entries held back by the paywall
    latest: datetime  # the newest change shown: the event stream starts after it
    saved: bool
    coverage: tuple[Article, ...] = ()  # the live blog's story from other publishers
    related: tuple[Article, ...] = ()
    picked: bool = False


@dataclass(frozen=True, slots=True)
class Listing:
    """A publisher's or a section's newest articles, paged by the last id seen."""

    articles: tuple[Article, ...]
    next_before: int | None


def search_query(
    text: str,
    *,
    publisher: str = "",
    section: str = "",
    language: str = "",
    since: str = "",
    until: str = "",
    limit: int = LISTING_PAGE,
    cursor: str | None = None,
) -> SearchQuery:
    """The search the page's filters ask for: words, one publisher, section and language, and
    days from ``since`` to ``until`` inclusive (yyyy-mm-dd, UTC). Raises InvalidDataError for a
    date that is not one."""
    return SearchQuery(
        text=text,
        publisher_ids=(publisher,) if publisher else (),
        sections=(section,) if section else (),
        languages=(language,) if language else (),
        since=_day(since),
        until=_day(until, end=True),
        limit=limit,
        cursor=cursor,
    )


def _day(raw: str, *, end: bool = False) -> datetime | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidDataError(f"not a date: {raw[:40]!r}") from exc
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def changed_at(entry: LiveEntry) -> datetime:
    """When an entry last changed: its update time when later than its posting."""
    return utc(entry.updated) if entry.updated and entry.updated > entry.posted else utc(entry.posted)


def preview_entries(timeline: Sequence[LiveEntry], access: Access) -> list[LiveEntry]:
    """What of a live blog's timeline (newest first, pinned entries apart) a reader with
    ``access`` sees: all of it, or the newest ``preview_paragraphs`` entries."""
    return list(timeline) if access.full else list(timeline[: access.preview_paragraphs])


def arrange(entries: Sequence[LiveEntry]) -> tuple[list[LiveEntry], list[LiveEntry], list[LiveEntry]]:
    """Split entries (newest first) into pinned summaries, key events and the timeline."""
    pinned = [e for e in entries if e.pinned]
    if not pinned:
        pinned = [e for e in entries if e.summary][:1]
    pinned_ids = {e.entry_id for e in pinned}
    timeline = [e for e in entries if e.entry_id not in pinned_ids]
    key_events = [e for e in entries if e.key_event]
    return pinned, key_events, timeline


Known = tuple[datetime | None, datetime | None]  # a reader's last read of an article, last paid read
Record = ReadRecord | None


P = TypeVar("P")


def once_stored(opened: tuple[P, Future[None] | None]) -> P:
    """A page opened with its read on the way to storage, returned once the read is stored."""
    page, recorded = opened
    if recorded is not None:
        recorded.result()
    return page


def _pair(read: ReadRecord) -> str:
    return f"{read.reader_id}:{read.article_id}"


def decide_read(
    wanted: ReadRecord, last_read: datetime | None, last_paid_read: datetime | None
) -> ReadRecord | None:
    """What of a full read to store, given the reader's last read of the article and their last
    read of it recorded for payment: a reload or a second tab soon after stores nothing; a read
    counts for payment once per SAME_READ_WINDOW."""
    history = wanted.history and (last_read is None or wanted.at - last_read >= HISTORY_REFRESH)
    paid = wanted.publisher_id is not None and (
        last_paid_read is None or wanted.at - last_paid_read >= SAME_READ_WINDOW
    )
    if not (history or paid):
        return None
    return ReadRecord(
        wanted.reader_id, wanted.article_id, wanted.at, wanted.publisher_id if paid else None, history
    )


class ReadingService:
    def __init__(
        self,
        store: ReadingStore,
        settings: Settings,
        clock: Callable[[], datetime],
        cache: SharedCache,
        publishers: Callable[[], dict[str, Publisher]],
        picked_ids: Callable[[], frozenset[int]],
        on_activity: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.cache = cache
        self.publishers = publishers
        self.picked_ids = picked_ids
        # Told (with the reader's id) after a read or a save, so their For you learns from it.
        self.on_activity = on_activity or (lambda reader_id: None)
        # Related stories take tens of milliseconds to rank and change slowly: kept longer than
        # the front page's lists, and apart from them (they must not push those out).
        self._reads: GroupCommit[ReadRecord] = GroupCommit(self._store_reads)
        # Which articles each reader saved, for the Save button of every page they open.
        self._saved = TtlCache(cache.seconds, max_entries=SAVED_READERS)
        # Articles as pages show them change seldom: kept a minute in this process, and dropped
        # with the shared cache whenever it is cleared after a change (a shared cache kept
        # elsewhere, such as Redis, keeps them itself, so every process sees a change).
        self._articles: SharedCache = cache
        if isinstance(cache, TtlCache):
            self._articles = TtlCache(ARTICLE_SECONDS if cache.seconds > 0 else 0, ARTICLES_KEPT)
            cache.clears_also(self._articles)
        # Each reader's last reads of the articles they read lately, as stored or seen by this
        # process: a reload within the windows then stores nothing without asking the database.
        self._recent = TtlCache(SAME_READ_WINDOW.total_seconds(), max_entries=RECENT_READS)
        self._around: SharedCache = TtlCache(AROUND_SECONDS if cache.seconds > 0 else 0, max_entries=5000)
        # The rendered parts of article pages that every reader shares (web/fragments.py).
        self.parts: SharedCache = TtlCache(PARTS_SECONDS if cache.seconds > 0 else 0, PARTS_ENTRIES)

    def now(self) -> datetime:
        return utc(self.clock())

    # --- the paywall -----------------------------------------------------------------------

    def access(
        self, reader: Reader | None, membership: Membership | None, article: Article, publisher: Publisher
    ) -> Access:
        """The paywall decision for one reader and article (nothing recorded)."""
        return decide_access(
            reader, membership, article, publisher, self.now(), self.settings.preview_paragraphs
        )

    def read_article(
        self, reader: Reader | None, article: Article, publisher: Publisher | None = None
    ) -> Access:
        """Decide access and, for a full read, record it in the reader's history and for
        payment. Raises InvalidDataError for an article that was never stored."""
        if article.id is None:
            raise InvalidDataError("only stored articles can be read")
        pub = publisher or self._publisher(article.publisher_id)
        membership = None if reader is None else self.store.get_membership(reader.id)
        access = self.access(reader, membership, article, pub)
        if reader is not None and access.full:
            recorded = self._record(reader, article, pub, access)
            if recorded is not None:
                recorded.result()
        return access

    def _record(
        self, reader: Reader, article: Article, publisher: Publisher, access: Access
    ) -> Future[None] | None:
        """A full read, to be stored as ``decide_read`` finds (the future completes once it is);
        None when what this process stored or saw moments ago already says it stores nothing
        (a reload, a second tab)."""
        assert article.id is not None
        paid = publisher.id if access.counts_for_payment else None
        wanted = ReadRecord(reader.id, article.id, self.now(), paid, True)
        known: Known | None = self._recent.get(_pair(wanted))
        if known is not None and decide_read(wanted, *known) is None:
            return None
        return self._reads.submit_future(wanted)

    def _store_reads(self, wanted: Sequence[ReadRecord]) -> None:
        """The group commit's write: each wanted read decided against the reader's earlier ones
        in the same transaction, and remembered for a while; readers with a read stored are
        told (For you learns)."""
        seen: dict[str, tuple[datetime | None, datetime | None]] = {}

        def decide(
            want: ReadRecord, last_read: datetime | None, last_paid: datetime | None
        ) -> ReadRecord | None:
            record = decide_read(want, last_read, last_paid)
            if record is not None:
                last_read = record.at if record.history else last_read
                last_paid = record.at if record.publisher_id else last_paid
            seen[_pair(want)] = (last_read, last_paid)
            return record

        stored = self.store.record_new_reads(wanted, decide)
        for key, known in seen.items():  # only once committed
            self._recent.put(key, known)
        for reader_id in dict.fromkeys(r.reader_id for r in stored):
            self.on_activity(reader_id)

    def forget_recent(self, reader_id: int, article_ids: Sequence[int]) -> None:
        """Forget what this process knows of the reader's last reads of these articles (they
        were marked unread: the next read goes into the history again)."""
        for article_id in article_ids:
            self._recent.forget(f"{reader_id}:{article_id}")

    def add_reading_time(self, reader: Reader, article_id: int, seconds: int) -> int | None:
        """Credit ``seconds`` the reader's page reports having been read (visible, in front) to
        their latest paid read of the article; returns the read's reading time now, or None
        when no read of theirs is counted for payment (trial readers' are, and are left out by
        the payout statement). A page cannot claim more than the time since the read began."""
        if seconds <= 0:
            return None
        now = self.now()

        def credit(read_at: datetime, current: int) -> int:
            return credited_seconds(current, seconds, read_at, now)

        return self.store.add_reading_time(reader.id, article_id, now - READING_TIME_WINDOW, credit)

    def _publisher(self, publisher_id: str) -> Publisher:
        found = self.publishers().get(publisher_id)
        return found if found is not None else self.store.get_publisher(publisher_id)

    # --- pages -------------------------------------------------------------------------------

    def get_article(self, article_id: int) -> Article:
        """The article as every reader sees it (from the shared cache when fresh). Raises NotFoundError."""
        return remember(self._articles, f"article:{article_id}", lambda: self.store.get_article(article_id))

    def article_page(
        self, article: Article, reader: Reader | None, membership: Membership | None
    ) -> ArticlePage:
        """The article page for one reader: the paywall decided and a full read recorded.
        Callers send live blogs to ``live_page`` first, so a redirect records nothing."""
        return once_stored(self.open_article(article, reader, membership))

    def open_article(
        self, article: Article, reader: Reader | None, membership: Membership | None
    ) -> tuple[ArticlePage, Future[None] | None]:
        """``article_page`` for a caller that must not wait: with the full read's record still
        being stored (answer the reader once the future completes)."""
        publisher, access, saved = self._read(article, reader, membership)
        body = (
            article.body_html if access.full else preview_html(article.body_html, access.preview_paragraphs)
        )
        around = self.around(article)
        picked = reader is not None and reader.is_editor and article.id in self.picked_ids()
        page = ArticlePage(article, publisher, access, body, around.coverage, around.related, saved, picked)
        return page, self._record_read(reader, article, publisher, access)

    def _read(
        self, article: Article, reader: Reader | None, membership: Membership | None
    ) -> tuple[Publisher, Access, bool]:
        """The paywall decision for a page, and whether the reader saved the article."""
        assert article.id is not None
        publisher = self._publisher(article.publisher_id)
        access = self.access(reader, membership, article, publisher)
        saved = reader is not None and article.id in self.saved_ids(reader.id)
        return publisher, access, saved

    def _record_read(
        self, reader: Reader | None, article: Article, publisher: Publisher, access: Access
    ) -> Future[None] | None:
        """A page's full read on its way to storage (last: what came before may have to be made
        again in a thread, and the read must be submitted once per page)."""
        if reader is None or not access.full:
            return None
        return self._record(reader, article, publisher, access)

    def around(self, article: Article) -> Around:
        """Other coverage and related stories: the same for every reader, made once a while."""
        key = f"around:{article.id}:{article.story_id}"
        return remember(self._around, key, lambda: around_article(self.store, article))

    def live_page(self, article: Article, reader: Reader | None, membership: Membership | None) -> LivePage:
        """A live blog for one reader: entries arranged, cut to the preview without access, a
        full read recorded."""
        return once_stored(self.open_live(article, reader, membership))

    def open_live(
        self, article: Article, reader: Reader | None, membership: Membership | None
    ) -> tuple[LivePage, Future[None] | None]:
        """``live_page`` for a caller that must not wait (see ``open_article``)."""
        assert article.id is not None
        publisher, access, saved = self._read(article, reader, membership)
        blog_id = article.id
        entries = remember(self.cache, f"live:{blog_id}:entries", lambda: self.store.live_entries(blog_id))
        pinned, key_events, timeline = arrange(entries)
        hidden = 0
        if not access.full:
            hidden = max(0, len(timeline) - access.preview_paragraphs)
            timeline = preview_entries(timeline, access)
            key_events = [e for e in key_events if e in timeline]
        latest = max((changed_at(e) for e in entries), default=article.published)
        around = self.around(article)
        picked = reader is not None and reader.is_editor and article.id in self.picked_ids()
        page = LivePage(
            article,
            publisher,
            access,
            tuple(pinned),
            tuple(key_events),
            tuple(timeline),
            hidden,
            latest,
            saved,
            around.coverage,
            around.related,
            picked,
        )
        return page, self._record_read(reader, article, publisher, access)

    def stream_allowed(self, article_id: int, reader: Reader | None, membership: Membership | None) -> bool:
        """Whether this reader may receive a live blog's full entries as they come (nothing is
        recorded). Raises NotFoundError when the article is not a live blog."""
        article = self.store.get_article(article_id)
        if not article.is_liveblog:
            raise NotFoundError("live blog", article_id)
        return self.access(reader, membership, article, self._publisher(article.publisher_id)).full

    def hear_live_changes(self, on_change: Callable[[int], None]) -> Closeable | None:
        """Call ``on_change(article_id)`` (from another thread) whenever any process stores a
        change to a live blog; None when the database cannot tell (pages then poll)."""
        return self.store.listen_live(on_change)

    def live_entries_since(self, article_id: int, since: datetime) -> list[LiveEntry]:
        """Entries posted, changed or deleted after ``since``, oldest change first (a deleted
        entry comes with ``deleted`` set, so open pages take it away)."""
        changed = self.store.live_entries(article_id, since=since, include_deleted=True)
        return sorted(changed, key=changed_at)

    def entries_for(
        self, article_id: int, reader: Reader | None, membership: Membership | None, since: datetime | None
    ) -> tuple[Access, list[LiveEntry]]:
        """A live blog's entries that changed after ``since`` (all when None), oldest change
        first, for one reader: without access only those the blog's preview shows (pinned
        summaries and the newest ``preview_paragraphs`` entries). Nothing is recorded, as for
        the event stream. Raises NotFoundError when the article is not a live blog."""
        article = self.get_article(article_id)
        if not article.is_liveblog:
            raise NotFoundError("live blog", article_id)
        access = self.access(reader, membership, article, self._publisher(article.publisher_id))
        entries = self.store.live_entries(article_id)
        if not access.full:
            pinned, _, timeline = arrange(entries)
            entries = pinned + preview_entries(timeline, access)
        changed = [e for e in entries if since is None or changed_at(e) > utc(since)]
        return access, sorted(changed, key=changed_at)

    def article_with_entries(self, article_id: int) -> tuple[Article, list[LiveEntry]]:
        """An article with its live entries, newest first ([] for an ordinary article), for
        operators: nothing is decided or recorded. Raises NotFoundError."""
        article = self.store.get_article(article_id)
        entries = self.store.live_entries(article_id) if article.is_liveblog else []
        return article, entries

    def article_by_url(self, url: str) -> Article:
        """Raises NotFoundError."""
        return self.store.get_article_by_url(url)

    # --- listings and search -----------------------------------------------------------------

    def latest(
        self, before_id: int | None, limit: int = LISTING_PAGE, kind: ArticleKind | None = None
    ) -> Listing:
        """The newest articles of every publisher (of one kind when given). Raises
        InvalidCursorError when ``before_id`` names no article."""
        return self._listing(ArticleFilter(kind=kind, limit=limit, before_id=before_id))

    def publisher_listing(
        self, publisher_id: str, before_id: int | None, limit: int = LISTING_PAGE
    ) -> tuple[Publisher, Listing]:
        """Raises NotFoundError for an unknown publisher, InvalidCursorError for an unknown cursor."""
        publisher = self._publisher(publisher_id)
        flt = ArticleFilter(publisher_ids=(publisher_id,), limit=limit, before_id=before_id)
        return publisher, self._listing(flt)

    def section_listing(
        self, name: str, before_id: int | None, limit: int = LISTING_PAGE
    ) -> tuple[str, Listing]:
        """The section's name as the catalog spells it, and its newest articles. Raises
        NotFoundError for a name no publisher lists and no article is in, InvalidCursorError
        for an unknown cursor."""
        if not name or len(name) > 100:
            raise NotFoundError("section", name)
        known = {*SECTIONS, *(s for p in self.publishers().values() for s in p.sections)}
        spelled = name if name in known else next((k for k in known if k.casefold() == name.casefold()), name)
        listing = self._listing(ArticleFilter(sections=(spelled,), limit=limit, before_id=before_id))
        if not listing.articles and spelled not in known:
            raise NotFoundError("section", name)
        return spelled, listing

    def _listing(self, flt: ArticleFilter) -> Listing:
        try:
            articles = self.store.list_articles(flt)
        except NotFoundError as exc:  # the only thing a listing looks up is its cursor's article
            raise InvalidCursorError(f"no article {flt.before_id} to continue after") from exc
        last = articles[-1].id if len(articles) == flt.limit else None
        return Listing(tuple(articles), last)

    def search(self, query: SearchQuery) -> SearchPage:
        """Search results, the same for every reader for the shared cache's lifetime. Raises
        SearchQueryError for a query or cursor that cannot be run."""
        return remember(self.cache, f"search:{query!r}", lambda: self.store.search(query))

    def search_for(
        self, query: SearchQuery, reader: Reader | None, membership: Membership | None
    ) -> SearchPage:
        """Search results for one reader. For a hit the paywall keeps from this reader, the
        article carries only what the paywall's preview shows (standfirst and opening
        paragraphs) and the snippet is cut from that preview, so no search reveals text
        behind the paywall piece by piece. Raises SearchQueryError as ``search`` does."""
        page = self.search(query)
        hits = []
        for hit in page.hits:
            publisher = self.publishers().get(hit.article.publisher_id)
            pub = publisher or self._publisher(hit.article.publisher_id)
            access = self.access(reader, membership, hit.article, pub)
            hits.append(hit if access.full else self._previewed(hit, query, access))
        return replace(page, hits=tuple(hits))

    @staticmethod
    def _previewed(hit: SearchHit, query: SearchQuery, access: Access) -> SearchHit:
        article = hit.article
        preview = preview_html(article.body_html, access.preview_paragraphs)
        text = html_to_text(preview)
        shown = replace(article, body_html=preview, body_text=text)
        snippet = snippet_html(query.text, query.languages, article.language, text, article.standfirst)
        return replace(hit, article=shown, snippet=snippet)

    def access_class(self, reader: Reader | None, membership: Membership | None) -> str:
        """Which readers see the same search results and previews: "staff" (editors and
        admins), "member" (trial or active) or "reader" (everyone else). Shared caches of
        pages holding article text are kept per class."""
        if reader is not None and reader.is_editor:
            return "staff"
        if membership is not None and effective_state(membership, self.now()) in (
            MembershipState.TRIAL,
            MembershipState.ACTIVE,
        ):
            return "member"
        return "reader"

    # --- a reader's own things -----------------------------------------------------------------

    def save(self, reader_id: int, article_id: int) -> None:
        """Save an article (again: no change). Raises NotFoundError for an unknown article."""
        self.store.save_article(reader_id, article_id, self.now())
        self._saved.forget(f"saved:{reader_id}")
        self.on_activity(reader_id)

    def unsave(self, reader_id: int, article_id: int) -> None:
        self.store.unsave_article(reader_id, article_id)
        self._saved.forget(f"saved:{reader_id}")
        self.on_activity(reader_id)

    def saved_ids(self, reader_id: int) -> frozenset[int]:
        """Ids of every article the reader saved (kept as long as the shared cache keeps its
        values, and forgotten here at once when they save or unsave)."""
        return remember(self._saved, f"saved:{reader_id}", lambda: self.store.saved_article_ids(reader_id))

    def is_saved(self, reader_id: int, article_id: int) -> bool:
        return self.store.is_saved(reader_id, article_id)

    def saved(
        self, reader_id: int, limit: int = 50, before: tuple[datetime, int] | None = None
    ) -> list[ArticleAt]:
        """Saved articles, most recently saved first; ``before`` (the time and id of the last one
        of an earlier page) continues from there."""
        return self._with_articles(self.store.saved_articles(reader_id, limit, before))

    def offline_pages(self, reader: Reader, membership: Membership | None, limit: int = 100) -> list[Article]:
        """The reader's saved articles that the paywall lets them read in full now: what a
        device may keep for offline reading (a lapsed membership takes the others away)."""
        kept = []
        for item in self.saved(reader.id, limit):
            publisher = self._publisher(item.article.publisher_id)
            if self.access(reader, membership, item.article, publisher).full:
                kept.append(item.article)
        return kept

    def history(
        self, reader_id: int, limit: int = 50, before: tuple[datetime, int] | None = None
    ) -> list[ArticleAt]:
        """Articles the reader read in full or marked read, most recent first, each once;
        ``before`` as for ``saved``."""
        return self._with_articles(self.store.reading_history(reader_id, limit, before))

    def mark_read(self, reader_id: int, article_id: int) -> None:
        """Put an article in the reader's history as read now (an app's "mark as read"). Not a
        read for payment: that takes reading the article. Raises NotFoundError."""
        self.get_article(article_id)
        self._reads.submit(ReadRecord(reader_id, article_id, self.now(), None, True))
        self.on_activity(reader_id)

    def mark_unread(self, reader_id: int, article_id: int) -> None:
        """Take an article out of the reader's history; reads counted for payment stay."""
        self.store.forget_read(reader_id, article_id)
        self.forget_recent(reader_id, [article_id])
        self.on_activity(reader_id)

    def _with_articles(self, rows: list[tuple[int, datetime]]) -> list[ArticleAt]:
        found = {a.id: a for a in self.store.get_articles([article_id for article_id, _ in rows])}
        return [ArticleAt(found[i], at) for i, at in rows if i in found]
