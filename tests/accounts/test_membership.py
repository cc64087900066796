"""The membership state machine and effective_state across time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsstand.accounts import membership as ms
from newsstand.errors import InvalidDataError, MembershipError
from newsstand.model import Membership, MembershipState

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_trial_runs_for_its_days_then_lapses() -> None:
    trial = ms.start_trial(None, 7, T0, 14)
    assert trial.state is MembershipState.TRIAL
    assert trial.ends == T0 + 14 * DAY
    assert ms.effective_state(trial, T0) is MembershipState.TRIAL
    assert ms.effective_state(trial, T0 + 14 * DAY - timedelta(seconds=1)) is MembershipState.TRIAL
    assert ms.effective_state(trial, T0 + 14 * DAY) is MembershipState.LAPSED
    assert ms.has_full_access(trial, T0 + 13 * DAY)
    assert not ms.has_full_access(trial, T0 + 15 * DAY)


def test_only_one_trial_per_reader() -> None:
    trial = ms.start_trial(None, 7, T0, 14)
    assert not ms.can_start_trial(trial)
    with pytest.raises(MembershipError):
        ms.start_trial(trial, 7, T0 + 30 * DAY, 14)
    with pytest.raises(InvalidDataError):
        ms.start_trial(None, 7, T0, 0)


def test_grant_until_a_date_and_open_ended() -> None:
    trial = ms.start_trial(None, 7, T0, 14)
    active = ms.grant(trial, 7, T0 + DAY, T0 + 31 * DAY)
    assert active.state is MembershipState.ACTIVE
    assert active.started == T0 + DAY and active.ends == T0 + 31 * DAY
    assert ms.effective_state(active, T0 + 30 * DAY) is MembershipState.ACTIVE
    assert ms.effective_state(active, T0 + 31 * DAY) is MembershipState.LAPSED
    forever = ms.grant(None, 7, T0, None)
    assert ms.effective_state(forever, T0 + 3650 * DAY) is MembershipState.ACTIVE
    with pytest.raises(InvalidDataError):
        ms.grant(None, 7, T0, T0 - DAY)


def test_extend_adds_days_to_a_running_period_keeping_its_state() -> None:
    trial = ms.start_trial(None, 7, T0, 14)
    longer = ms.extend(trial, 7, T0 + DAY, 10)
    assert longer.state is MembershipState.TRIAL
    assert longer.ends == T0 + 24 * DAY
    assert longer.started == T0


def test_extend_after_lapse_starts_a_new_period_from_now() -> None:
    trial = ms.start_trial(None, 7, T0, 14)
    later = T0 + 40 * DAY
    renewed = ms.extend(trial, 7, later, 30)
    assert renewed.state is MembershipState.ACTIVE
    assert renewed.started == later and renewed.ends == later + 30 * DAY
    assert ms.extend(None, 7, T0, 5).ends == T0 + 5 * DAY
    with pytest.raises(InvalidDataError):
        ms.extend(trial, 7, T0, -1)


def test_extend_keeps_open_ended_membership_open() -> None:
    forever = ms.grant(None, 7, T0, None)
    assert ms.extend(forever, 7, T0 + DAY, 30) == forever


def test_cancel_ends_access_at_once_and_keeps_dates() -> None:
    active = ms.grant(None, 7, T0, T0 + 30 * DAY)
    when = T0 + 3 * DAY
    cancelled = ms.cancel(active, when)
    assert cancelled.state is MembershipState.CANCELLED
    assert cancelled.cancelled == when and cancelled.ends == when and cancelled.started == T0
    assert ms.effective_state(cancelled, when) is MembershipState.CANCELLED
    assert ms.effective_state(cancelled, when + 100 * DAY) is MembershipState.CANCELLED
    assert not ms.has_full_access(cancelled, when)
    # An already lapsed period keeps its own, earlier end.
    lapsed_end = ms.cancel(active, T0 + 60 * DAY).ends
    assert lapsed_end == T0 + 30 * DAY
    # Cancelled readers may be granted again.
    assert ms.grant(cancelled, 7, when + DAY, None).state is MembershipState.ACTIVE


@pytest.mark.parametrize(
    ("state", "ends_in_days", "expected"),
    [
        (MembershipState.TRIAL, 1, MembershipState.TRIAL),
        (MembershipState.TRIAL, -1, MembershipState.LAPSED),
        (MembershipState.ACTIVE, 1, MembershipState.ACTIVE),
        (MembershipState.ACTIVE, -1, MembershipState.LAPSED),
        (MembershipState.ACTIVE, None, MembershipState.ACTIVE),
        (MembershipState.LAPSED, 1, MembershipState.LAPSED),
        (MembershipState.CANCELLED, 1, MembershipState.CANCELLED),
    ],
)
def test_effective_state_table(
    state: MembershipState, ends_in_days: int | None, expected: MembershipState
) -> None:
    ends = None if ends_in_days is None else T0 + ends_in_days * DAY
    m = Membership(reader_id=1, state=state, started=T0 - 10 * DAY, ends=ends)
    assert ms.effective_state(m, T0) is expected
    assert ms.has_full_access(m, T0) is (expected in (MembershipState.TRIAL, MembershipState.ACTIVE))
    assert not ms.has_full_access(None, T0)
