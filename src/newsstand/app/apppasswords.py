"""App passwords: what reader apps sign in with to the Google Reader and Fever APIs.

A reader's app password is separate from their sign-in password: generated here, shown once,
kept as Argon2id, revocable at once (the apps signed in with it stop working). What the APIs'
requests carry is derived from it and stored only as SHA-256:

* the Google Reader Auth token, ``HMAC-SHA256(password, salt)``, which ClientLogin can
  recompute from the password (so every app that signs in gets the same token, and a new
  password invalidates them all) and which is never stored;
* the Fever key, ``md5(email:password)`` as Fever defines it.

Sign-ins count against the same per-account and per-address limits as the web's sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from argon2 import PasswordHasher

from newsstand.accounts import credentials as cred
from newsstand.accounts import ratelimit
from newsstand.config import Settings
from newsstand.errors import AuthenticationError, InvalidFieldError, NotFoundError, RateLimitedError
from newsstand.model import AppPassword, Membership, Reader, utc
from newsstand.store.base import AppPasswordStore, ReaderStore

_WRONG = "Wrong email or app password."
# Lower case letters and digits a reader can type on a phone without confusing l, 1, 0 and o.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_GROUPS, _GROUP_LENGTH = 4, 5  # 20 characters, 100 random bits
AUTH_PREFIX = "nsgr_"
_EDIT_PURPOSE = b"newsstand greader edit token"


class AppPasswordServiceStore(AppPasswordStore, ReaderStore, Protocol):
    """What the app password service reads and writes."""


@dataclass(frozen=True, slots=True)
class AppViewer:
    """The reader an app's request speaks for, with their membership (for the paywall)."""

    reader: Reader
    membership: Membership | None


def new_app_password() -> str:
    """A fresh app password: four groups of five characters joined by dashes."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LENGTH)) for _ in range(_GROUPS))
    return "-".join(groups)


def auth_token(password: str, salt: str) -> str:
    """The Google Reader Auth token of an app password (the same for every sign-in)."""
    return AUTH_PREFIX + hmac.new(password.encode(), salt.encode(), hashlib.sha256).hexdigest()


def fever_key(email: str, password: str) -> str:
    """Fever's api_key: the MD5 of "email:password" in hex (Fever's own definition)."""
    return hashlib.md5(f"{email}:{password}".encode(), usedforsecurity=False).hexdigest()


def edit_token(auth: str) -> str:
    """The Google Reader edit token ("T") for an Auth token: derived, so no state is kept."""
    return hmac.new(auth.encode(), _EDIT_PURPOSE, hashlib.sha256).hexdigest()[:57]


class AppPasswordService:
    """Create and revoke app passwords; sign apps in; find the reader behind a request."""

    def __init__(
        self,
        store: AppPasswordServiceStore,
        settings: Settings,
        hasher: PasswordHasher,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.settings = settings
        self.hasher = hasher
        self.clock = clock

    def now(self) -> datetime:
        return utc(self.clock())

    def create(self, reader_id: int) -> str:
        """A new app password for the reader, replacing their earlier one (whose apps must sign
        in again). Returned once and never stored. Raises NotFoundError for an unknown reader."""
        reader = self.store.get_reader(reader_id)
        password = new_app_password()
        salt = secrets.token_hex(16)
        record = AppPassword(
            reader_id=reader.id,
            password_hash=cred.hash_password(self.hasher, password),
            token_salt=salt,
            auth_hash=cred.token_hash(auth_token(password, salt)),
            fever_hash=cred.token_hash(fever_key(reader.email, password)),
            created=self.now(),
        )
        self.store.put_app_password(record)
        return password

    def revoke(self, reader_id: int) -> bool:
        """Revoke the reader's app password at once; False when they had none."""
        return self.store.delete_app_password(reader_id)

    def created(self, reader_id: int) -> datetime | None:
        """When the reader's app password was made; None when they have none."""
        record = self.store.app_password(reader_id)
        return None if record is None else record.created

    # --- signing in ----------------------------------------------------------------------------

    def client_login(self, email: str, password: str, *, address: str = "") -> str:
        """The Google Reader Auth token for a right email and app password. Raises
        AuthenticationError (wrong, unknown or no app password) and RateLimitedError after too
        many failures in a minute, for the account or the address, web sign-ins included."""
        try:
            normalised = cred.normalise_email(email)
        except InvalidFieldError as exc:
            raise AuthenticationError(_WRONG) from exc
        keys = [ratelimit.account_key(normalised)] + ([ratelimit.address_key(address)] if address else [])
        self._check_limits(keys)
        record = self._record_for(normalised)
        if record is None or not cred.verify_password(self.hasher, record.password_hash, password):
            self._record_attempts(keys)
            raise AuthenticationError(_WRONG)
        return auth_token(password, record.token_salt)

    def _record_for(self, email: str) -> AppPassword | None:
        try:
            reader = self.store.get_reader_by_email(email)
        except NotFoundError:
            return None
        return self.store.app_password(reader.id)

    def viewer(self, kind: Literal["auth", "fever"], secret: str, *, address: str = "") -> AppViewer:
        """The reader whose Auth token ("auth") or Fever key ("fever") this is. Raises
        AuthenticationError for an unknown one (counted against the address, as failed
        sign-ins are) and RateLimitedError."""
        if not secret or len(secret) > 200:
            raise AuthenticationError("unknown or revoked credentials")
        try:
            reader, membership = self.store.app_password_reader(kind, cred.token_hash(secret.strip()))
        except NotFoundError:
            keys = [ratelimit.address_key(address)] if address else []
            self._check_limits(keys)
            self._record_attempts(keys)
            raise AuthenticationError("unknown or revoked credentials") from None
        return AppViewer(reader, membership)

    def _check_limits(self, keys: list[str]) -> None:
        if not keys:
            return
        now = self.now()
        since = now - ratelimit.WINDOW
        limit = self.settings.login_attempts_per_minute
        wait = max(ratelimit.retry_after(self.store.attempt_times(k, since), now, limit) for k in keys)
        if wait > 0:
            raise RateLimitedError(f"Too many attempts. Try again in {int(wait) + 1} seconds.", wait)

    def _record_attempts(self, keys: list[str]) -> None:
        now = self.now()
        for key in keys:
            self.store.record_attempt(key, now)
        self.store.prune_attempts(now - ratelimit.WINDOW * 10)
