"""/healthz, /metrics and request ids, in-process on SQLite."""

from __future__ import annotations

import platform
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import PG_ADMIN_URL
from newsstand.app import Services
from newsstand.model import FeedState, FetchRecord, Role
from newsstand.store import SqlStore

from .conftest import NOW, make_reader, make_settings, seed, sign_in


def test_health_says_ok_while_the_database_answers(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok"}
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.postgres
def test_health_fails_when_the_database_is_gone(fresh_pg_url: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    from newsstand.web import create_app

    settings = make_settings(tmp_path, NEWSSTAND_DATABASE_URL=fresh_pg_url)
    with TestClient(create_app(settings)) as probe:
        assert probe.get("/healthz").status_code == 200
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            name = sa.make_url(fresh_pg_url).database
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()
        answer = probe.get("/healthz")
        assert answer.status_code == 503 and answer.json()["status"] == "failing"
        assert answer.json()["database"] != "ok"


def test_every_response_carries_a_request_id_and_echoes_a_sane_one(client: TestClient) -> None:
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 16 and made != client.get("/healthz").headers["x-request-id"]
    assert client.get("/", headers={"X-Request-Id": "lb-7f3a.1"}).headers["x-request-id"] == "lb-7f3a.1"
    forged = client.get("/", headers={"X-Request-Id": "bad id\r\nx: y"}).headers["x-request-id"]
    assert forged != "bad id\r\nx: y" and len(forged) == 16


def test_metrics_are_for_operators_only(client: TestClient, services: Services) -> None:
    assert client.get("/metrics").status_code == 403
    make_reader(services, "reader@example.org")
    sign_in(client, "reader@example.org")
    assert client.get("/metrics").status_code == 403


def test_metrics_count_feeds_fetches_and_requests(
    client: TestClient, services: Services, web_store: SqlStore
) -> None:
    edition = seed(web_store)
    now = services.clock()
    first, second = edition.feed_ids
    web_store.record_fetch(FetchRecord(first, now - timedelta(minutes=1), 200, 10.0, 100),
                           FeedState(first, next_poll=now + timedelta(hours=1)), [])  # fmt: skip
    web_store.record_fetch(FetchRecord(second, now - timedelta(minutes=2), 503, 10.0, 0, error="503"),
                           FeedState(second, next_poll=NOW - timedelta(hours=1)), [])  # fmt: skip
    make_reader(services, "ops@example.org", role=Role.ADMIN)
    sign_in(client, "ops@example.org")
    for _ in range(3):
        client.get("/")
    text = client.get("/metrics").text
    assert "newsstand_feeds_due 1" in text
    assert 'newsstand_fetches_recent{outcome="ok"} 1' in text
    assert 'newsstand_fetches_recent{outcome="failed"} 1' in text
    assert "# TYPE newsstand_http_request_duration_seconds histogram" in text
    name = "newsstand_http_request_duration_seconds_count"
    count = next(line for line in text.splitlines() if line.startswith(name))
    assert int(count.split()[1]) >= 3
    assert 'newsstand_http_responses{class="2xx"}' in text
    # Cumulative buckets, as Prometheus reads them: never falling, and the widest holds them all.
    buckets = [float(line.split()[1]) for line in text.splitlines() if "_duration_seconds_bucket" in line]
    assert buckets == sorted(buckets) and buckets[-1] == float(count.split()[1]) and buckets[-2] > 0


def test_a_metrics_token_lets_a_scraper_in(tmp_path: Path) -> None:
    from newsstand.web import create_app

    settings = make_settings(tmp_path, NEWSSTAND_METRICS_TOKEN="s3cret-scrape")
    with TestClient(create_app(settings)) as scraper:
        assert scraper.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        answer = scraper.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")


def test_metrics_show_this_process_memory(client: TestClient, services: Services) -> None:
    """The resident set, Python's blocks and malloc's in-use and kept bytes, so a growing
    process says which of them grows (bench/soak.py reads these)."""
    make_reader(services, "ops@example.org", role=Role.ADMIN)
    sign_in(client, "ops@example.org")
    samples = dict(
        line.rsplit(" ", 1) for line in client.get("/metrics").text.splitlines() if not line.startswith("#")
    )
    assert int(samples["newsstand_python_allocated_blocks"]) > 10_000
    if platform.system() == "Linux":
        assert 20 * 2**20 < int(samples["process_resident_memory_bytes"]) < 16 * 2**30
    if platform.libc_ver()[0] == "glibc":
        in_use = int(samples['newsstand_malloc_bytes{state="in_use"}'])
        assert 0 < in_use < int(samples["process_resident_memory_bytes"])
        assert int(samples['newsstand_malloc_bytes{state="free"}']) >= 0
