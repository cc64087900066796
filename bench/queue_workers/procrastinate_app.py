"""procrastinate on PostgreSQL. Run as a module, it is one worker process running
one job at a time, with a short heartbeat so the benchmark's stalled-job check
(what a deployment runs periodically) finds a killed worker's job in seconds."""

from __future__ import annotations

import os

import procrastinate

from queue_workers.common import ingest_feed

app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=os.environ["NSQ_DSN"]))
QUEUE = os.environ["NSQ_QUEUE"]
HEARTBEAT_S = 1.0


@app.task(name="nsq.ingest_feed", queue=QUEUE)
def ingest(feed_id: int, hold_s: float = 0.0) -> None:
    ingest_feed(feed_id, hold_s)


if __name__ == "__main__":
    app.run_worker(
        queues=[QUEUE],
        concurrency=1,
        update_heartbeat_interval=HEARTBEAT_S,
        stalled_worker_timeout=3 * HEARTBEAT_S,
        delete_jobs="successful",
    )
