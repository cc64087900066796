"""Domain types.

Every type here is a frozen dataclass that carries plain data only: no ORM rows,
HTTP responses or template objects. Datetimes are always timezone-aware UTC;
``utc()`` is the one place that normalises them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsstand.errors import InvalidDataError

# The largest id a stored row can have (PostgreSQL's integer columns); a larger number names
# nothing, and front ends answer it as not found before any database sees it.
MAX_ID = 2**31 - 1


def is_stored_id(value: int) -> bool:
    """True when ``value`` can be the id of a stored row."""
    return 0 < value <= MAX_ID


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; naive values are taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise InvalidDataError(f"{name} must be timezone-aware, got {value!r}")


class LicenceTier(enum.StrEnum):
    """How a publisher's content may be shown to readers."""

    OPEN = "open"  # headlines and teasers from public feeds; link out for the rest
    PARTNER = "partner"  # full text shown to members; reads are counted for payment
    PREMIUM = "premium"  # as partner, and only members see anything beyond the teaser


class ArticleKind(enum.StrEnum):
    ARTICLE = "article"
    LIVEBLOG = "liveblog"


@dataclass(frozen=True, slots=True)
class Publisher:
    """A news organisation. ``id`` is a stable slug such as ``guardian-uk``."""

    id: str
    name: str
    homepage: str
    country: str  # ISO 3166-1 alpha-2, upper case
    language: str  # BCP 47 primary tag, lower case ("en", "de", "pt")
    sections: tuple[str, ...] = ()
    logo_url: str = ""
    licence_tier: LicenceTier = LicenceTier.OPEN
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed of a publisher, listed under one section."""

    url: str
    publisher_id: str
    section: str = ""
    title: str = ""
    id: int | None = None
    enabled: bool = True
    disabled_reason: str = ""


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the fetcher remembers about a feed between polls."""

    feed_id: int
    etag: str = ""
    last_modified: str = ""
    last_fetched: datetime | None = None
    last_success: datetime | None = None
    next_poll: datetime | None = None
    consecutive_failures: int = 0
    last_error: str = ""
    failing: bool = False


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One row of feed health: what happened on one fetch of one feed."""

    feed_id: int
    at: datetime
    status: int | None  # HTTP status, None when no response came back
    latency_ms: float
    bytes: int
    new_entries: int = 0
    updated_entries: int = 0
    error: str = ""
    consecutive_failures: int = 0
    next_poll: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware("at", self.at)
        _require_aware("next_poll", self.next_poll)


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    caption: str = ""
    credit: str = ""  # "Photograph: Agency/Name": kept apart from the caption
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """An article or live blog as stored.

    ``body_html`` is always sanitized before an Article is built; ``body_text``
    is its plain-text form used for search and previews. ``sections`` lists every
    section the article was seen in (one article in a World and a Politics feed
    is one Article listed in both); ``section`` is the primary one.
    """

    publisher_id: str
    url: str  # canonical URL
    title: str
    published: datetime
    id: int | None = None
    guid: str = ""  # the source feed's entry id
    standfirst: str = ""
    authors: tuple[str, ...] = ()
    section: str = ""
    sections: tuple[str, ...] = ()
    body_html: str = ""
    body_text: str = ""
    images: tuple[Image, ...] = ()  # the first is the lead image
    updated: datetime | None = None
    language: str = ""
    kind: ArticleKind = ArticleKind.ARTICLE
    tags: tuple[str, ...] = ()
    revision: int = 1
    full_text: bool = False  # True once the body came from the page, not a feed teaser
    fetched: datetime | None = None
    story_id: int | None = None

    def __post_init__(self) -> None:
        _require_aware("published", self.published)
        _require_aware("updated", self.updated)
        _require_aware("fetched", self.fetched)

    @property
    def lead_image(self) -> Image | None:
        return self.images[0] if self.images else None

    @property
    def is_liveblog(self) -> bool:
        return self.kind is ArticleKind.LIVEBLOG


@dataclass(frozen=True, slots=True)
class LiveEntry:
    """One entry (block) of a live blog.

    ``entry_id`` is the publisher's block id when it has one, else a stable hash of
    the entry's first publication time and title, so a re-fetch finds it again.
    """

    entry_id: str
    posted: datetime
    title: str = ""
    body_html: str = ""
    body_text: str = ""
    updated: datetime | None = None
    key_event: bool = False
    pinned: bool = False
    summary: bool = False  # "Summary of the day so far", "Closing summary"
    marked_updated: bool = False  # the page shows an "Updated" mark on it
    deleted: bool = False
    revision: int = 1
    images: tuple[Image, ...] = ()
    article_id: int | None = None

    def __post_init__(self) -> None:
        _require_aware("posted", self.posted)
        _require_aware("updated", self.updated)


@dataclass(frozen=True, slots=True)
class Story:
    """Articles from one or more publishers about the same news event."""

    id: int
    title: str
    first_seen: datetime
    last_updated: datetime
    article_ids: tuple[int, ...] = ()
    lead_article_id: int | None = None
    publisher_ids: tuple[str, ...] = ()


class Facet(enum.StrEnum):
    """What a reader can follow, or teach the trainer to like or hide.

    Topics are people, places and subjects found in articles; their values carry the kind
    (``person:Ada Quill``, ``place:Kyiv``, ``topic:Elections``). A title word is lower case."""

    PUBLISHER = "publisher"
    SECTION = "section"
    STORY = "story"
    TOPIC = "topic"
    AUTHOR = "author"
    WORD = "word"


FOLLOWABLE = frozenset({Facet.PUBLISHER, Facet.SECTION, Facet.STORY, Facet.TOPIC})
TRAINABLE = frozenset({Facet.AUTHOR, Facet.PUBLISHER, Facet.TOPIC, Facet.WORD})


@dataclass(frozen=True, slots=True)
class Trained:
    """One of the reader's trainer choices: ``liked`` ranks matching articles up in For you,
    otherwise they are hidden from it."""

    facet: Facet
    value: str
    liked: bool


class Role(enum.StrEnum):
    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Reader:
    """A person with an account. The password hash never leaves the accounts package."""

    id: int
    email: str
    created: datetime
    display_name: str = ""
    role: Role = Role.READER
    followed_publishers: tuple[str, ...] = ()
    followed_sections: tuple[str, ...] = ()
    followed_stories: tuple[int, ...] = ()
    followed_topics: tuple[str, ...] = ()  # "person:...", "place:...", "topic:..."
    trained: tuple[Trained, ...] = ()
    time_zone: str = ""  # IANA name the reader chose; empty: the site's default_time_zone
    email_verified: datetime | None = None  # when the reader confirmed the address; None: not yet

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_editor(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)


class MembershipState(enum.StrEnum):
    TRIAL = "trial"
    ACTIVE = "active"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Membership:
    reader_id: int
    state: MembershipState
    started: datetime
    ends: datetime | None  # trial end or paid-period end; None for open-ended grants
    provider: str = "manual"
    cancelled: datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    publisher_ids: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20
    cursor: str | None = None  # opaque, from SearchPage.next_cursor
    # "relevance" (best first) or "newest" (newest first). Text without words but with a
    # filter lists the filter's articles, newest first.
    sort: str = "relevance"


@dataclass(frozen=True, slots=True)
class SearchHit:
    article: Article
    rank: float
    snippet: str  # HTML-escaped text with matches wrapped in <mark>


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: tuple[SearchHit, ...]
    next_cursor: str | None = None
    total_estimate: int | None = None


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What storing one article did."""

    article_id: int
    created: bool
    changed: bool  # False when an existing article came back identical


