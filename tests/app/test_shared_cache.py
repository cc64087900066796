"""With the shared caches on, a reader's own changes show at once, and concurrent callers make
a missing value once."""

from __future__ import annotations

import threading
import time

import pytest

from newsstand.app.cache import TtlCache
from newsstand.config import Settings
from newsstand.model import Facet, MembershipState, Publisher
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
    services.interests.follow(reader.id, Facet.PUBLISHER, "alpha")
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


def test_a_value_made_while_making_another_never_waits_on_itself() -> None:
    """The front page makes its picks while it is being made. Locks were shared by key hashes
    (64 stripes), so in about one process start in 64 the two keys shared a lock and the first
    page hung forever; 300 nested pairs would all but surely have hit a shared stripe."""
    cache = TtlCache(60)
    done: list[str] = []

    def nested() -> None:
        for i in range(300):
            outer = cache.get_or_make(f"page:{i}", lambda i=i: cache.get_or_make(f"part:{i}", lambda: i) + 1)
            done.append(str(outer))

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "a nested make waited on its own lock"
    assert done == [str(i + 1) for i in range(300)]
    assert not cache._making  # the locks of finished makes are dropped


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


def test_values_too_old_to_serve_are_dropped_as_new_ones_arrive(monkeypatch: pytest.MonkeyPatch) -> None:
    import newsstand.app.cache as cache_module

    clock = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    cache = TtlCache(10, max_entries=2000)
    for n in range(500):
        cache.put(f"search:{n}", "x" * 100)
    assert len(cache) == 500
    clock[0] += 10 * cache_module.STALE_FACTOR + 1  # every value is past serving, even stale
    cache.put("search:new", "y")
    assert len(cache) == 1 and cache.get("search:new") == "y"
    clock[0] += 5
    cache.put("search:newer", "z")
    assert len(cache) == 2  # the young ones stay
