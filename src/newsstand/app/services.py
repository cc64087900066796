"""``Services``: the application core put together once for a store and settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from newsstand.accounts.credentials import default_hasher
from newsstand.app.accounts import AccountService, session_memory
from newsstand.app.apppasswords import AppPasswordService
from newsstand.app.billing import provider_from_settings
from newsstand.app.cache import Counters, LocalCounters, SharedCache, TtlCache
from newsstand.app.catalog import CatalogService
from newsstand.app.digest import DigestService
from newsstand.app.feeds import FeedService
from newsstand.app.interests import InterestService
from newsstand.app.jobs import Jobs
from newsstand.app.mailing import MailService
from newsstand.app.membership import MembershipService, PaymentProvider
from newsstand.app.operations import OperationsService
from newsstand.app.personal import FrontPageService
from newsstand.app.reading import ReadingService
from newsstand.app.stories import StoryService
from newsstand.app.subscriptions import SubscriptionService
from newsstand.app.tokens import TokenService
from newsstand.app.websub import WebSubService
from newsstand.config import Settings
from newsstand.errors import ConfigError
from newsstand.mail import Mailer, mailer_from_settings
from newsstand.model import utcnow
from newsstand.store.base import Store


@dataclass
class Services:
    """Every service over one store; front ends hold one of these and call into it."""

    settings: Settings
    store: Store
    clock: Callable[[], datetime]
    cache: SharedCache
    catalog: CatalogService
    accounts: AccountService
    membership: MembershipService
    reading: ReadingService
    interests: InterestService
    front: FrontPageService
    stories: StoryService
    operations: OperationsService
    tokens: TokenService
    app_passwords: AppPasswordService
    subscriptions: SubscriptionService
    feeds: FeedService
    websub: WebSubService
    mail: MailService
    digests: DigestService
    jobs: Jobs
    counters: Counters

    def close(self) -> None:
        self.counters.close()
        self.store.close()


@dataclass(frozen=True)
class SharedState:
    """The caches and counters several processes share (``cache_url``), or this process's own."""

    cache: SharedCache | None = None
    sessions: SharedCache | None = None
    counters: Counters | None = None


def shared_state(settings: Settings) -> SharedState:
    """In Redis when ``cache_url`` names it, else nothing shared (each process its own).
    Raises StorageError when Redis cannot be reached."""
    if not settings.cache_url:
        return SharedState()
    try:
        from newsstand.sharedstate.counters import RedisCounters
        from newsstand.sharedstate.rediscache import RedisCache, connect
    except ImportError as exc:
        message = f"cache_url needs Redis's client: pip install 'newsstand[queue]' ({exc})"
        raise ConfigError(message, "cache_url") from exc

    client = connect(settings.cache_url)
    prefix = settings.queue_prefix
    return SharedState(
        RedisCache(client, f"{prefix}:shared", settings.home_cache_seconds),
        RedisCache(client, f"{prefix}:sessions", session_memory(settings)),
        RedisCounters(client, f"{prefix}:counters"),
    )


def build_services(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = utcnow,
    mailer: Mailer | None = None,
    hasher: PasswordHasher | None = None,
    provider: PaymentProvider | None = None,
    cache: SharedCache | None = None,
    state: SharedState | None = None,
) -> Services:
    """The services over ``store``. Shared results are kept ``home_cache_seconds``, in
    ``state`` when given (shared by processes), else in this process."""
    state = state or SharedState()
    shared = cache or state.cache or TtlCache(settings.home_cache_seconds)
    catalog = CatalogService(store, shared)
    front = FrontPageService(store, clock, shared, catalog.publishers, catalog.nav_sections)
    mail = MailService(store, settings, mailer or mailer_from_settings(settings), clock)
    accounts = AccountService(store, settings, mail, hasher or default_hasher(), clock, state.sessions)
    reading = ReadingService(
        store, settings, clock, shared, catalog.publishers, front.picked_ids, on_activity=front.note_activity
    )

    def interests_changed(reader_id: int) -> None:
        accounts.forget_sessions()
        front.note_activity(reader_id)

    # Every front end (web pages, the JSON API, reader apps, OPML import) follows through this
    # one service, so its checks and the For you refresh happen once, the same way for all.
    interests = InterestService(store, catalog.publishers, interests_changed)
    membership = MembershipService(
        store, settings, clock, mail, provider or provider_from_settings(settings), accounts.forget_sessions
    )
    digests = DigestService(store, clock, mail, front, catalog.publishers)
    stories = StoryService(store, clock, shared, catalog.publishers)
    tokens = TokenService(store, settings, clock)
    return Services(
        settings=settings,
        store=store,
        clock=clock,
        cache=shared,
        catalog=catalog,
        accounts=accounts,
        membership=membership,  # the same object the jobs use: one provider, one set of state
        reading=reading,
        interests=interests,
        front=front,
        stories=stories,
        operations=OperationsService(store, clock),
        tokens=tokens,
        app_passwords=AppPasswordService(store, settings, hasher or default_hasher(), clock),
        subscriptions=SubscriptionService(store, settings, clock, catalog, reading, interests),
        feeds=FeedService(reading, front, stories, catalog, tokens, clock),
        websub=WebSubService(store, settings, clock),
        mail=mail,
        digests=digests,
        jobs=Jobs(mail, membership, digests, clock),
        counters=state.counters or LocalCounters(),
    )


def services_for(settings: Settings) -> Services:
    """The services over the store the settings name, opened (and migrated) but not seeded; the
    caller closes them."""
    from newsstand.store import open_store

    state = shared_state(settings)
    return build_services(settings, open_store(settings), state=state)


@contextmanager
def open_services(settings: Settings, announce: Callable[[str], None] | None = None) -> Iterator[Services]:
    """Open the store the settings name (migrating it, told to ``announce``), store the default
    catalog on its first start, and give the services; the store is closed afterwards.
    Every command that opens a store goes through here, so a fresh data folder is seeded
    the same way whichever command comes first."""
    from newsstand.store import open_store

    store = open_store(settings, announce)
    try:
        services = build_services(settings, store, state=shared_state(settings))
        plan = services.catalog.seed()
        if not plan.is_empty and announce is not None:
            announce(f"First start: stored the default catalog ({len(plan.new_publishers)} publishers).")
        yield services
    finally:
        store.close()
