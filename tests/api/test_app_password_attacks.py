"""Reader apps' sign-in (Google Reader ClientLogin with an app password) under attack, as the web
sign-in (issue 15, item 5): it takes as long for an unknown email as for a known one, failures
block the address and the address-account pair, and failures from everywhere only slow the
account down, so strangers cannot lock its owner's apps out."""

from __future__ import annotations

import statistics
import time

import pytest

from newsstand.accounts.credentials import default_hasher
from newsstand.app import Services, build_services
from newsstand.config import Settings
from newsstand.errors import AuthenticationError, RateLimitedError
from newsstand.store import SqlStore

from .conftest import PASSWORD, Clock


def _medians_ms(*attempts: object, rounds: int = 9) -> list[float]:
    """The median time of each attempt (each must fail to sign in), measured in turns so that
    a machine busy with other work slows them all alike."""
    times: list[list[float]] = [[] for _ in attempts]
    for _ in range(rounds):
        for i, attempt in enumerate(attempts):
            start = time.perf_counter()
            with pytest.raises(AuthenticationError):
                attempt()  # type: ignore[operator]
            times[i].append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def test_client_login_costs_the_same_for_unknown_emails(
    store: SqlStore, settings: Settings, clock: Clock
) -> None:
    services = build_services(
        settings.replace(login_attempts_per_minute=0), store, clock=clock, hasher=default_hasher()
    )
    reader = services.accounts.sign_up("app-known@example.org", PASSWORD)
    services.app_passwords.create(reader.id)
    services.accounts.sign_up("app-none@example.org", PASSWORD)  # an account without an app password
    login = services.app_passwords.client_login
    known, unknown, without = _medians_ms(
        lambda: login("app-known@example.org", "wrong-wrong-wrong-wrong"),
        lambda: login("nobody@example.org", "wrong-wrong-wrong-wrong"),
        lambda: login("app-none@example.org", "wrong-wrong-wrong-wrong"),
    )
    assert 0.67 < unknown / known < 1.5, f"known {known:.1f} ms, unknown {unknown:.1f} ms"
    assert 0.67 < without / known < 1.5, f"known {known:.1f} ms, no app password {without:.1f} ms"


def test_strangers_cannot_lock_the_owners_apps_out(services: Services) -> None:
    reader = services.accounts.sign_up("app-owner@example.org", PASSWORD)
    secret = services.app_passwords.create(reader.id)
    waits: list[float] = []
    services.app_passwords.sleep = waits.append
    for i in range(8):
        with pytest.raises(AuthenticationError):
            services.app_passwords.client_login("app-owner@example.org", "guess", address=f"198.51.100.{i}")
    assert waits == [0.5, 1.0, 1.5]
    assert services.app_passwords.client_login("app-owner@example.org", secret, address="203.0.113.5")
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            services.app_passwords.client_login("app-owner@example.org", "guess", address="192.0.2.77")
    with pytest.raises(RateLimitedError):
        services.app_passwords.client_login("app-owner@example.org", secret, address="192.0.2.77")
