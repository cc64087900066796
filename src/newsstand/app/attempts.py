"""Failed-attempt limits shared by every way of signing in (web, reader apps) and by the other
counted actions (password resets, sign-ups): one policy, kept in the store so it holds across
processes. The decisions themselves are pure (``accounts.ratelimit``); this applies them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from newsstand.accounts import ratelimit
from newsstand.config import Settings
from newsstand.errors import RateLimitedError
from newsstand.model import utc


class AttemptStore(Protocol):
    def record_attempt(self, key: str, at: datetime) -> None: ...
    def attempt_times(self, key: str, since: datetime) -> list[datetime]: ...
    def prune_attempts(self, before: datetime) -> int: ...


class AttemptLimits:
    def __init__(self, store: AttemptStore, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    def check(self, keys: Sequence[str]) -> None:
        """Raises RateLimitedError when any of ``keys`` had too many attempts in the window."""
        if not keys:
            return
        now = utc(self.clock())
        since = now - ratelimit.WINDOW
        limit = self.settings.login_attempts_per_minute
        wait = max(ratelimit.retry_after(self.store.attempt_times(k, since), now, limit) for k in keys)
        if wait > 0:
            raise RateLimitedError(f"Too many attempts. Try again in {int(wait) + 1} seconds.", wait)

    def record(self, keys: Sequence[str]) -> None:
        now = utc(self.clock())
        for key in keys:
            self.store.record_attempt(key, now)
        # Old attempts only ever matter for a minute; drop them as we go.
        self.store.prune_attempts(now - ratelimit.WINDOW * 10)

    def before_sign_in(self, email: str, address: str) -> tuple[list[str], float]:
        """The sign-in policy, before the password is checked: block the address and the pair of
        account and address (without an address, a local caller, the account itself); an
        account's failures from everywhere only slow it, so strangers cannot lock its owner
        out. Raises RateLimitedError; returns the keys a failure is recorded under and the
        seconds to hold this sign-in back."""
        account = ratelimit.account_key(email)
        if address:
            keys = [ratelimit.address_key(address), ratelimit.account_address_key(email, address)]
        else:
            keys = [account]
        self.check(keys)
        now = utc(self.clock())
        attempts = self.store.attempt_times(account, now - ratelimit.WINDOW)
        wait = ratelimit.slowdown(attempts, now, self.settings.login_attempts_per_minute)
        return list(dict.fromkeys([*keys, account])), wait
