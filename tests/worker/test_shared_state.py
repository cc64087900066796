"""The caches several processes share in Redis, and the services over them."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator

import pytest

from newsstand.app.services import SharedState, shared_state
from newsstand.config import Settings
from newsstand.model import MembershipState, Publisher
from newsstand.store import SqlStore
from support import make_services

PASSWORD = "a long enough secret"


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    import redis

    name = f"nstest-{secrets.token_hex(4)}"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)


def _state(redis_url: str, prefix: str, seconds: float = 60) -> SharedState:
    from newsstand.config import load_settings

    return shared_state(
        load_settings(environ={"NEWSSTAND_CACHE_URL": redis_url, "NEWSSTAND_QUEUE_PREFIX": prefix,
                               "NEWSSTAND_HOME_CACHE_SECONDS": str(seconds)})
    )  # fmt: skip


def test_values_made_in_one_process_are_read_and_cleared_by_another(redis_url: str, prefix: str) -> None:
    one, two = _state(redis_url, prefix).cache, _state(redis_url, prefix).cache
    assert one is not None and two is not None
    made: list[str] = []

    def make() -> dict[str, int]:
        made.append("one")
        return {"stories": 3}

    assert one.get_or_make("front", make) == {"stories": 3}
    assert two.get_or_make("front", lambda: {"stories": 0}) == {"stories": 3}  # not made again
    assert made == ["one"]
    two.clear()
    assert one.get("front") is None
    # A value that cannot be pickled is made, returned, and simply not shared.
    assert one.get_or_make("lock", threading.Lock) is not None
    assert two.get("lock") is None


def test_concurrent_makers_in_several_processes_make_a_value_once(redis_url: str, prefix: str) -> None:
    caches = [_state(redis_url, prefix).cache for _ in range(4)]
    made: list[int] = []

    def make() -> int:
        made.append(1)
        time.sleep(0.3)
        return 42

    results: list[int] = []
    threads = [threading.Thread(target=lambda c=c: results.append(c.get_or_make("k", make))) for c in caches]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [42, 42, 42, 42] and made == [1]


def test_signing_out_in_one_process_signs_out_in_every_one(
    store: SqlStore, store_settings: Settings, redis_url: str, prefix: str
) -> None:
    settings = store_settings.replace(home_cache_seconds=60, cache_url=redis_url, queue_prefix=prefix)
    web_a = make_services(store, settings, state=shared_state(settings))
    web_b = make_services(store, settings, state=shared_state(settings))
    store.add_publisher(Publisher("alpha", "Alpha", "https://alpha.example", "GB", "en"))
    reader = web_a.accounts.sign_up("r@example.org", PASSWORD, start_trial=False)
    token = web_a.accounts.sign_in("r@example.org", PASSWORD).token
    assert web_b.accounts.viewer(token) is not None  # now remembered in Redis
    web_a.membership.start_trial(reader.id)
    seen = web_b.accounts.viewer(token)
    assert seen is not None and seen.membership is not None
    assert seen.membership.state is MembershipState.TRIAL
    web_a.accounts.sign_out(token)
    assert web_b.accounts.viewer(token) is None
    web_a.close()
    web_b.close()


def test_counters_add_up_over_processes(redis_url: str, prefix: str) -> None:
    one, two = _state(redis_url, prefix).counters, _state(redis_url, prefix).counters
    assert one is not None and two is not None
    one.add("latency_count")
    two.add("latency_count", 2)
    two.add("latency_sum", 0.25)
    one.flush()  # type: ignore[attr-defined]
    two.flush()  # type: ignore[attr-defined]
    assert one.totals() == {"latency_count": 3.0, "latency_sum": 0.25}
    one.close()
    two.close()
