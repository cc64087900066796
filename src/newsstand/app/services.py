"""``Services``: the application core put together once for a store and settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher

from newsstand.accounts.credentials import default_hasher
from newsstand.app.accounts import AccountService
from newsstand.app.apppasswords import AppPasswordService
from newsstand.app.billing import provider_from_settings
from newsstand.app.cache import SharedCache, TtlCache
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

    def close(self) -> None:
        self.store.close()


def build_services(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = utcnow,
    mailer: Mailer | None = None,
    hasher: PasswordHasher | None = None,
    provider: PaymentProvider | None = None,
    cache: SharedCache | None = None,
) -> Services:
    """The services over ``store``. Shared results are kept ``home_cache_seconds``."""
    shared = cache if cache is not None else TtlCache(settings.home_cache_seconds)
    catalog = CatalogService(store, shared)
    front = FrontPageService(store, clock, shared, catalog.publishers, catalog.nav_sections)
    mail = MailService(store, settings, mailer or mailer_from_settings(settings), clock)
    accounts = AccountService(store, settings, mail, hasher or default_hasher(), clock)
    reading = ReadingService(
        store,
        settings,
        clock,
        shared,
        catalog.publishers,
        front.picked_ids,
        accounts.forget_sessions,
        on_activity=front.note_activity,
    )

    def interests_changed(reader_id: int) -> None:
        accounts.forget_sessions()
        front.note_activity(reader_id)

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
        interests=InterestService(store, catalog.publishers, interests_changed),
        front=front,
        stories=stories,
        operations=OperationsService(store, clock),
        tokens=tokens,
        app_passwords=AppPasswordService(store, settings, hasher or default_hasher(), clock),
        subscriptions=SubscriptionService(store, settings, clock, catalog, reading),
        feeds=FeedService(reading, front, stories, catalog, tokens, clock),
        websub=WebSubService(store, settings, clock),
        mail=mail,
        digests=digests,
        jobs=Jobs(mail, membership, digests, clock),
    )


def services_for(settings: Settings) -> Services:
    """The services over the store the settings name, opened (and migrated) but not seeded; the
    caller closes them."""
    from newsstand.store import open_store

    return build_services(settings, open_store(settings))


@contextmanager
def open_services(settings: Settings, announce: Callable[[str], None] | None = None) -> Iterator[Services]:
    """Open the store the settings name (migrating it, told to ``announce``), store the default
    catalog on its first start, and give the services; the store is closed afterwards.
    Every command that opens a store goes through here, so a fresh data folder is seeded
    the same way whichever command comes first."""
    from newsstand.store import open_store

    store = open_store(settings, announce)
    try:
        services = build_services(settings, store)
        plan = services.catalog.seed()
        if not plan.is_empty and announce is not None:
            announce(f"First start: stored the default catalog ({len(plan.new_publishers)} publishers).")
        yield services
    finally:
        store.close()