class LiveMergeScope(enum.StrEnum):
    """How much of a live blog one fetch or import saw, which decides what it may delete.

    A publisher's live-blog page shows its newest few dozen entries; an import may carry one.
    An entry missing from what was seen is deleted only when it should have been there."""

    ADD_ONLY = "add_only"  # an import, a single entry: add and update, never delete
    WINDOW = "window"  # a fetched page: entries as old as its oldest or newer that it lacks are gone
    WHOLE = "whole"  # the whole blog: anything it lacks is gone

    def deletes(self, posted: datetime, pinned: bool, oldest_seen: datetime | None) -> bool:
        """Whether a stored entry posted at ``posted`` that this merge did not see is deleted.
        Pinned summaries sit outside a page's timeline window: only a whole view removes them."""
        if self is LiveMergeScope.WHOLE:
            return True
        if self is LiveMergeScope.ADD_ONLY or pinned or oldest_seen is None:
            return False
        return posted >= oldest_seen


@dataclass(frozen=True, slots=True)
class LiveMergeResult:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """Which articles a listing wants (newest first)."""

    publisher_ids: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    kind: ArticleKind | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    before_id: int | None = None  # keyset pagination: articles older than this one
    extra: dict[str, str] = field(default_factory=dict)


# --- accounts: sessions, access decisions, picks and reports ---------------------------------


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A server-side session as stored: only the hash of the cookie's token is kept."""

    token_hash: str
    reader_id: int
    created: datetime
    expires: datetime
    address: str = ""


