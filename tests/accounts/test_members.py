"""Membership through the service: explicit trial, manual grants, effective state over time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsstand.app import Services
from newsstand.app.membership import ManualProvider
from newsstand.errors import InvalidDataError, MembershipError, NotFoundError, PaymentError
from newsstand.model import MembershipState

from .conftest import PASSWORD, Clock


def test_explicit_trial_once(services: Services, clock: Clock) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD, start_trial=False)
    assert services.membership.membership(reader.id) is None and services.membership.can_start_trial(
        reader.id
    )
    assert services.membership.membership_state(reader.id) is None
    trial = services.membership.start_trial(reader.id)
    assert trial.state is MembershipState.TRIAL and trial.ends == clock.now + timedelta(days=14)
    assert not services.membership.can_start_trial(reader.id)
    with pytest.raises(MembershipError):
        services.membership.start_trial(reader.id)
    clock.advance(days=14)
    assert services.membership.membership_state(reader.id) is MembershipState.LAPSED
    with pytest.raises(MembershipError):  # a lapsed trial does not start again
        services.membership.start_trial(reader.id)
    with pytest.raises(NotFoundError):
        services.membership.start_trial(4242)


def test_operator_grant_extend_end(services: Services, clock: Clock) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    granted = services.membership.grant(reader.id, days=30, note="paid by invoice 12")
    assert granted.state is MembershipState.ACTIVE and granted.provider == "manual"
    assert granted.ends == clock.now + timedelta(days=30) and granted.note == "paid by invoice 12"
    assert services.membership.extend(reader.id, 10).ends == clock.now + timedelta(days=40)
    clock.advance(days=41)
    assert services.membership.membership_state(reader.id) is MembershipState.LAPSED
    renewed = services.membership.extend(reader.id, 5)  # a lapsed membership restarts from today
    assert renewed.started == clock.now and renewed.ends == clock.now + timedelta(days=5)
    ended = services.membership.end(reader.id)
    assert ended.state is MembershipState.CANCELLED and ended.cancelled == clock.now
    assert services.membership.membership_state(reader.id) is MembershipState.CANCELLED
    until = clock.now + timedelta(days=365)
    assert services.membership.grant(reader.id, until=until).ends == until
    assert services.membership.grant(reader.id).ends is None  # open-ended
    with pytest.raises(InvalidDataError):
        services.membership.grant(reader.id, days=3, until=until)
    with pytest.raises(InvalidDataError):
        services.membership.grant(reader.id, until=clock.now - timedelta(days=1))
    with pytest.raises(InvalidDataError):
        services.membership.grant(reader.id, days=0)


def test_end_without_membership_is_an_error(services: Services) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD, start_trial=False)
    with pytest.raises(MembershipError):
        services.membership.end(reader.id)


def test_list_members_shows_effective_states(services: Services, clock: Clock) -> None:
    a = services.accounts.sign_up("a@example.org", PASSWORD)  # trial
    b = services.accounts.sign_up("b@example.org", PASSWORD, start_trial=False)
    services.accounts.sign_up("c@example.org", PASSWORD, start_trial=False)  # no membership: not listed
    services.membership.grant(b.id, days=100)
    clock.advance(days=20)
    rows = services.membership.list_members()
    assert [(r.reader.email, r.state) for r in rows] == [
        ("a@example.org", MembershipState.LAPSED),
        ("b@example.org", MembershipState.ACTIVE),
    ]
    assert rows[0].membership.state is MembershipState.TRIAL  # stored state is unchanged
    assert rows[0].reader.id == a.id


def test_manual_provider_takes_no_online_payment(services: Services) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    assert isinstance(services.membership.provider, ManualProvider)
    assert not services.membership.provider.online
    with pytest.raises(PaymentError, match="not set up"):
        services.membership.checkout(reader.id, "monthly", "https://news.example")
    with pytest.raises(MembershipError, match="not paid online"):
        services.membership.portal(reader.id)
