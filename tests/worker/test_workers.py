"""Workers and schedulers through RabbitMQ on PostgreSQL, as separate processes.

Three workers share the feeds two schedulers queue (one leads, one waits); one worker is
SIGKILLed while it fetches a slow feed. Every article ends up stored exactly once, the
killed worker's feed included (its message comes back from the broker, its claim runs
out after ``feed_lease_seconds``).
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import sqlalchemy as sa

from ingest.conftest import FeedServer, Route
from ingest.feeds import rss, rss_item
from newsstand.model import Feed, Publisher
from newsstand.store import open_url

from .conftest import Processes, base_env, wait_for

FEEDS, ITEMS = 24, 12
SLOW = "/slow.xml"


def _items(k: int) -> bytes:
    link = "https://news.example.org/f{k}/{n}"
    return rss([rss_item(n, link=link.format(k=k, n=n), guid=f"f{k}-{n}") for n in range(ITEMS)])


def _catalog(url: str, server: FeedServer, slow_started: threading.Event, calls: list[float]) -> None:
    slow_body = _items(FEEDS)

    def slow(handler: BaseHTTPRequestHandler) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:  # the first worker to fetch it is killed meanwhile
            slow_started.set()
            time.sleep(6)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(slow_body)))
        handler.end_headers()
        handler.wfile.write(slow_body)

    server.routes[SLOW] = slow
    store = open_url(url)
    try:
        store.add_publisher(Publisher("example", "Example News", "https://news.example.org", "GB", "en"))
        store.add_feed(Feed(server.url(SLOW), "example", "world"))  # oldest: queued first
        for k in range(FEEDS):
            server.routes[f"/feed{k}.xml"] = Route(_items(k), etag=f'"{k}"')
            store.add_feed(Feed(server.url(f"/feed{k}.xml"), "example", "world"))
    finally:
        store.close()


def _counts(engine: sa.Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT url), "
                "(SELECT count(*) FROM feed_states WHERE last_success IS NOT NULL) FROM articles"
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _holder_pid(engine: sa.Engine, feed_url: str) -> int | None:
    with engine.connect() as conn:
        holder = conn.execute(
            sa.text(
                "SELECT c.holder FROM feed_claims c JOIN feeds f ON f.id = c.feed_id "
                "WHERE f.url = :url AND c.holder <> ''"
            ),
            {"url": feed_url},
        ).scalar()
    return int(holder.split(":")[1]) if holder else None


@pytest.mark.slow
@pytest.mark.postgres
def test_workers_store_every_article_once_after_one_is_killed(
    tmp_path: Path, fresh_pg_url: str, amqp_url: str, queue_prefix: str, processes: Processes
) -> None:
    server = FeedServer()
    slow_started = threading.Event()
    slow_calls: list[float] = []
    try:
        _catalog(fresh_pg_url, server, slow_started, slow_calls)
        env = base_env(
            tmp_path, fresh_pg_url, broker_url=amqp_url, queue_prefix=queue_prefix,
            feed_lease_seconds="4", scheduler_seconds="0.3", scheduler_lease_seconds="3",
            per_host_concurrency="6",
        )  # fmt: skip
        workers = [processes.start(env, "worker", "--threads", "3", name=f"worker{i}") for i in range(3)]
        schedulers = [processes.start(env, "scheduler", name=f"scheduler{i}") for i in range(2)]
        assert slow_started.wait(60), "no worker fetched the slow feed"
        engine = sa.create_engine(fresh_pg_url, poolclass=sa.pool.NullPool)
        wait_for(lambda: _holder_pid(engine, server.url(SLOW)) is not None, 10, "the slow feed's claim")
        victim = _holder_pid(engine, server.url(SLOW))
        assert victim in {w.pid for w in workers}
        os.killpg(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        expected = (FEEDS + 1) * ITEMS
        wait_for(lambda: _counts(engine)[2] == FEEDS + 1, 60, "every feed polled")
        articles, distinct, _ = _counts(engine)
        assert articles == distinct == expected
        # The killed worker's fetch, then another's once its claim ran out (4 s).
        # (No one polled it while the dead worker's claim ran.)
        assert len(slow_calls) >= 2 and 2.0 < slow_calls[1] - killed_at < 15, slow_calls
        # One scheduler led; the other waited.
        logs = [processes.log(f"scheduler{i}") for i in range(2)]
        assert sum("leading" in log for log in logs) == 1, logs
        assert sum("waiting: another leads" in log for log in logs) == 1, logs
        assert sum("scheduler: queued" in log for log in logs) == 1, logs  # only the leader sent
        # The leader stops cleanly (its lease given up): the other takes over at once.
        leader = next(s for s, log in zip(schedulers, logs, strict=True) if "leading" in log)
        os.killpg(leader.pid, signal.SIGTERM)
        leader.wait(15)
        other = 1 - schedulers.index(leader)
        wait_for(lambda: "leading" in processes.log(f"scheduler{other}"), 10, "the second scheduler to lead")
        engine.dispose()
        assert not re.search(r"Traceback", "".join(processes.log(f"worker{i}") for i in range(3)))
    finally:
        server.close()
