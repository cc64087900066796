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
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from argon2 import PasswordHasher

from newsstand.accounts import credentials as cred
from newsstand.accounts import ratelimit
from newsstand.app.attempts import AttemptLimits
from newsstand.config import Settings
from newsstand.errors import AuthenticationError, InvalidFieldError, NotFoundError
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
        self._dummy_hash: str | None = None
        self.sleep: Callable[[float], None] = time.sleep  # how a slowed sign-in waits (tests record it)
        self.limits = AttemptLimits(store, settings, clock)  # the web sign-in's own policy

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
        failures, wait = self.limits.before_sign_in(normalised, address)
        if wait > 0:
            self.sleep(wait)
        record = self._record_for(normalised)
        # An unknown email or a reader without an app password costs one Argon2 check too.
        stored = record.password_hash if record is not None else self._dummy()
        matches = cred.verify_password(self.hasher, stored, password)
        if record is None or not matches:
            self.limits.record(failures)
            raise AuthenticationError(_WRONG)
        return auth_token(password, record.token_salt)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = cred.hash_password(self.hasher, new_app_password())
        return self._dummy_hash

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
            self.limits.check(keys)
            self.limits.record(keys)
            raise AuthenticationError("unknown or revoked credentials") from None
        return AppViewer(reader, membership)
