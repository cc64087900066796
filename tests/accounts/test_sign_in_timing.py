"""Sign-in takes as long for an email without an account as for one with it (issue 15: 23.7 ms
against 1.2 ms told an attacker which emails have accounts)."""

from __future__ import annotations

import statistics
import time

import pytest

from newsstand.accounts.credentials import default_hasher
from newsstand.app import build_services
from newsstand.config import Settings
from newsstand.errors import AuthenticationError
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


def test_known_and_unknown_emails_cost_the_same(
    store: SqlStore, store_settings: Settings, clock: Clock
) -> None:
    # The production hasher: the point is the cost of the Argon2 check, which the cheap test one hides.
    settings = store_settings.replace(login_attempts_per_minute=0)
    services = build_services(settings, store, clock=clock, hasher=default_hasher())
    services.accounts.sign_up("known@example.org", PASSWORD)
    accounts = services.accounts
    known, unknown = _medians_ms(
        lambda: accounts.sign_in("known@example.org", "wrong password!"),
        lambda: accounts.sign_in("nobody@example.org", "wrong password!"),
    )
    ratio = unknown / known
    assert 0.67 < ratio < 1.5, f"known {known:.1f} ms, unknown {unknown:.1f} ms"
