"""How many sign-in and reset attempts an account or an address may make.

The decision is a pure function over the times of recent attempts; the times
themselves live in the database (``auth_attempts``), so every web process and
the CLI see the same counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

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


def address_key(address: str) -> str:
    return f"address:{address}"


def signup_key(address: str) -> str:
    return f"signup:{address}"
