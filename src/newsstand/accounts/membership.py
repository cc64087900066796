"""Membership as a small state machine of pure functions.

A reader has at most one membership row. ``state`` is what was last decided
(trial, active, cancelled); ``effective_state`` adds the clock: a trial or paid
period whose end has passed is lapsed, without anyone having to write that down.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from newsstand.errors import InvalidDataError, MembershipError
from newsstand.model import Membership, MembershipState

_READS_EVERYTHING = (MembershipState.TRIAL, MembershipState.ACTIVE)


def effective_state(membership: Membership, now: datetime) -> MembershipState:
    """The state at ``now``: trial and active turn lapsed once ``ends`` is reached."""
    state = membership.state
    if state in _READS_EVERYTHING and membership.ends is not None and now >= membership.ends:
        return MembershipState.LAPSED
    return state


def has_full_access(membership: Membership | None, now: datetime) -> bool:
    return membership is not None and effective_state(membership, now) in _READS_EVERYTHING


def can_start_trial(existing: Membership | None) -> bool:
    """One free trial per reader: only someone who never had a membership gets one."""
    return existing is None


def start_trial(existing: Membership | None, reader_id: int, now: datetime, days: int) -> Membership:
    """A trial of ``days`` days from ``now``. Raises MembershipError when the reader
    had a membership (or trial) before, InvalidDataError for a non-positive length."""
    if days <= 0:
        raise InvalidDataError(f"trial length must be positive, got {days}")
    if not can_start_trial(existing):
        raise MembershipError("This account has already had its free trial.")
    return Membership(
        reader_id=reader_id,
        state=MembershipState.TRIAL,
        started=now,
        ends=now + timedelta(days=days),
        note="free trial",
    )


def grant(
    existing: Membership | None,
    reader_id: int,
    now: datetime,
    until: datetime | None,
    *,
    provider: str = "manual",
    note: str = "",
) -> Membership:
    """An active membership from ``now`` until ``until`` (None: open-ended).

    Replaces whatever the reader had, trial included. Raises InvalidDataError when
    ``until`` is not after ``now``.
    """
    if until is not None and until <= now:
        raise InvalidDataError(f"membership end {until.isoformat()} is not in the future")
    return Membership(
        reader_id=reader_id,
        state=MembershipState.ACTIVE,
        started=now,
        ends=until,
        provider=provider,
        note=note or (existing.note if existing else ""),
    )


def extend(existing: Membership | None, reader_id: int, now: datetime, days: int) -> Membership:
    """Add ``days`` to a running trial or period; a lapsed, cancelled or missing
    membership becomes an active one of ``days`` days from now. An open-ended
    membership stays open-ended. Raises InvalidDataError for non-positive ``days``.
    """
    if days <= 0:
        raise InvalidDataError(f"days to extend by must be positive, got {days}")
    if existing is None or not has_full_access(existing, now):
        return grant(existing, reader_id, now, now + timedelta(days=days), note="extended")
    if existing.ends is None:
        return existing
    return dataclasses.replace(existing, ends=existing.ends + timedelta(days=days))


def cancel(existing: Membership, now: datetime) -> Membership:
    """End the membership at ``now``: access stops at once, the dates stay for the record."""
    ends = now if existing.ends is None or existing.ends > now else existing.ends
    return dataclasses.replace(existing, state=MembershipState.CANCELLED, cancelled=now, ends=ends)
