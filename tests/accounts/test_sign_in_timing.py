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


def _median_ms(attempt: object, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with pytest.raises(AuthenticationError):
            attempt()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def test_known_and_unknown_emails_cost_the_same(
    store: SqlStore, store_settings: Settings, clock: Clock
) -> None:
    # The production hasher: the point is the cost of the Argon2 check, which the cheap test one hides.
    settings = store_settings.replace(login_attempts_per_minute=0)
    services = build_services(settings, store, clock=clock, hasher=default_hasher())
    services.accounts.sign_up("known@example.org", PASSWORD)
    accounts = services.accounts
    _median_ms(lambda: accounts.sign_in("nobody@example.org", "wrong password!"), runs=1)  # warm up
    known = _median_ms(lambda: accounts.sign_in("known@example.org", "wrong password!"))
    unknown = _median_ms(lambda: accounts.sign_in("nobody@example.org", "wrong password!"))
    ratio = unknown / known
    assert 0.67 < ratio < 1.5, f"known {known:.1f} ms, unknown {unknown:.1f} ms"
