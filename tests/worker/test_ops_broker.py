"""/healthz and /metrics when a broker is configured: RabbitMQ checked and its queues counted."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from newsstand.config import load_settings
from newsstand.model import utcnow
from newsstand.web import create_app
from newsstand.worker.queue import connect


def _settings(tmp_path: Path, broker_url: str, prefix: str) -> object:
    return load_settings(
        environ={
            "NEWSSTAND_DATA_DIR": str(tmp_path),
            "NEWSSTAND_SECRET_KEY": "k" * 32,
            "NEWSSTAND_BROKER_URL": broker_url,
            "NEWSSTAND_QUEUE_PREFIX": prefix,
            "NEWSSTAND_METRICS_TOKEN": "scrape",
        }
    )


def test_health_and_metrics_see_the_broker(tmp_path: Path, amqp_url: str, queue_prefix: str) -> None:
    settings = _settings(tmp_path, amqp_url, queue_prefix)
    queue = connect(settings)  # type: ignore[arg-type]
    try:
        queue.send_feeds([101, 102, 103], utcnow())  # no worker: they wait in the queue
    finally:
        queue.close()
    with TestClient(create_app(settings)) as client:  # type: ignore[arg-type]
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["broker"] == "ok"
        text = client.get("/metrics", headers={"Authorization": "Bearer scrape"}).text
        assert f'newsstand_queue_depth{{queue="{queue_prefix}.feeds"}} 3' in text
        assert "newsstand_feeds_queued 0" in text


def test_health_fails_when_the_broker_cannot_be_reached(tmp_path: Path, amqp_url: str) -> None:
    settings = _settings(tmp_path, "amqp://guest:guest@127.0.0.1:1/%2F", "nstest-unreachable")
    with TestClient(create_app(settings)) as client:  # type: ignore[arg-type]
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["database"] == "ok" and health.json()["broker"] != "ok"
