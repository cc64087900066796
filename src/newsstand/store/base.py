"""The storage interface.

Everything Newsstand keeps goes through ``Store``. There is one implementation
(``newsstand.store.sql.SqlStore``) on SQLAlchemy Core that runs on SQLite and
PostgreSQL; the same test suite runs against both. Every method that changes
several rows does so in one transaction: either all of it is stored or none.

Errors: ``NotFoundError`` when a named thing does not exist, ``ConflictError``
when a thing to create exists already, ``SearchQueryError`` for a query or cursor
that cannot be run, and ``StorageError`` for anything the database itself fails
at. No SQLAlchemy or driver exception leaves this package.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeVar

from newsstand.errors import NewsstandError

# MailQueue, the retrying mail queue, is declared beside its deliverer in newsstand.mail.queue
# (mail sits below store, and deliver_pending needs the protocol it drives); re-exported here.
from newsstand.model import (
    ApiToken,
    AppPassword,
    Article,
    ArticleFilter,
    ArticleText,
    BillingChange,
    BillingRecord,
    Bucket,
    CopyCandidates,
    CopyIndex,
    DigestSubscription,
    Facet,
    Feed,
    FeedState,
    FetchRecord,
    LiveEntry,
    LiveMergeResult,
    LiveMergeScope,
    MailState,
    Membership,
    MembershipState,
    OpenStory,
    OutgoingMail,
    PaidRead,
    Payment,
    Pick,
    Publisher,
    PushSubscription,
    QueuedMail,
    Reader,
    ReadingSignal,
    ReadRecord,
    Role,
    SearchPage,
    SearchQuery,
    SessionRecord,
    Story,
    StoryStats,
    StoryWrite,
    StreamQuery,
    TermCounts,
    TitleKind,
    Trained,
    UnreadRef,
    UpsertResult,
)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """An article as ingested from one feed: the feed tells which section lists it."""

    article: Article
    feed_id: int


# One feed fetch to store: its health row, the feed's new state and its articles.
Fetched = tuple[FetchRecord, FeedState, Sequence[FeedItem]]
# A wanted read, the reader's last read of the article and their last read recorded for payment,
# to the read to store (None: nothing).
DecideRead = Callable[[ReadRecord, datetime | None, datetime | None], ReadRecord | None]


class CatalogStore(Protocol):
    def add_publisher(self, publisher: Publisher) -> None:
        """Store a new publisher. Raises ConflictError if its id exists."""

    def update_publisher(self, publisher: Publisher) -> None:
        """Replace a publisher's fields. Raises NotFoundError."""

    def get_publisher(self, publisher_id: str) -> Publisher:
        """Raises NotFoundError."""

    def list_publishers(self, *, enabled_only: bool = False) -> list[Publisher]:
        """All publishers ordered by name."""

    def remove_publisher(self, publisher_id: str) -> None:
        """Remove a publisher with its feeds and their health; its articles stay,
        so readers' saved articles and history survive. Raises NotFoundError."""

    def add_feed(self, feed: Feed) -> Feed:
        """Store a new feed and return it with its id. Raises ConflictError on a
        duplicate URL and NotFoundError for an unknown publisher."""

    def get_feed(self, feed_id: int) -> Feed:
        """Raises NotFoundError."""

    def get_feed_by_url(self, url: str) -> Feed:
        """Raises NotFoundError."""

    def list_feeds(self, publisher_id: str | None = None, *, enabled_only: bool = False) -> list[Feed]:
        """Feeds ordered by publisher then section then URL."""

    def set_feed_enabled(self, feed_id: int, enabled: bool, reason: str = "") -> None:
        """Enable or disable a feed, keeping the reason shown to operators."""

    def update_feed_url(self, feed_id: int, url: str) -> None:
        """Move a feed to a new URL (after a permanent redirect). Raises ConflictError
        when another feed has that URL already."""

    def remove_feed(self, feed_id: int) -> None:
        """Remove a feed with its state and health. Raises NotFoundError."""


