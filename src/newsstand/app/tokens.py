"""API tokens and API rate limits as a service.

A reader makes a token (from the account page or the CLI), names it after the app that
uses it, and sees its secret once; only the secret's SHA-256 is stored, as for sessions.
Every API request with a token finds its reader and membership in one read. Requests are
counted in a token bucket in the database, per token when one is sent and per client
address otherwise (``accounts.ratelimit.take`` decides), so every process shares the count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from newsstand.accounts import credentials as cred
from newsstand.accounts import ratelimit
from newsstand.config import Settings
from newsstand.errors import InvalidFieldError, NotFoundError, RateLimitedError
from newsstand.model import ApiToken, ApiTokenGrant, Bucket, Membership, Reader, utc
from newsstand.store.base import ApiTokenStore, ReaderStore

# A token's last use is kept to the minute: apps poll every few seconds, and a write per
# request for a time nobody reads more precisely would be a waste.
LAST_USED_PRECISION = timedelta(minutes=1)
# A bucket untouched this long is full again and can go; pruned at most this often per process.
BUCKET_IDLE = timedelta(hours=1)
PRUNE_EVERY_SECONDS = 600.0
MAX_TOKENS_PER_READER = 50


class TokenStore(ApiTokenStore, ReaderStore, Protocol):
    """What the token service reads and writes."""


@dataclass(frozen=True, slots=True)
class TokenViewer:
    """Who sent an API request: the token's reader and membership, and the token itself."""

    reader: Reader
    membership: Membership | None
    token: ApiToken


@dataclass(frozen=True, slots=True)
class Allowance:
    """What is left of a client's requests after this one (for RateLimit headers)."""

    limit: int
    remaining: int


class TokenService:
    """Create, list and revoke API tokens; find a request's reader by token; count requests."""

    def __init__(self, store: TokenStore, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self._pruned = 0.0
        self._prune_lock = threading.Lock()

    def now(self) -> datetime:
        return utc(self.clock())

    # --- tokens ------------------------------------------------------------------------------

    def create(self, reader_id: int, name: str) -> ApiTokenGrant:
        """A new token for the reader, its secret in the grant (shown once, never stored).
        Raises InvalidFieldError("name") for an empty or overlong name or when the reader has
        MAX_TOKENS_PER_READER tokens already, NotFoundError for an unknown reader."""
        clean = cred.token_name(name)
        if len(self.store.api_tokens(reader_id)) >= MAX_TOKENS_PER_READER:
            raise InvalidFieldError(
                f"You have {MAX_TOKENS_PER_READER} tokens already: revoke one you no longer use.", "name"
            )
        secret, hashed = cred.new_api_token()
        return ApiTokenGrant(secret, self.store.add_api_token(reader_id, clean, hashed, self.now()))

    def tokens(self, reader_id: int) -> list[ApiToken]:
        """The reader's tokens, newest first (names and times; never a secret)."""
        return self.store.api_tokens(reader_id)

    def revoke(self, reader_id: int, token_id: int) -> None:
        """Revoke one of the reader's tokens at once. Raises NotFoundError."""
        self.store.delete_api_token(reader_id, token_id)

    def viewer(self, secret: str) -> TokenViewer | None:
        """The reader a token belongs to, with their membership; None for a token that is
        unknown or revoked. Notes when the token was used (to the minute)."""
        if not secret.startswith(cred.API_TOKEN_PREFIX) or len(secret) > 200:
            return None
        try:
            token, reader, membership = self.store.api_token_reader(cred.token_hash(secret))
        except NotFoundError:
            return None
        now = self.now()
        if token.last_used is None or now - token.last_used >= LAST_USED_PRECISION:
            self.store.touch_api_token(token.id, now)
            token = ApiToken(token.id, token.reader_id, token.name, token.created, now)
        return TokenViewer(reader, membership, token)

    # --- rate limits ---------------------------------------------------------------------------

    def allow(self, viewer: TokenViewer | None, address: str) -> Allowance | None:
        """Count one API request: against the token when there is one, else against the client
        address. None when that limit is off. Raises RateLimitedError (with the seconds to wait)
        when the bucket is empty."""
        if viewer is not None:
            key, per_minute = ratelimit.api_token_key(viewer.token.id), self.settings.api_requests_per_minute
        else:
            key = ratelimit.api_address_key(address[:100])
            per_minute = self.settings.api_anonymous_requests_per_minute
        if per_minute <= 0:
            return None
        now = self.now()

        def decide(bucket: Bucket | None) -> tuple[Bucket, tuple[float, int]]:
            after, wait = ratelimit.take(bucket, now, per_minute)
            return after, (wait, int(after.tokens))

        wait, remaining = self.store.take_from_bucket(key, now, decide)
        self._prune(now)
        if wait > 0:
            raise RateLimitedError(f"Too many requests. Try again in {int(wait) + 1} seconds.", wait)
        return Allowance(per_minute, remaining)

    def _prune(self, now: datetime) -> None:
        with self._prune_lock:
            due = time.monotonic() - self._pruned >= PRUNE_EVERY_SECONDS
            if due:
                self._pruned = time.monotonic()
        if due:
            self.store.prune_buckets(now - BUCKET_IDLE)