@dataclass(frozen=True, slots=True)
class SessionGrant:
    """What a successful sign-in returns: the raw token goes into the cookie, once."""

    token: str
    reader: Reader
    expires: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A reader's API token as stored: its name, when it was made and last used. Only the
    SHA-256 of the secret is kept; the secret itself is shown once, in an ``ApiTokenGrant``."""

    id: int
    reader_id: int
    name: str
    created: datetime
    last_used: datetime | None = None


@dataclass(frozen=True, slots=True)
class ApiTokenGrant:
    """A new API token: ``secret`` goes to the reader once and is never stored."""

    secret: str
    token: ApiToken


@dataclass(frozen=True, slots=True)
class UnreadRef:
    """An article a reader follows and has not read: enough to count and page unread items
    without loading articles. ``sections`` are those of the asked sections it is listed in."""

    article_id: int
    publisher_id: str
    published: datetime
    sections: tuple[str, ...] = ()


class TitleKind(enum.StrEnum):
    """What a reader's own name names (reader apps rename subscriptions and labels)."""

    PUBLISHER = "publisher"
    SECTION = "section"


class StreamSource(enum.StrEnum):
    """Where a reader's stream takes its articles from, and which time orders it."""

    ARTICLES = "articles"  # the given publishers' and sections' articles, by published time
    SAVED = "saved"  # the reader's saved articles, by the time saved
    HISTORY = "history"  # the reader's history, by the time read


@dataclass(frozen=True, slots=True)
class StreamQuery:
    """One page of a reader's stream, in the order of (stream time, article id): newest first,
    or oldest first with ``oldest_first``. ``after`` is the key of the last item of the
    previous page in that same order (keyset paging: pages neither repeat nor skip items that
    stay put). ``since`` (inclusive) and ``until`` (exclusive) bound the stream time.
    ``unread_since`` keeps only unread articles: not in the reader's history and published
    at or after it."""

    source: StreamSource
    publisher_ids: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    limit: int = 50
    after: tuple[datetime, int] | None = None
    oldest_first: bool = False
    since: datetime | None = None
    until: datetime | None = None
    unread_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class AppPassword:
    """A reader's app password (for the Google Reader and Fever APIs) as stored: the password
    as Argon2id, the salt its Google Reader Auth token is derived with, and the SHA-256 of
    that token and of the Fever key. Neither the password nor a token is kept."""

    reader_id: int
    password_hash: str = field(repr=False)
    token_salt: str = field(repr=False)
    auth_hash: str = field(repr=False)
    fever_hash: str = field(repr=False)
    created: datetime


@dataclass(frozen=True, slots=True)
class Bucket:
    """A token bucket for rate limits: ``tokens`` requests were left at ``updated``."""

    tokens: float
    updated: datetime


@dataclass(frozen=True, slots=True)
class ReadRecord:
    """A full read to store: into the reader's history (unless ``history`` is False) and, with
    ``publisher_id``, into the reading records publishers are paid by."""

    reader_id: int
    article_id: int
    at: datetime
    publisher_id: str | None = None
    history: bool = True


@dataclass(frozen=True, slots=True)
class ReadingSignal:
    """What one reader did with one article, for For you: when they last opened it, how long
    they read it (seconds credited by the page), when they saved it (None: not saved)."""

    article_id: int
    opened: datetime | None
    seconds: int
    saved: datetime | None


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One line of the members list: the reader, the stored membership and its state now."""

    reader: Reader
    membership: Membership
    state: MembershipState


@dataclass(frozen=True, slots=True)
class ArticleAt:
    """An article with the time a reader saved or read it."""

    article: Article
    at: datetime


@dataclass(frozen=True, slots=True)
class Pick:
    """An editor's pick: an article or a story, with an optional note."""

    id: int
    picked: datetime
    article_id: int | None = None
    story_id: int | None = None
    note: str = ""
    picked_by: int | None = None  # None once the editor's account is deleted