class IngestStore(Protocol):
    def get_feed_state(self, feed_id: int) -> FeedState:
        """The fetch state of a feed; a blank state for a feed never fetched."""

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[tuple[Feed, FeedState]]:
        """Enabled feeds whose next poll is at or before ``now`` (never-fetched first)."""

    def record_fetch(
        self, record: FetchRecord, state: FeedState, items: Sequence[FeedItem] = ()
    ) -> list[UpsertResult]:
        """Store one fetch's articles, the feed's new state and its health row in one
        transaction. Articles are matched by (publisher, GUID) then canonical URL;
        a match is updated in place (revision up when its content changed), never
        duplicated; the article is listed under the feed's section as well."""

    def record_fetches(
        self, fetches: Sequence[Fetched], *, defer_search: bool = False
    ) -> list[list[UpsertResult] | NewsstandError]:
        """Store several fetches in one transaction (fewer commits when many feeds arrive
        at once), each as ``record_fetch`` would and in a savepoint of its own: a fetch
        that fails (unknown feed, database error) gives its error in its place and leaves
        nothing of itself stored, while the others are kept. Raises StorageError when
        the transaction as a whole fails (then nothing is stored). With ``defer_search``
        new articles become searchable at the next ``index_search`` (ingestion calls it
        once per round: indexing in bulk costs less than article by article)."""

    def upsert_article(self, article: Article, feed_id: int | None = None) -> UpsertResult:
        """Store one article outside a feed fetch (import, full-text fill-in)."""

    def feed_health(self, feed_id: int, limit: int = 100) -> list[FetchRecord]:
        """The most recent fetch records of a feed, newest first."""

    def feed_states(self) -> list[tuple[Feed, FeedState]]:
        """Every feed with its state, failing feeds first, then by consecutive failures."""

    def articles_without_full_text(self, limit: int = 100) -> list[Article]:
        """Recent articles whose body is only a feed teaser, newest first."""


class ArticleStore(Protocol):
    def get_article(self, article_id: int) -> Article:
        """Raises NotFoundError."""

    def get_article_by_url(self, url: str) -> Article:
        """Look up by canonical URL. Raises NotFoundError."""

    def get_articles(self, article_ids: Sequence[int]) -> list[Article]:
        """The articles with these ids in the order asked, in one query; unknown ids are left out."""

    def list_articles(self, flt: ArticleFilter) -> list[Article]:
        """Articles matching the filter, newest published first."""

    def count_articles(self) -> int: ...

    def merge_live_entries(
        self, article_id: int, entries: Sequence[LiveEntry], *, scope: LiveMergeScope = LiveMergeScope.WINDOW
    ) -> LiveMergeResult:
        """Merge one fetch's view of a live blog: new entries are added, changed ones updated
        with their revision raised, and stored entries it lacks are marked deleted only where
        ``scope`` says the view should have had them (``LiveMergeScope.deletes``), with their
        change time set so open pages hear of it. One transaction."""

    def entries_of(self, article_ids: Sequence[int], limit: int) -> list[LiveEntry]:
        """The newest ``limit`` entries (not deleted) of these live blogs together, newest first."""

    def live_entries(
        self,
        article_id: int,
        *,
        since: datetime | None = None,
        key_events_only: bool = False,
        include_deleted: bool = False,
    ) -> list[LiveEntry]:
        """Entries newest first; ``since`` keeps those posted or updated after it."""

    def search(self, query: SearchQuery) -> SearchPage:
        """Full-text search over title, standfirst, body and authors, best first.
        Raises SearchQueryError for an empty query or a bad cursor."""

    def index_search(self) -> int:
        """Make searchable the articles stored with ``defer_search``; returns how many.
        Safe to call at any time; articles stored otherwise are searchable at once."""


