"""Membership through the service: explicit trial, manual grants, effective state over time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsstand.accounts import Accounts, ManualProvider
from newsstand.errors import InvalidDataError, MembershipError, NotFoundError
from newsstand.model import MembershipState

from .conftest import PASSWORD, Clock


def test_explicit_trial_once(accounts: Accounts, clock: Clock) -> None:
    reader = accounts.sign_up("r@example.org", PASSWORD, start_trial=False)
    assert accounts.membership(reader.id) is None and accounts.can_start_trial(reader.id)
    assert accounts.membership_state(reader.id) is None
    trial = accounts.start_trial(reader.id)
    assert trial.state is MembershipState.TRIAL and trial.ends == clock.now + timedelta(days=14)
    assert not accounts.can_start_trial(reader.id)
    with pytest.raises(MembershipError):
        accounts.start_trial(reader.id)
    clock.advance(days=14)
    assert accounts.membership_state(reader.id) is MembershipState.LAPSED
    with pytest.raises(MembershipError):  # a lapsed trial does not start again
        accounts.start_trial(reader.id)
    with pytest.raises(NotFoundError):
        accounts.start_trial(4242)


def test_operator_grant_extend_end(accounts: Accounts, clock: Clock) -> None:
    reader = accounts.sign_up("r@example.org", PASSWORD)
    granted = accounts.grant(reader.id, days=30, note="paid by invoice 12")
    assert granted.state is MembershipState.ACTIVE and granted.provider == "manual"
    assert granted.ends == clock.now + timedelta(days=30) and granted.note == "paid by invoice 12"
    assert accounts.extend(reader.id, 10).ends == clock.now + timedelta(days=40)
    clock.advance(days=41)
    assert accounts.membership_state(reader.id) is MembershipState.LAPSED
    renewed = accounts.extend(reader.id, 5)  # a lapsed membership restarts from today
    assert renewed.started == clock.now and renewed.ends == clock.now + timedelta(days=5)
    ended = accounts.end(reader.id)
    assert ended.state is MembershipState.CANCELLED and ended.cancelled == clock.now
    assert accounts.membership_state(reader.id) is MembershipState.CANCELLED
    until = clock.now + timedelta(days=365)
    assert accounts.grant(reader.id, until=until).ends == until
    assert accounts.grant(reader.id).ends is None  # open-ended
    with pytest.raises(InvalidDataError):
        accounts.grant(reader.id, days=3, until=until)
    with pytest.raises(InvalidDataError):
        accounts.grant(reader.id, until=clock.now - timedelta(days=1))
    with pytest.raises(InvalidDataError):
        accounts.grant(reader.id, days=0)


def test_end_without_membership_is_an_error(accounts: Accounts) -> None:
    reader = accounts.sign_up("r@example.org", PASSWORD, start_trial=False)
    with pytest.raises(MembershipError):
        accounts.end(reader.id)


def test_list_members_shows_effective_states(accounts: Accounts, clock: Clock) -> None:
    a = accounts.sign_up("a@example.org", PASSWORD)  # trial
    b = accounts.sign_up("b@example.org", PASSWORD, start_trial=False)
    accounts.sign_up("c@example.org", PASSWORD, start_trial=False)  # no membership: not listed
    accounts.grant(b.id, days=100)
    clock.advance(days=20)
    rows = accounts.list_members()
    assert [(r.reader.email, r.state) for r in rows] == [
        ("a@example.org", MembershipState.LAPSED),
        ("b@example.org", MembershipState.ACTIVE),
    ]
    assert rows[0].membership.state is MembershipState.TRIAL  # stored state is unchanged
    assert rows[0].reader.id == a.id


def test_manual_provider_takes_no_online_payment(accounts: Accounts) -> None:
    reader = accounts.sign_up("r@example.org", PASSWORD)
    assert isinstance(accounts.provider, ManualProvider)
    assert accounts.provider.checkout_url(reader, "https://news.example/account") is None
