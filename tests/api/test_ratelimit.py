"""Rate limits: a token bucket per token and per address, kept in the database so every process
shares it; the decision itself is ``accounts.ratelimit.take``. Both databases."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from newsstand.accounts.ratelimit import take
from newsstand.app import Services
from newsstand.model import Bucket
from newsstand.store import SqlStore
from newsstand.web import create_app
from support import make_services
from web.conftest import Clock

from .conftest import reader_with_token

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_a_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    bucket = None
    for _ in range(3):
        bucket, wait = take(bucket, T0, 3)
        assert wait == 0.0
    assert bucket is not None
    bucket, wait = take(bucket, T0, 3)
    assert wait == 20.0  # three a minute: one every 20 seconds
    bucket, wait = take(bucket, T0 + timedelta(seconds=19), 3)
    assert 0 < wait <= 1.0
    bucket, wait = take(bucket, T0 + timedelta(seconds=20), 3)
    assert wait == 0.0
    # Idle for an hour: full again, never more than full.
    full, _ = take(bucket, T0 + timedelta(hours=1), 3)
    assert full.tokens == 2.0
    # A clock that went backwards refills nothing.
    back, wait = take(Bucket(0.0, T0), T0 - timedelta(minutes=5), 3)
    assert wait > 0 and back.tokens == 0.0
    assert take(None, T0, 0) == (Bucket(0.0, T0), 0.0)  # no limit


def test_concurrent_requests_are_all_counted(store: SqlStore) -> None:
    allowed: list[float] = []
    lock = threading.Lock()

    def request() -> None:
        wait = store.take_from_bucket("k", T0, lambda b: take(b, T0, 10))
        with lock:
            allowed.append(wait)

    store.take_from_bucket("k", T0, lambda b: take(b, T0, 10))  # the bucket exists: no race to create it
    threads = [threading.Thread(target=request) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for w in allowed if w == 0.0) == 9  # ten a minute, one taken before
    assert store.prune_buckets(T0 + timedelta(seconds=1)) == 1


def limited_client(services: Services, **limits: int) -> TestClient:
    settings = dataclasses.replace(services.settings, **limits)  # type: ignore[arg-type]
    limited = make_services(services.store, settings, services.clock)
    return TestClient(create_app(settings, services=limited), base_url="http://testserver")


def test_addresses_without_a_token_are_limited(services: Services, clock: Clock, edition: object) -> None:
    with limited_client(services, api_anonymous_requests_per_minute=3) as client:
        answers = [client.get("/api/v1/publishers") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers.get("ratelimit-remaining") for a in answers[:3]] == ["2", "1", "0"]
        refused = answers[3]
        assert refused.headers["retry-after"] == "20"
        assert refused.json()["error"] == {
            "code": "rate_limited",
            "message": "Too many requests. Try again in 21 seconds.",
            "details": {"retry_after": 20},
        }
        # Guessing tokens counts against the address too.
        assert client.get("/api/v1/me", headers={"Authorization": "Bearer nsk_guess"}).status_code == 429


def test_each_token_has_its_own_bucket(services: Services, clock: Clock, edition: object) -> None:
    _, first = reader_with_token(services, "first@example.org")
    _, second = reader_with_token(services, "second@example.org")
    with limited_client(services, api_requests_per_minute=2, api_anonymous_requests_per_minute=1) as client:
        assert [client.get("/api/v1/me", headers=first).status_code for _ in range(3)] == [200, 200, 429]
        assert client.get("/api/v1/me", headers=second).status_code == 200
        assert client.get("/api/v1/publishers").status_code == 200  # the address's own bucket
        clock.advance(seconds=30)  # two a minute: one more after 30 seconds
        assert client.get("/api/v1/me", headers=first).status_code == 200