@dataclass(frozen=True, slots=True)
class ReportRow:
    """Full reads of one publisher's articles in a month."""

    publisher_id: str
    publisher_name: str
    reads: int
    unique_readers: int


class AccessReason(enum.StrEnum):
    """Why the paywall decision came out as it did (shown in logs and used by templates)."""

    STAFF = "staff"  # editors and admins read everything
    MEMBER = "member"
    TRIAL = "trial"
    OPEN_LICENCE = "open_licence"  # open publishers: everyone reads what we have
    ANONYMOUS = "anonymous"
    NO_MEMBERSHIP = "no_membership"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Access:
    """The paywall decision for one reader and one article.

    ``full`` says whether the whole body may be shown; otherwise the page shows the
    headline, standfirst and ``preview_paragraphs`` opening paragraphs.
    ``counts_for_payment`` says whether the read goes into the publisher report.
    """

    full: bool
    reason: AccessReason
    preview_paragraphs: int
    counts_for_payment: bool = False


# --- stories: what clustering reads and writes, what ranking reads ---------------------------


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What story clustering reads of a stored article: its words, time and story, and what
    says whether it reports, comments or is a live blog (which article leads a story)."""

    article_id: int
    publisher_id: str
    published: datetime
    title: str
    standfirst: str = ""
    body_text: str = ""  # the opening of the body only
    story_id: int | None = None
    kind: ArticleKind = ArticleKind.ARTICLE
    section: str = ""
    tags: tuple[str, ...] = ()
    url: str = ""
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class OpenStory:
    """A stored story that articles may still join, as the clusterer reads it.

    ``terms`` is the sum of its articles' unit term vectors (the strongest terms
    only, heaviest first), ``size`` how many articles it has, ``lead_score`` how central its lead
    article was when chosen.
    """

    story_id: int
    first_seen: datetime
    last_updated: datetime
    size: int
    terms: Mapping[str, float]
    lead_article_id: int | None
    lead_score: float


@dataclass(frozen=True, slots=True)
class StoryWrite:
    """One story as the clusterer leaves it: ``key`` is a story id, or negative for a new story.

    ``article_ids`` are the articles that join it now; the span only ever widens.
    ``absorbs`` are stored stories merged into this one: their articles move here
    and they are deleted. ``size``, ``terms``, ``lead_score`` and ``open_until``
    are what the next round reads back as an ``OpenStory``, found under ``index_terms``.
    """

    key: int
    title: str
    first_seen: datetime
    last_updated: datetime
    lead_article_id: int
    article_ids: tuple[int, ...] = ()
    absorbs: tuple[int, ...] = ()
    size: int = 0
    terms: Mapping[str, float] = field(default_factory=dict)
    lead_score: float = 0.0
    open_until: datetime | None = None
    index_terms: tuple[str, ...] = ()  # the story is found under these terms


@dataclass(frozen=True, slots=True)
class CopyIndex:
    """Near copies found in a round: ``copy_of`` maps an article to the one it copies;
    ``keys`` are the articles' locality-sensitive band keys, to index for later rounds, and
    ``published`` when each was published (lookups reach back ``copies.COPY_WINDOW``)."""

    copy_of: Mapping[int, int] = field(default_factory=dict)
    keys: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    published: Mapping[int, datetime] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CopyCandidates:
    """Stored articles sharing band keys with new ones: key -> originals holding it, and the
    story each of those originals is in."""

    holders: Mapping[int, tuple[int, ...]]
    story_of: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class TermCounts:
    """Document frequencies to add to the store's: how many more documents hold each term."""

    df: Mapping[str, int]
    documents: int


@dataclass(frozen=True, slots=True)
class StoryStats:
    """The figures top-story ranking reads of one story."""

    story_id: int
    publishers: int
    articles: int
    last_updated: datetime


# --- plans, prices and money --------------------------------------------------------------

