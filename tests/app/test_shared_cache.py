"""With the shared caches on, a reader's own changes show at once, and concurrent callers make
a missing value once."""

from __future__ import annotations

import threading
import time

from newsstand.app.cache import TtlCache
from newsstand.config import Settings
from newsstand.model import MembershipState, Publisher
from newsstand.store import SqlStore
from support import make_services

PASSWORD = "a long enough secret"


def test_a_reader_sees_their_own_changes_at_once(store: SqlStore, store_settings: Settings) -> None:
    services = make_services(store, store_settings.replace(home_cache_seconds=60))
    store.add_publisher(Publisher("alpha", "Alpha", "https://alpha.example", "GB", "en"))
    reader = services.accounts.sign_up("r@example.org", PASSWORD, start_trial=False)
    token = services.accounts.sign_in("r@example.org", PASSWORD).token
    first = services.accounts.viewer(token)
    assert first is not None and first.membership is None and first.reader.followed_publishers == ()
    services.reading.follow_publisher(reader.id, "alpha")
    services.membership.start_trial(reader.id)
    after = services.accounts.viewer(token)
    assert after is not None and after.reader.followed_publishers == ("alpha",)
    assert after.membership is not None and after.membership.state is MembershipState.TRIAL
    services.accounts.sign_out(token)
    assert services.accounts.viewer(token) is None


def test_a_missing_value_is_made_once_for_concurrent_callers() -> None:
    cache = TtlCache(60)
    made: list[int] = []

    def make() -> int:
        made.append(1)
        time.sleep(0.2)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_make("k", make))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 8 and len(made) == 1


def test_a_stale_value_is_served_while_one_caller_makes_it_afresh() -> None:
    cache = TtlCache(0.05)
    cache.put("k", "old")
    time.sleep(0.06)
    started = threading.Event()

    def slow() -> str:
        started.set()
        time.sleep(0.3)
        return "new"

    maker = threading.Thread(target=lambda: cache.get_or_make("k", slow))
    maker.start()
    started.wait(1)
    assert cache.get_or_make("k", lambda: "other") == "old"  # answered at once, not made again
    maker.join()
    assert cache.get("k") == "new"
