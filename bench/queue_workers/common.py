"""The benchmark task: shaped like one feed's ingestion, without the network.

A payload of one feed id; a short piece of CPU work (hashing for ``NSQ_CPU_MS`` of
this thread's CPU time, so a busy machine stretches the wall time but not the
work); one small write to PostgreSQL that is idempotent on the feed id and counts
how often the task ran for it, with a NOTIFY so the benchmark sees completion at
once instead of polling.
"""

from __future__ import annotations

import hashlib
import os
import time

import psycopg

BLOCK = os.urandom(4096)
_conn: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    """One autocommit connection per process, opened on first use."""
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(os.environ["NSQ_DSN"], autocommit=True)
    return _conn


def spin(cpu_ms: float) -> str:
    """Hash for ``cpu_ms`` milliseconds of this thread's CPU time."""
    h = hashlib.sha256()
    end = time.thread_time() + cpu_ms / 1000
    while time.thread_time() < end:
        h.update(BLOCK)
    return h.hexdigest()[:16]


def ingest_feed(feed_id: int, hold_s: float = 0.0) -> None:
    """The task body. ``hold_s`` > 0 marks a task the benchmark will kill: it notes
    its start (and pid) first, then waits that long before doing its work."""
    conn = connection()
    if hold_s > 0:
        conn.execute("INSERT INTO attempts (feed_id, pid) VALUES (%s, %s)", (feed_id, os.getpid()))
        time.sleep(hold_s)
    digest = spin(float(os.environ.get("NSQ_CPU_MS", "2")))
    with conn.transaction():
        conn.execute(
            "INSERT INTO done (feed_id, pid, digest, runs) VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (feed_id) DO UPDATE SET runs = done.runs + 1, pid = EXCLUDED.pid",
            (feed_id, os.getpid(), digest),
        )
        conn.execute("SELECT pg_notify('nsq_done', %s)", (str(feed_id),))