# ISO 4217 currencies whose minor unit is not a hundredth; every other code has two decimals.
_CURRENCY_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF"), 0),
    **dict.fromkeys(("UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def currency_exponent(currency: str) -> int:
    """Decimal places of the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD)."""
    return _CURRENCY_EXPONENTS.get(currency.upper(), 2)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in the currency's minor unit (cents, pence, yen): integers never round."""

    amount: int
    currency: str  # ISO 4217, upper case

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise InvalidDataError(f"currency must be an upper-case ISO 4217 code, got {self.currency!r}")

    def __str__(self) -> str:
        exponent = currency_exponent(self.currency)
        sign = "-" if self.amount < 0 else ""
        whole, minor = divmod(abs(self.amount), 10**exponent)
        if not exponent:
            return f"{sign}{whole} {self.currency}"
        return f"{sign}{whole}.{minor:0{exponent}d} {self.currency}"


class BillingInterval(enum.StrEnum):
    MONTH = "month"
    YEAR = "year"


class PlanAudience(enum.StrEnum):
    """Who a plan is for: everyone, or a group the operator checks (students, a household)."""

    EVERYONE = "everyone"
    STUDENT = "student"
    FAMILY = "family"


@dataclass(frozen=True, slots=True)
class Plan:
    """A membership a reader can buy: a price per interval. ``provider_price`` names the
    price at the payment provider (a Stripe price id); empty for the manual provider."""

    id: str  # stable slug: "monthly", "yearly", "student-monthly"
    interval: BillingInterval
    price: Money
    audience: PlanAudience = PlanAudience.EVERYONE
    provider_price: str = ""

    @property
    def name(self) -> str:
        """What readers see: "Monthly", "Student, yearly"."""
        period = "Monthly" if self.interval is BillingInterval.MONTH else "Yearly"
        if self.audience is PlanAudience.EVERYONE:
            return period
        return f"{self.audience.value.title()}, {period.lower()}"

    @classmethod
    def parse(cls, spec: str, currency: str) -> Plan:
        """A plan from its settings form ``ID:INTERVAL:AMOUNT[:AUDIENCE]``, the amount in
        major units ("monthly:month:9.00", "student-yearly:year:45:student"). Raises
        InvalidDataError naming what is wrong."""
        parts = [p.strip() for p in spec.split(":")]
        if len(parts) not in (3, 4):
            raise InvalidDataError(f"plan {spec!r} is not ID:INTERVAL:AMOUNT[:AUDIENCE]")
        plan_id, interval, amount = parts[:3]
        if not plan_id or not all(c.isascii() and (c.isalnum() or c in "-_") for c in plan_id):
            raise InvalidDataError(f"plan id {plan_id!r} must be letters, digits, - or _")
        try:
            every = BillingInterval(interval)
            audience = PlanAudience(parts[3]) if len(parts) == 4 else PlanAudience.EVERYONE
        except ValueError as exc:
            raise InvalidDataError(
                f"plan {spec!r}: interval is month or year; audience is everyone, student or family"
            ) from exc
        price = Money(_minor_units(amount, currency.upper(), spec), currency.upper())
        return cls(id=plan_id, interval=every, price=price, audience=audience)


def _minor_units(amount: str, currency: str, spec: str) -> int:
    """ "9.50" EUR as 950; refuses more decimals than the currency has, and amounts below one unit."""
    exponent = currency_exponent(currency)
    whole, _, fraction = amount.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > exponent:
        raise InvalidDataError(f"plan {spec!r}: amount {amount!r} is not a price in {currency}")
    minor: int = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor <= 0:
        raise InvalidDataError(f"plan {spec!r}: a plan must cost something")
    return minor


# --- mail waiting to be sent ------------------------------------------------------------------


class MailState(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a deliverer until its lease runs out
    SENT = "sent"
    DEAD = "dead"  # given up: refused for good, or out of attempts


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A message to enqueue. ``key``, when given, makes enqueueing idempotent: a second
    mail with the same key (the same reminder for the same trial) is not queued again."""

    kind: str  # what it is, for operators: "receipt", "trial_ending"
    recipient: str
    data: bytes  # the whole RFC 5322 message
    key: str | None = None


@dataclass(frozen=True, slots=True)
class QueuedMail:
    """A row of the queue as a deliverer or an operator sees it."""

    id: int
    kind: str
    recipient: str
    data: bytes
    state: MailState
    attempts: int
    created: datetime
    next_attempt: datetime
    key: str | None = None
    last_error: str = ""
    sent: datetime | None = None
    lease_token: str = ""  # set on a claimed row: marking it needs the token


# --- WebSub: push subscriptions to the hubs feeds advertise -----------------------------------


class PushState(enum.StrEnum):
    """Where a WebSub subscription stands. Only ACTIVE with an unexpired lease means pushes
    arrive; in every other state the feed is polled as usual."""

    REQUESTED = "requested"  # subscribe request accepted by the hub; intent not yet verified
    ACTIVE = "active"  # the hub verified intent; the lease runs until ``expires``
    DENIED = "denied"  # the hub refused (hub.mode=denied) or answered the request with an error
    UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True, slots=True)
class PushSubscription:
    """One feed's WebSub subscription at one hub.

    ``callback_id`` is the unguessable last segment of our callback URL, which is how a
    push finds its subscription; ``secret`` is the HMAC key the hub signs pushes with
    (never logged or shown). ``lease_seconds`` and ``expires`` are what the hub granted
    when it last verified intent (``verified``).
    """

    feed_id: int
    hub_url: str
    topic_url: str
    callback_id: str
    secret: str = field(repr=False)
    state: PushState
    requested: datetime
    lease_seconds: int | None = None
    verified: datetime | None = None
    expires: datetime | None = None
    last_push: datetime | None = None
    failures: int = 0  # consecutive failed (re)subscribe attempts
    last_error: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        for name in ("requested", "verified", "expires", "last_push"):
            _require_aware(name, getattr(self, name))
        if self.lease_seconds is not None and self.lease_seconds <= 0:
            raise InvalidDataError(f"lease_seconds must be positive, got {self.lease_seconds}")


# --- paid memberships as the payment provider reports them, and what was paid ----------------


class BillingState(enum.StrEnum):
    """Where a reader's paid membership stands at the provider (see ``accounts.billing``)."""

    INCOMPLETE = "incomplete"  # checkout started, nothing paid yet: no access
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a renewal failed: reads on until grace_until
    CANCELLING = "cancelling"  # cancelled at period end: reads on until period_end
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class BillingRecord:
    """A reader's paid membership as the provider's events have left it. ``seen`` holds the
    ids of the latest events applied (a replay among them changes nothing)."""

    state: BillingState
    as_of: datetime  # creation time of the newest event applied
    rank: int = 0
    reader_id: int | None = None
    customer: str = ""
    subscription: str = ""
    price: str = ""
    period_end: datetime | None = None
    grace_until: datetime | None = None
    seen: tuple[str, ...] = ()
    started: datetime | None = None  # when the current subscription was first paid for or trialled


@dataclass(frozen=True, slots=True)
class Payment:
    """Money a member paid: for the reader's receipts and the publishers' payouts. ``reference``
    is the provider's (a Stripe invoice id) and names the payment once per provider; the
    payment pays for ``[period_start, period_end)``."""

    provider: str
    reference: str
    reader_id: int | None
    amount: Money
    paid: datetime
    period_start: datetime
    period_end: datetime
    plan: str = ""
    reader_ref: str = ""  # "reader:12", or the pseudonym left after the account was deleted

    def __post_init__(self) -> None:
        for name in ("paid", "period_start", "period_end"):
            _require_aware(name, getattr(self, name))
        if self.period_end <= self.period_start:
            raise InvalidDataError(f"payment {self.reference}: its period ends before it starts")


@dataclass(frozen=True, slots=True)
class BillingChange:
    """What one provider event writes, all in one transaction: the reader's billing record,
    their membership (None: leave it), payments made, and the mail the event calls for."""

    record: BillingRecord
    membership: Membership | None = None
    payments: tuple[Payment, ...] = ()
    mails: tuple[OutgoingMail, ...] = ()


@dataclass(frozen=True, slots=True)
class PaidRead:
    """A full read as the payout statement reads it: who, of which publisher, when, how long."""

    reader_ref: str
    publisher_id: str
    at: datetime
    seconds: int = 0


# --- the daily digest ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestSubscription:
    """A reader's morning edition: sent at ``minute`` minutes after local midnight in the
    reader's zone, once per local day (``last_edition`` is the day of the last one sent,
    "YYYY-MM-DD"). ``token`` is the secret of the one-click unsubscribe link."""

    reader_id: int
    minute: int
    enabled: bool
    token: str = field(repr=False)
    last_edition: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.minute < 24 * 60:
            raise InvalidDataError(f"a digest time is between 00:00 and 23:59, got minute {self.minute}")