class ReaderStore(Protocol):
    """Readers, their sessions, password-reset tokens and sign-in attempts."""

    def add_reader(
        self,
        email: str,
        password_hash: str,
        created: datetime,
        role: Role = Role.READER,
        display_name: str = "",
        first_membership: Callable[[int], Membership] | None = None,
        time_zone: str = "",
    ) -> Reader:
        """Store a new reader (email already normalised), with ``first_membership(new id)``
        in the same transaction when given. Raises ConflictError for a taken email."""

    def get_reader(self, reader_id: int) -> Reader:
        """The reader with follows filled in. Raises NotFoundError."""

    def get_reader_by_email(self, email: str) -> Reader:
        """Raises NotFoundError."""

    def session_reader(self, token_hash: str) -> tuple[SessionRecord, Reader, Membership | None]:
        """A session with its reader (follows filled in) and membership, in one read: what every
        signed-in request needs. Raises NotFoundError for an unknown token (expiry is the caller's)."""

    def list_readers(self) -> list[Reader]:
        """Every reader ordered by email (follows left empty)."""

    def password_hash(self, reader_id: int) -> str:
        """Raises NotFoundError."""

    def set_password_hash(self, reader_id: int, password_hash: str) -> None:
        """Raises NotFoundError."""

    def set_reader_email(self, reader_id: int, email: str) -> None:
        """Change the address (it is unconfirmed again). Raises NotFoundError, and ConflictError
        when another reader has the email."""

    def set_reader_role(self, reader_id: int, role: Role) -> None:
        """Raises NotFoundError."""

    def delete_reader(
        self,
        reader_id: int,
        pseudonym: str,
        attempt_keys: Sequence[str] = (),
        attempt_prefixes: Sequence[str] = (),
    ) -> None:
        """Delete a reader with sessions, tokens, membership, follows, saved articles,
        history, their own names and folders in one transaction, with the sign-in attempts
        under ``attempt_keys`` or under a key starting with one of ``attempt_prefixes`` (an
        account's attempts per address) and the queued or sent mail to their address; their
        reading records stay with reader_id cleared and ``pseudonym`` as reader reference;
        their picks stay without an author. Raises NotFoundError."""

    def add_session(self, session: SessionRecord) -> None: ...

    def delete_session(self, token_hash: str) -> None:
        """Remove one session; no error when it is gone already."""

    def delete_sessions(self, reader_id: int, keep: str | None = None) -> int:
        """Remove a reader's sessions except the one hashed ``keep``; return how many."""

    def purge_expired_sessions(self, now: datetime) -> int:
        """Remove sessions and reset tokens that expired before ``now``; return how many."""

    def add_reset_token(
        self,
        token_hash: str,
        reader_id: int,
        created: datetime,
        expires: datetime,
        mails: Sequence[OutgoingMail] = (),
    ) -> None:
        """Store a reset token, and queue ``mails`` (the link) in the same transaction."""

    def peek_reset_token(self, token_hash: str) -> tuple[int, datetime]:
        """(reader id, expiry) of a reset token without using it. Raises NotFoundError."""

    def take_reset_token(self, token_hash: str) -> tuple[int, datetime]:
        """Delete a reset token and return (reader id, expiry): of two concurrent
        callers only one gets it, the other gets NotFoundError."""

    def record_attempt(self, key: str, at: datetime) -> None: ...

    def attempt_times(self, key: str, since: datetime) -> list[datetime]:
        """Times of the attempts recorded for ``key`` after ``since``."""

    def prune_attempts(self, before: datetime) -> int: ...


class MembershipStore(Protocol):
    """Each reader's one membership row."""

    def get_membership(self, reader_id: int) -> Membership | None: ...

    def put_membership(self, membership: Membership) -> None:
        """Insert or replace the reader's membership."""

    def list_memberships(self) -> list[Membership]: ...

    def memberships_ending(
        self, state: MembershipState, start: datetime, end: datetime
    ) -> list[tuple[Reader, Membership]]:
        """Memberships stored in ``state`` whose end is in (start, end], soonest first, with
        their readers (follows left empty): the trials a reminder is due for."""


