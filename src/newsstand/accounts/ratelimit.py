"""How many sign-in and reset attempts an account or an address may make, and how many API
requests a token or an address may send.

The decisions are pure functions: over the times of recent attempts (kept in
``auth_attempts``: a handful a minute at most), and over a token bucket for API requests
(one row per key in ``rate_buckets``: hundreds a minute cost one row, not hundreds; see
docs/decisions.md). Both live in the database, so every web process and the CLI see the
same counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from newsstand.model import Bucket

WINDOW = timedelta(minutes=1)


def retry_after(attempts: Sequence[datetime], now: datetime, limit: int, window: timedelta = WINDOW) -> float:
    """Seconds until another attempt is allowed: 0.0 when one is allowed now.

    ``attempts`` are the recorded attempt times for one key; only those within
    ``window`` before ``now`` count. With ``limit`` or more of them, the caller must
    wait until the oldest counted one leaves the window.
    """
    recent = sorted(t for t in attempts if now - window < t <= now)
    if limit <= 0 or len(recent) < limit:
        return 0.0
    # The attempt that has to age out is the one that would make room for one more.
    oldest_blocking = recent[len(recent) - limit]
    return max((oldest_blocking + window - now).total_seconds(), 0.001)


def account_key(email: str) -> str:
    return f"account:{email}"


def account_address_key(email: str, address: str) -> str:
    return f"account-address:{email}|{address}"


# Past the limit, each further failure of one account (from anywhere) holds its next sign-ins
# back by this much more, up to MAX_SLOWDOWN. Sign-ins are slowed, never refused, on the
# account's count: refusing would let anyone who knows an address lock its owner out.
SLOWDOWN_STEP = 0.5
MAX_SLOWDOWN = 3.0


def slowdown(attempts: Sequence[datetime], now: datetime, limit: int, window: timedelta = WINDOW) -> float:
    """Seconds to hold a sign-in back for an account whose failed ``attempts`` (from every
    address) reached ``limit`` within ``window``: 0.0 below it, then SLOWDOWN_STEP more per
    failure past it, at most MAX_SLOWDOWN. ``limit`` <= 0 turns it off."""
    recent = sum(1 for t in attempts if now - window < t <= now)
    if limit <= 0 or recent < limit:
        return 0.0
    return min(SLOWDOWN_STEP * (recent - limit + 1), MAX_SLOWDOWN)


def address_key(address: str) -> str:
    return f"address:{address}"


def signup_key(address: str) -> str:
    return f"signup:{address}"


# --- API requests: a token bucket per API token and per client address -----------------------


def take(bucket: Bucket | None, now: datetime, per_minute: int) -> tuple[Bucket, float]:
    """One request against a bucket holding at most ``per_minute`` requests and refilled at
    ``per_minute`` a minute: the bucket as it is after the request, and the seconds to wait
    (0.0 when the request may go ahead, and then it has used one token).

    A bucket never seen starts full; a clock that went backwards refills nothing. With
    ``per_minute`` <= 0 there is no limit.
    """
    if per_minute <= 0:
        return Bucket(0.0, now), 0.0
    rate = per_minute / 60.0  # tokens a second
    if bucket is None:
        tokens = float(per_minute)
    else:
        elapsed = max((now - bucket.updated).total_seconds(), 0.0)
        tokens = min(float(per_minute), bucket.tokens + elapsed * rate)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, now), 0.0
    return Bucket(tokens, now), max((1.0 - tokens) / rate, 0.001)


def api_token_key(token_id: int) -> str:
    return f"api-token:{token_id}"


def api_address_key(address: str) -> str:
    return f"api-address:{address}"
