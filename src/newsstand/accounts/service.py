"""``Accounts``: the one object the web app and CLI use for everything about readers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher, Type

from newsstand.accounts.auth import AuthMixin
from newsstand.accounts.credentials import default_hasher
from newsstand.accounts.library import LibraryMixin
from newsstand.accounts.members import ManualProvider, MembersMixin, PaymentProvider
from newsstand.config import Settings
from newsstand.mail import Mailer, mailer_from_settings
from newsstand.model import utcnow

if TYPE_CHECKING:
    from newsstand.store.base import Store


class Accounts(AuthMixin, MembersMixin, LibraryMixin):
    """Accounts, sessions, memberships, the paywall, reading records and picks.

    Every method reads the time from ``clock`` (aware UTC), so tests can move it.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        mailer: Mailer | None = None,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] | None = None,
        provider: PaymentProvider | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.mailer = mailer or mailer_from_settings(settings)
        self.hasher = hasher or default_hasher()
        self.clock = clock or utcnow
        self.provider = provider or ManualProvider()

    @classmethod
    def for_tests(
        cls, store: Store, settings: Settings, *, clock: Callable[[], datetime] | None = None
    ) -> Accounts:
        """An instance with a cheap Argon2id hasher, for test suites that sign up many readers."""
        return cls(store, settings, hasher=cheap_hasher(), clock=clock)


def cheap_hasher() -> PasswordHasher:
    """Argon2id with tiny costs: fast, still the real algorithm. Tests only."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
