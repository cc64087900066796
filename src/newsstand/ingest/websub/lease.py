"""When to renew a WebSub lease, retry a failed subscription, and whether pushes flow.

Pure decisions over a ``PushSubscription`` and the time now. A lease is renewed a
tenth of its length before it ends (at least five minutes, at most half the lease,
so a short lease is not renewed the moment it starts). A request the hub never
verified, or refused, is retried with backoff: 5 minutes doubling per failure, at
most a day. Whenever ``push_active`` is false the feed is polled as usual.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from newsstand.model import PushState, PushSubscription

MIN_MARGIN = timedelta(minutes=5)
VERIFY_WAIT = timedelta(minutes=10)  # a hub that has not verified by then is taken to have failed
FIRST_RETRY = timedelta(minutes=5)
MAX_RETRY = timedelta(days=1)


def push_active(sub: PushSubscription, now: datetime) -> bool:
    """True while the hub has a verified, unexpired lease: pushes can be expected."""
    return sub.state is PushState.ACTIVE and sub.expires is not None and now < sub.expires


def renew_at(sub: PushSubscription) -> datetime | None:
    """When an active lease should be renewed; None when there is no lease to renew."""
    if sub.state is not PushState.ACTIVE or sub.expires is None or sub.verified is None:
        return None
    lease = sub.expires - sub.verified
    margin = min(max(lease / 10, MIN_MARGIN), lease / 2)
    return sub.expires - margin


def retry_delay(failures: int) -> timedelta:
    """How long to wait before the next attempt after ``failures`` failed ones."""
    if failures <= 0:
        return timedelta(0)
    doublings: int = min(failures - 1, 20)  # bounded: 2**20 * 5 minutes is far past the cap
    return min(FIRST_RETRY * (1 << doublings), MAX_RETRY)


def subscribe_due(sub: PushSubscription, now: datetime) -> bool:
    """Whether a (re)subscribe request should be sent to the hub now.

    Active leases are renewed from ``renew_at``; a request still unverified after
    ``VERIFY_WAIT``, or refused, is retried after ``retry_delay``; an unsubscribed
    record never is.
    """
    if sub.state is PushState.ACTIVE:
        due = renew_at(sub)
        return due is None or now >= due
    if sub.state is PushState.REQUESTED:
        return now >= sub.requested + VERIFY_WAIT + retry_delay(sub.failures)
    if sub.state is PushState.DENIED:
        return now >= sub.requested + retry_delay(max(sub.failures, 1))
    return False