class LibraryStore(Protocol):
    """What readers keep and do: follows, saved articles, history and reading records."""

    def follow(self, reader_id: int, kind: str, value: str) -> None:
        """Follow a publisher, section, story or topic (``kind`` is a followable ``Facet``'s
        value; again: no change). Raises NotFoundError for an unknown reader."""

    def unfollow(self, reader_id: int, kind: str, value: str) -> None: ...

    def train(self, reader_id: int, trained: Trained) -> None:
        """Keep a trainer choice, replacing the opposite one for the same facet and value (again:
        no change). Raises NotFoundError for an unknown reader."""

    def untrain(self, reader_id: int, facet: Facet, value: str) -> None:
        """Forget a like or hide of ``value``; no error when there is none."""

    def reading_signals(self, reader_id: int, since: datetime, limit: int) -> list[ReadingSignal]:
        """What the reader opened or saved at or after ``since``: one signal per article, the
        most recent ``limit``, most recent first, in one query."""

    def save_article(self, reader_id: int, article_id: int, at: datetime) -> None:
        """Save an article (again: no change). Raises NotFoundError for an unknown article."""

    def unsave_article(self, reader_id: int, article_id: int) -> None: ...

    def is_saved(self, reader_id: int, article_id: int) -> bool: ...

    def saved_article_ids(self, reader_id: int) -> frozenset[int]:
        """Ids of every article the reader saved."""

    def saved_articles(
        self, reader_id: int, limit: int = 50, before: tuple[datetime, int] | None = None
    ) -> list[tuple[int, datetime]]:
        """(article id, saved time), newest first; with ``before`` (a saved time and article id
        from an earlier page) only those after it in that order."""

    def reading_history(
        self, reader_id: int, limit: int = 50, before: tuple[datetime, int] | None = None
    ) -> list[tuple[int, datetime]]:
        """(article id, read time), newest first; ``before`` as for ``saved_articles``."""

    def article_marks(
        self, reader_id: int, article_ids: Sequence[int]
    ) -> tuple[frozenset[int], frozenset[int]]:
        """Of ``article_ids``, those in the reader's history (read) and those they saved."""

    def unread_refs(
        self,
        reader_id: int,
        publisher_ids: Sequence[str],
        sections: Sequence[str],
        since: datetime,
        limit: int,
    ) -> list[UnreadRef]:
        """Articles of the given publishers or listed in the given sections, published since
        ``since`` and not in the reader's history, newest first (by time, then id), at most
        ``limit``; [] when both are empty."""

    def reader_titles(self, reader_id: int) -> dict[tuple[TitleKind, str], str]:
        """The reader's own names for publishers and sections, by (kind, publisher id or
        section)."""

    def set_reader_title(self, reader_id: int, kind: TitleKind, value: str, title: str) -> None:
        """Keep the reader's own name for a publisher or section; an empty ``title`` forgets
        it. Raises NotFoundError for an unknown reader."""

    def reader_labels(self, reader_id: int) -> dict[str, tuple[str, ...]]:
        """The reader's own folders: each name (as first written) with the publisher ids in it,
        by name case-folded, then publisher id. A folder exists while it holds a publisher."""

    def label_publishers(self, reader_id: int, label: str, publisher_ids: Sequence[str], on: bool) -> None:
        """Put publishers in the reader's folder ``label`` (made on first use; an existing
        folder of the same name in any case keeps its spelling), or (``on`` False) take them
        out (a folder left empty is gone). Raises NotFoundError for an unknown reader."""

    def rename_reader_label(self, reader_id: int, label: str, new_name: str) -> None:
        """Rename a folder (named in any case). Raises NotFoundError (no such folder) and
        ConflictError (another of the reader's folders has that name, in any case)."""

    def delete_reader_label(self, reader_id: int, label: str) -> int:
        """Remove a folder (named in any case): its publishers stay followed. Returns how
        many publishers it held."""

    def unlabel_publisher(self, reader_id: int, publisher_id: str) -> None:
        """Take a publisher out of every folder of the reader's."""

    def stream_page(self, reader_id: int, query: StreamQuery) -> list[tuple[int, datetime]]:
        """(article id, stream time) of one page of a reader's stream (see ``StreamQuery``):
        at most ``query.limit``, in the query's order by (time, id), each article once.
        Sections match any section an article is listed in; an empty ARTICLES query is []."""

    def followed_article_ids(
        self,
        publisher_ids: Sequence[str],
        sections: Sequence[str],
        *,
        after_id: int | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> tuple[list[int], int]:
        """Ids of articles of the given publishers or sections by id: above ``after_id``
        ascending, else below ``before_id`` (or the newest) descending; with how many such
        articles there are in all. ([], 0) when both lists are empty."""

    def forget_reads(self, reader_id: int, article_ids: Sequence[int]) -> None:
        """Take several articles out of the reader's history in one transaction."""

    def forget_read(self, reader_id: int, article_id: int) -> None:
        """Take an article out of the reader's history (marked unread); its reading records for
        payment stay. No error when it is not there."""

    def record_reads(self, reads: Sequence[ReadRecord]) -> None:
        """Store full reads in one transaction: each reader's history keeps the latest time per
        article, and every read with a publisher becomes a reading record for its payment."""

    def record_new_reads(self, wanted: Sequence[ReadRecord], decide: DecideRead) -> list[ReadRecord]:
        """Store what ``decide`` makes of each wanted read, in order, in one transaction:
        it is given the read with the reader's last read of the article and last read recorded
        for payment (None when there is none; reads decided earlier in the same call count);
        None stores nothing. Returns the reads stored."""

    def reading_counts(self, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
        """(publisher id, reads, unique readers) for reads in [start, end)."""

    def add_reading_time(
        self, reader_id: int, article_id: int, since: datetime, credit: Callable[[datetime, int], int]
    ) -> int | None:
        """Set the reading time of the reader's latest reading record of the article made at or
        after ``since`` to ``credit(its time, its seconds)``, in one transaction; returns the
        new seconds, or None when there is no such record. The reader's history of the article,
        when read at or after ``since``, is credited the same way (every reader's, paying or
        not: For you weighs it)."""

    def paid_reads(self, start: datetime, end: datetime) -> list[PaidRead]:
        """Every reading record of [start, end), oldest first, with its reading time."""


class PickStore(Protocol):
    """Editors' picks."""

    def put_pick(
        self, article_id: int | None, story_id: int | None, note: str, picked_by: int | None, at: datetime
    ) -> Pick:
        """Pick an article or story; picking it again replaces note, editor and time."""

    def remove_pick(self, pick_id: int) -> None:
        """Raises NotFoundError."""

    def list_picks(self, limit: int = 10) -> list[Pick]:
        """Newest first."""


class ProfileStore(Protocol):
    """What a reader chooses and confirms: time zone, address, daily digest."""

    def set_reader_time_zone(self, reader_id: int, time_zone: str) -> None:
        """Raises NotFoundError."""

    def add_email_token(
        self,
        token_hash: str,
        reader_id: int,
        email: str,
        created: datetime,
        expires: datetime,
        mails: Sequence[OutgoingMail] = (),
    ) -> None:
        """Store a token confirming ``email`` for the reader, with ``mails`` (the link) queued in
        the same transaction. Raises NotFoundError for an unknown reader."""

    def verify_email(self, token_hash: str, now: datetime) -> int:
        """Use a confirmation token: the reader's address counts as confirmed from ``now`` and
        their other tokens go. Returns the reader id. Raises NotFoundError for an unknown, used
        or expired token, or one for an address the reader no longer has."""

    def digest_subscription(self, reader_id: int) -> DigestSubscription | None: ...

    def digest_by_token(self, token: str) -> DigestSubscription:
        """Raises NotFoundError."""

    def put_digest_subscription(self, subscription: DigestSubscription) -> None:
        """Insert or replace the reader's digest subscription.
        Raises NotFoundError for an unknown reader."""

    def digest_readers(self) -> list[tuple[Reader, DigestSubscription]]:
        """Every reader with the digest turned on, with it (follows left empty)."""

    def record_digest(
        self, reader_id: int, edition: str, mails: Sequence[OutgoingMail], now: datetime
    ) -> bool:
        """Note ``edition`` (a local day) as sent and queue ``mails`` in one transaction; False,
        with nothing queued, when that edition was noted already or the digest is off."""


class BillingStore(Protocol):
    """Paid memberships: billing records, the provider events applied, payments."""

    def billing_record(self, reader_id: int) -> BillingRecord | None: ...

    def billing_reader(self, customer: str) -> int | None:
        """The reader whose record names the provider's ``customer``, or None."""

    def claim_billing_customer(self, reader_id: int, customer: str, now: datetime) -> str:
        """Keep ``customer`` as the reader's customer at the provider unless one is kept
        already; returns the one kept. Raises NotFoundError for an unknown reader."""

    def apply_billing(
        self,
        event_id: str,
        kind: str,
        reader_id: int | None,
        received: datetime,
        decide: Callable[[BillingRecord | None, Membership | None], BillingChange | None],
    ) -> BillingChange | None:
        """Apply one provider event in one transaction: note its id (None at once when it was
        noted before, by an earlier or a concurrent delivery), then for a known reader call
        ``decide(record, membership)`` and write what it returns (record, membership, new
        payments, mail). None when nothing was written beyond the id."""

    def record_payment(self, payment: Payment, membership: Membership | None = None) -> None:
        """Store a payment (and the membership it pays for) in one transaction. Raises
        ConflictError when the provider's reference is stored already, NotFoundError for an
        unknown reader."""

    def payments_between(self, start: datetime, end: datetime) -> list[Payment]:
        """Payments whose period overlaps [start, end), oldest period first."""

    def reader_payments(self, reader_id: int, limit: int = 24) -> list[Payment]:
        """The reader's payments, newest first."""


class AccountStore(ReaderStore, MembershipStore, LibraryStore, PickStore, Protocol):
    """Readers and what they keep (the accounts tables), for code that needs all of it."""


class StoryStore(Protocol):
    """Stories: the same news event across publishers (see newsstand.stories)."""

    def articles_without_story(self, lead_chars: int, limit: int = 5000) -> list[ArticleText]:
        """Up to ``limit`` articles not yet in a story, oldest published first, with the
        first ``lead_chars`` characters of their body."""

    def clustered_articles(self, since: datetime, until: datetime, lead_chars: int) -> list[ArticleText]:
        """Articles in a story published between ``since`` and ``until`` (inclusive)."""

    def articles_before(self, until: datetime, limit: int, lead_chars: int) -> list[ArticleText]:
        """Up to ``limit`` articles published before ``until``, newest first."""

    def open_stories(
        self,
        since: datetime,
        lookups: Sequence[Collection[str]] | None = None,
        *,
        shared: int = 2,
        limit: int = 48,
    ) -> list[OpenStory]:
        """Stories still open at ``since`` or later, with the profiles clustering stored.
        With ``lookups`` (one set of terms per article), only the stories indexed under at
        least ``shared`` terms of one of them, at most ``limit`` per lookup, those sharing
        most first, each term counting its ``postings.REACH`` most recently written open
        stories (``newsstand.model.postings``)."""

    def term_counts(self, terms: Collection[str]) -> TermCounts:
        """How many clustered articles hold each of ``terms`` (absent terms left out), and
        how many articles were counted in all."""

    def copy_candidates(self, keys: Collection[int], since: datetime) -> CopyCandidates:
        """The stored originals published at ``since`` or later holding any of these band
        keys, and their stories."""

    def copy_origins(self, article_ids: Collection[int]) -> dict[int, int]:
        """For those of ``article_ids`` that are near copies, the article each copies."""

    def save_stories(
        self,
        writes: Sequence[StoryWrite],
        counts: TermCounts | None = None,
        copies: CopyIndex | None = None,
    ) -> int:
        """Create or widen the stories written, put their articles in them, move the
        articles of the stories each absorbs and delete those, add ``counts`` to the
        store's term counts and record ``copies`` (which article copies which, and the
        originals' band keys), in one transaction. Articles that meanwhile got a story
        keep it. Returns how many articles were placed. Raises NotFoundError for an
        unknown story id."""

    def clear_stories(self) -> None:
        """Remove every story, take every article out of it, forget the term counts, the
        copies found and the merges recorded (before a rebuild)."""

    def story_merged_into(self, story_id: int) -> int | None:
        """The story a merge folded this one into (following later merges), or None when it
        was never merged away. ``save_stories`` records this for every story a write absorbs
        and moves readers' follows, likes and hides of it to the story it joined."""

    def story(self, story_id: int) -> Story:
        """The story with its articles (oldest first) and publishers. Raises NotFoundError."""

    def stories(self, story_ids: Sequence[int]) -> list[Story]:
        """The stories with these ids in the order asked; unknown ids are left out."""

    def story_articles(self, story_id: int) -> list[Article]:
        """The story's articles, newest published first. Raises NotFoundError."""

    def story_coverage(self, story_id: int, other_than: str, limit: int) -> list[Article]:
        """The newest article of each publisher but ``other_than`` in the story, newest
        published first, at most ``limit``: what an article page shows of its story, read
        without loading the whole story (a long-running one has thousands). An unknown story
        has none."""

    def recent_stories(self, limit: int = 20, before: tuple[datetime, int] | None = None) -> list[Story]:
        """Stories most recently updated first; with ``before`` (an update time and story id from
        an earlier page) only those after it in that order."""

    def story_stats(self, since: datetime, until: datetime, min_publishers: int) -> list[StoryStats]:
        """Breadth, size and latest publication of every story with at least ``min_publishers``
        publishers among its articles published between ``since`` and ``until``: the candidates
        Top stories are ranked from (newsstand.stories.rank)."""

    def article_text(self, article_id: int, lead_chars: int) -> ArticleText:
        """What similarity reads of one article. Raises NotFoundError."""

    def article_texts(self, article_ids: Collection[int], lead_chars: int) -> list[ArticleText]:
        """What similarity reads of each of these articles (those that exist, in no order)."""

    def story_leads_near(
        self, at: datetime, reach: timedelta, limit: int, lead_chars: int, exclude_story: int | None = None
    ) -> list[ArticleText]:
        """The lead articles of up to ``limit`` stories active within ``reach`` of ``at``, most
        recently updated first: the candidates Related stories are ranked from."""


T = TypeVar("T")


class ApiTokenStore(Protocol):
    """Readers' API tokens (only their hashes) and the token buckets that rate-limit the API."""

    def add_api_token(self, reader_id: int, name: str, token_hash: str, created: datetime) -> ApiToken:
        """Store a new token. Raises NotFoundError for an unknown reader."""

    def api_tokens(self, reader_id: int) -> list[ApiToken]:
        """The reader's tokens, newest first."""

    def delete_api_token(self, reader_id: int, token_id: int) -> None:
        """Revoke one of the reader's tokens. Raises NotFoundError when the reader has no such
        token (another reader's token id is not found either)."""

    def api_token_reader(self, token_hash: str) -> tuple[ApiToken, Reader, Membership | None]:
        """The token with its reader (follows filled in) and membership, in one read: what
        every API request with a token needs. Raises NotFoundError for an unknown token."""

    def touch_api_token(self, token_id: int, at: datetime) -> None:
        """Set the token's last-used time (no error when it was revoked meanwhile)."""

    def take_from_bucket(
        self, key: str, now: datetime, decide: Callable[[Bucket | None], tuple[Bucket, T]]
    ) -> T:
        """Read the bucket under ``key`` (None when there is none), store the bucket ``decide``
        returns and return what else it returned, in one transaction: concurrent callers for one
        key take their turns, so none of their requests goes uncounted."""

    def prune_buckets(self, before: datetime) -> int:
        """Delete buckets untouched since ``before`` (full again by then); returns how many."""


class AppPasswordStore(Protocol):
    """Readers' app passwords for the Google Reader and Fever APIs (one per reader)."""

    def put_app_password(self, record: AppPassword) -> None:
        """Store the reader's app password, replacing an earlier one. Raises NotFoundError
        for an unknown reader."""

    def app_password(self, reader_id: int) -> AppPassword | None:
        """The reader's app password record, or None when they have none."""

    def delete_app_password(self, reader_id: int) -> bool:
        """Revoke the reader's app password; False when there was none."""

    def app_password_reader(
        self, kind: Literal["auth", "fever"], secret_hash: str
    ) -> tuple[Reader, Membership | None]:
        """The reader (with follows) and membership whose Google Reader Auth token ("auth") or
        Fever key ("fever") has this SHA-256. Raises NotFoundError."""


class PushStore(Protocol):
    """WebSub subscriptions, one per feed and hub."""

    def put_push_subscription(self, sub: PushSubscription) -> PushSubscription:
        """Store a new record (``id`` None: given one) or replace the stored one. Raises
        NotFoundError for an id that is not stored."""

    def push_subscription(self, callback_id: str) -> PushSubscription:
        """The record behind a callback. Raises NotFoundError."""

    def push_subscriptions(self, feed_id: int | None = None) -> list[PushSubscription]:
        """Every record, or the feed's, oldest first."""


class MailQueue(Protocol):
    """Where queued mail lives (the store). Raises StorageError when the database fails."""

    def enqueue_mail(self, mails: Sequence[OutgoingMail], now: datetime) -> list[int]:
        """Queue the mails, due at ``now``, in one transaction; returns their ids. A mail
        whose ``key`` is queued already is skipped (its place in the result is the earlier
        row's id), so enqueueing the same reminder twice sends it once."""

    def claim_mail(self, now: datetime, lease: timedelta, limit: int) -> list[QueuedMail]:
        """Take up to ``limit`` due mails (pending with ``next_attempt <= now``, or sending
        with an expired lease), oldest due first, leased until ``now + lease`` under a fresh
        token, their attempts counted up. Concurrent claimers get disjoint rows."""

    def mark_mail_sent(self, mail_id: int, token: str, at: datetime) -> bool:
        """Record the claimed mail as sent; False when the claim was lost (lease expired and
        taken by another deliverer), which leaves the row to its new holder."""

    def mark_mail_failed(self, mail_id: int, token: str, error: str, retry_at: datetime | None) -> bool:
        """Record a failed attempt: pending again at ``retry_at``, or dead when it is None.
        False when the claim was lost."""

    def mail_queue(self, states: Sequence[MailState] = (), limit: int = 100) -> list[QueuedMail]:
        """Queued mails in the given states (all when empty), newest first, for operators."""

    def purge_sent_mail(self, before: datetime) -> int:
        """Delete mails sent before ``before``; returns how many."""


class MetaStore(Protocol):
    """Store-wide facts that belong to no aggregate, by key."""

    def get_meta(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any earlier value."""


class Closeable(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PollStart:
    """What a worker found when it came to poll a feed: ``ok`` (held, with a slot of its
    host), ``host_busy`` (held, but the host is at its limit), ``busy`` (another holds it)
    or ``gone`` (no such feed any more)."""

    status: str
    feed: Feed | None = None
    state: FeedState | None = None
    host: str = ""


class CoordinationStore(Protocol):
    """What lets several processes share the work (migration 0018): leases, feed claims,
    host slots, and hearing of other processes' live-blog changes. Every hold expires, so a
    process that dies holds nothing past its lease."""

    def take_lease(self, name: str, holder: str, now: datetime, seconds: float) -> bool:
        """Take or renew the lease ``name`` for ``seconds``: True when ``holder`` holds it
        now, False while another holder's lease runs."""

    def release_lease(self, name: str, holder: str) -> None:
        """Give the lease up, if ``holder`` holds it."""

    def lease_holder(self, name: str, now: datetime) -> str | None:
        """Who holds the lease ``name`` now, or None."""

    def queue_due_feeds(self, now: datetime, limit: int, requeue_after: float) -> list[int]:
        """Mark up to ``limit`` due feeds queued, in one transaction, and return their ids:
        feeds neither queued in the last ``requeue_after`` seconds nor held by a worker."""

    def unqueue_feeds(self, feed_ids: Sequence[int]) -> None:
        """Take the queued mark off (their messages could not be sent)."""

    def claim_feed(self, feed_id: int, holder: str, now: datetime, seconds: float) -> bool:
        """Hold the feed for ``seconds`` unless another holder's claim runs: whether held."""

    def release_feed(self, feed_id: int, holder: str) -> None:
        """Let the feed go (with its queued mark), if ``holder`` holds it."""

    def start_poll(
        self, feed_id: int, holder: str, now: datetime, seconds: float, host_limit: int
    ) -> PollStart:
        """``claim_feed``, the feed with its state, and ``take_host_slot`` for its host, in one
        transaction (see PollStart)."""

    def finish_poll(self, feed_id: int, host: str, holder: str) -> None:
        """Give back the host slot and the feed (with its queued mark), in one transaction."""

    def unclaim_feed(self, feed_id: int, holder: str) -> None:
        """Let the feed go but keep it marked queued (its message is retried later)."""

    def queued_feeds(self, now: datetime) -> tuple[int, int]:
        """(feeds marked queued, feeds held by a worker now), for metrics."""

    def take_host_slot(self, host: str, holder: str, now: datetime, seconds: float, limit: int) -> bool:
        """One of ``limit`` slots for fetches to ``host``, for ``seconds``: whether taken."""

    def release_host_slot(self, host: str, holder: str) -> None:
        """Give the slot back."""

    def ingest_figures(self, now: datetime, since: datetime) -> dict[str, int]:
        """Feeds due now (``due``) and fetches since ``since`` by outcome (``ok``,
        ``not_modified``, ``failed``), for metrics."""

    def listen_live(self, on_change: Callable[[int], None]) -> Closeable | None:
        """Call ``on_change(article_id)`` from a thread of its own whenever any process commits
        a change to a live blog's entries; None where the database cannot tell (SQLite)."""


class Store(
    CoordinationStore,
    CatalogStore,
    IngestStore,
    ArticleStore,
    AccountStore,
    StoryStore,
    MetaStore,
    MailQueue,
    ApiTokenStore,
    AppPasswordStore,
    PushStore,
    ProfileStore,
    BillingStore,
    Protocol,
):
    """Everything Newsstand stores. Accounts, stories and reading records extend it."""

    def url(self) -> str:
        """The URL by which another process opens this same database (``open_url``), with its
        password."""

    def close(self) -> None: ...
