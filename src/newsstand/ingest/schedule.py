"""When to poll a feed next: pure decisions over what the last fetch showed.

A feed that publishes every ten minutes is polled about every five; one that
publishes weekly, a few times a day. The server's own freshness lifetime
(Cache-Control max-age, Expires) is respected: polling before it runs out only
gets the same bytes back. Failures back off exponentially with jitter (from an
injected random source, so tests are deterministic), and after ``failing_after``
consecutive failures a feed is marked failing but still retried at the slowest
rate: it is never silently dropped.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from newsstand.config import Settings
from newsstand.model import FeedState

Random = Callable[[], float]  # returns a float in [0, 1), like random.random

DEFAULT_INTERVAL = 3600.0  # a feed whose rhythm we cannot see yet
_RECENT_ENTRIES = 20
_SUCCESS_JITTER = 0.1  # spread polls so feeds added together do not stay in lockstep


@dataclass(frozen=True, slots=True)
class PollPolicy:
    min_seconds: float = 300
    max_seconds: float = 86_400
    failing_after: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPolicy:
        return cls(
            min_seconds=float(settings.poll_min_seconds),
            max_seconds=float(settings.poll_max_seconds),
            failing_after=settings.failing_after,
        )

    def clamp(self, seconds: float) -> float:
        return min(self.max_seconds, max(self.min_seconds, seconds))


def publishing_interval(now: datetime, entry_times: Sequence[datetime]) -> float | None:
    """Seconds between entries, judged from the most recent ones; None with fewer than two.

    A feed that has gone quiet since its last entry counts as slower than its
    past rhythm suggests, so a dormant feed drifts towards the longest interval.
    """
    times = sorted((t for t in entry_times if t <= now), reverse=True)[:_RECENT_ENTRIES]
    if len(times) < 2:
        return None
    mean_gap = (times[0] - times[-1]).total_seconds() / (len(times) - 1)
    quiet = (now - times[0]).total_seconds()
    return max(mean_gap, quiet)


def previous_interval(state: FeedState) -> float | None:
    """The interval the last decision chose, for a 304 that shows no entries to judge by."""
    if state.next_poll is None or state.last_fetched is None or state.consecutive_failures:
        return None
    return (state.next_poll - state.last_fetched).total_seconds()


def success_interval(
    now: datetime,
    entry_times: Sequence[datetime],
    max_age: float | None,
    policy: PollPolicy,
    rng: Random,
    previous: float | None = None,
) -> float:
    """Seconds until the next poll after a successful (or not-modified) fetch.

    ``previous`` (the last interval) is used when the entries show no rhythm,
    as after a 304 Not Modified.
    """
    rate = publishing_interval(now, entry_times)
    fallback = previous if previous is not None else DEFAULT_INTERVAL
    interval = fallback if rate is None else rate / 2  # about two polls per new entry
    if max_age is not None:
        interval = max(interval, max_age)
    interval *= 1 + _SUCCESS_JITTER * (2 * rng() - 1)
    return policy.clamp(interval)


def failure_interval(failures: int, retry_after: float | None, policy: PollPolicy, rng: Random) -> float:
    """Seconds until the retry after ``failures`` consecutive failures (``failures`` >= 1).

    Exponential from ``min_seconds`` with "equal jitter" (half fixed, half random),
    never sooner than the server's Retry-After, never later than ``max_seconds``.
    """
    exponent = min(max(failures, 1) - 1, 30)
    ceiling = policy.clamp(policy.min_seconds * 2**exponent)
    interval = ceiling / 2 + rng() * ceiling / 2
    if retry_after is not None:
        interval = max(interval, retry_after)
    return policy.clamp(interval)


def after_success(
    state: FeedState,
    now: datetime,
    *,
    entry_times: Sequence[datetime],
    max_age: float | None,
    etag: str,
    last_modified: str,
    policy: PollPolicy,
    rng: Random = random.random,
) -> FeedState:
    """The feed's state after a fetch that returned the feed or 304 Not Modified."""
    interval = success_interval(now, entry_times, max_age, policy, rng, previous_interval(state))
    return replace(
        state,
        etag=etag,
        last_modified=last_modified,
        last_fetched=now,
        last_success=now,
        next_poll=now + timedelta(seconds=interval),
        consecutive_failures=0,
        last_error="",
        failing=False,
    )


def after_failure(
    state: FeedState,
    now: datetime,
    *,
    error: str,
    retry_after: float | None,
    policy: PollPolicy,
    rng: Random = random.random,
) -> FeedState:
    """The feed's state after a failed fetch or parse; failing once past ``failing_after``."""
    failures = state.consecutive_failures + 1
    interval = failure_interval(failures, retry_after, policy, rng)
    return replace(
        state,
        last_fetched=now,
        next_poll=now + timedelta(seconds=interval),
        consecutive_failures=failures,
        last_error=error,
        failing=failures >= policy.failing_after,
    )
