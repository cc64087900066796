"""What every part of the accounts service shares: the store, settings, mailer, clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from newsstand.config import Settings
from newsstand.mail import Mailer
from newsstand.model import utc

if TYPE_CHECKING:
    from newsstand.store.base import Store


class ServiceBase:
    """Holds the collaborators; the mixins in auth, members and library add behaviour."""

    store: Store
    settings: Settings
    mailer: Mailer
    hasher: PasswordHasher
    clock: Callable[[], datetime]

    def now(self) -> datetime:
        return utc(self.clock())
